#include "testlib.h"
#include "profile.h"
#include "util.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- one line at a time ---- */

static const struct {
	const char *line;
	int rc;                 /* 1 record, 0 skipped, -1 malformed */
	enum record_kind kind;
	double mem, t;
	const char *text;
	int level;
} lines[] = {
	{ "MEM 0.132812 1795695938.8861", 1, REC_MEM, 0.132812, 1795695938.8861, NULL, 0 },
	{ "MEM 12.5 100.25\r", 1, REC_MEM, 12.5, 100.25, NULL, 0 },
	{ "MEM 1.0 2.0 extra", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "MEM 1.0", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "MEM nan 1.0", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "MEM inf 1.0", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "MEM 1e999 1.0", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "MEM -1 1.0", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "MEM 1 abc", -1, REC_MEM, 0, 0, NULL, 0 },
	{ "CMDLINE ./prog 'a b'", 1, REC_CMDLINE, 0, 0, "./prog 'a b'", 0 },
	{ "CHLD 9383 70.621094 1795695942.5262", 1, REC_CHLD, 70.621094, 1795695942.5262, NULL, 0 },
	{ "CHLD x 70.6 1.0", -1, REC_CHLD, 0, 0, NULL, 0 },
	{ "FUNC __main__.grow 21.7578 1795695938.9780 101.7969 1795695939.5990 0", 1, REC_FUNC,
	  21.7578, 1795695938.9780, "__main__.grow", 0 },
	{ "FUNC .churn_phase 101.8 10.5 117.9 11.0", 1, REC_FUNC, 101.8, 10.5, ".churn_phase", -1 },
	{ "FUNC f 1 2 3 4 2 unfinished", 1, REC_FUNC, 1, 2, "f", 2 },
	{ "FUNC f 1 5 3 4 0", -1, REC_FUNC, 0, 0, NULL, 0 },
	{ "FUNC f 1 2 3", -1, REC_FUNC, 0, 0, NULL, 0 },
	{ "FUNC f 1 2 3 4 x", -1, REC_FUNC, 0, 0, NULL, 0 },
	/* the Python tool writes timestamp labels with their spaces: the numbers
	 * are the last five fields */
	{ "FUNC .two words 21.7422 1795988006.8494 31.7461 1795988007.0051 0", 1, REC_FUNC,
	  21.7422, 1795988006.8494, ".two words", 0 },
	{ "FUNC .a  b\tc 1 2 3 4 1", 1, REC_FUNC, 1, 2, ".a  b\tc", 1 },
	{ "FUNC .1 2 10.0 100.5 12.0 101.5 3", 1, REC_FUNC, 10, 100.5, ".1 2", 3 },
	{ "FUNC .a b 1 2 3 4", -1, REC_FUNC, 0, 0, NULL, 0 },
	{ "FUNC .a b 1 5 3 4 0", -1, REC_FUNC, 0, 0, NULL, 0 },
	{ "FUNC .a b 1 2 3 4 0 unfinished", -1, REC_FUNC, 0, 0, NULL, 0 },
	{ "FUNC  1 2 3 4 0", -1, REC_FUNC, 0, 0, NULL, 0 },
	{ "MARK start\\x20here 12.5 7.25", 1, REC_MARK, 12.5, 7.25, "start\\x20here", 0 },
	{ "PEAK 65.0 3.5", 1, REC_PEAK, 65.0, 3.5, NULL, 0 },
	{ "CHLDPEAK 12 65.0 3.5", 1, REC_CHLDPEAK, 65.0, 3.5, NULL, 0 },
	{ "CHLDCMD 12 python3", 1, REC_CHLDCMD, 0, 0, "python3", 0 },
	{ "EXIT 12.5 signal 9", 1, REC_EXIT, 0, 12.5, "signal", 0 },
	{ "MPROF 1 0.1.0 backend=rss", 1, REC_MPROF, 0, 0, "1 0.1.0 backend=rss", 0 },
	{ "", 0, REC_MEM, 0, 0, NULL, 0 },
	{ "\r", 0, REC_MEM, 0, 0, NULL, 0 },
	{ "12.5 1795695938.8861", 0, REC_MEM, 0, 0, NULL, 0 },
	{ "SOMETHING new 1 2", 0, REC_MEM, 0, 0, NULL, 0 },
	{ "\x01\x02\xff garbage", 0, REC_MEM, 0, 0, NULL, 0 },
};

START_TEST(test_parse_line)
{
	char buf[256];
	struct record rec;
	const char *why = NULL;
	size_t len = strlen(lines[_i].line);
	int rc;

	memcpy(buf, lines[_i].line, len + 1);
	rc = profile_parse_line(buf, len, &rec, &why);
	ck_assert_msg(rc == lines[_i].rc, "'%s': got %d, want %d", lines[_i].line, rc, lines[_i].rc);
	if (rc < 0)
		ck_assert_ptr_nonnull(why);
	if (rc != 1)
		return;
	ck_assert_int_eq(rec.kind, lines[_i].kind);
	ck_assert_double_eq(rec.mem, lines[_i].mem);
	ck_assert_double_eq(rec.t, lines[_i].t);
	if (lines[_i].text) {
		ck_assert_uint_eq(rec.text_len, strlen(lines[_i].text));
		ck_assert(memcmp(rec.text, lines[_i].text, rec.text_len) == 0);
	}
	if (rec.kind == REC_FUNC)
		ck_assert_int_eq(rec.level, lines[_i].level);
}
END_TEST

/* ---- numbers must equal strtod's ---- */

START_TEST(test_numbers_match_strtod)
{
	const char *fixed[] = { "0.132812", "1795695938.8861", "1795695938.886123", "149.812500",
				"0.1", "0.3", "123456789012345678", "9007199254740993", "1e-5",
				"-0.0", "00012.50", ".5", "5.", "0.000000000000000000000001" };
	unsigned seed = 12345;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		double a, b = strtod(fixed[i], NULL);

		ck_assert_int_eq(profile_parse_number(fixed[i], strlen(fixed[i]), &a), 0);
		ck_assert_msg(a == b, "%s: %.17g != %.17g", fixed[i], a, b);
	}
	for (int i = 0; i < 200000; i++) {
		char s[64];
		double a, b;

		seed = seed * 1103515245u + 12345u;
		if (i % 2)
			snprintf(s, sizeof(s), "%.6f", (seed % 100000000u) / 997.0);
		else
			snprintf(s, sizeof(s), "%.4f", 1.7e9 + (seed % 1000000000u) / 1e4 + (i % 7) * 0.3);
		b = strtod(s, NULL);
		ck_assert_int_eq(profile_parse_number(s, strlen(s), &a), 0);
		ck_assert_msg(a == b, "%s: %.17g != %.17g", s, a, b);
	}
}
END_TEST

/* Every length of integer and fraction part, with and without sign, through
 * the parser's three ways in: a bare number, a line, and the streaming reader
 * (whose lines straddle its buffer). Each must give strtod's double. */
static void random_number(char *s, size_t cap, unsigned *seed, int ni, int nf)
{
	size_t o = 0;

	*seed = *seed * 1103515245u + 12345u;
	if (*seed % 5 == 0)
		s[o++] = (*seed >> 8) % 2 ? '-' : '+';
	for (int k = 0; k < ni && o + 2 < cap; k++) {
		*seed = *seed * 1103515245u + 12345u;
		s[o++] = (char)('0' + (*seed >> 16) % 10);
	}
	if (nf >= 0) {
		s[o++] = '.';
		for (int k = 0; k < nf && o + 2 < cap; k++) {
			*seed = *seed * 1103515245u + 12345u;
			s[o++] = (char)('0' + (*seed >> 16) % 10);
		}
	}
	s[o] = '\0';
}

static bool strtod_whole(const char *s, double *out)
{
	char *e;

	*out = strtod(s, &e);
	return *s && e == s + strlen(s);
}

START_TEST(test_numbers_every_length)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "n.dat");
	FILE *f = fopen(path, "wb");
	struct profile_reader r;
	struct record rec;
	unsigned seed = 777;
	double *want = malloc(sizeof(double) * 2 * 60000);
	size_t nwant = 0, got = 0;

	ck_assert_ptr_nonnull(f);
	for (int rep = 0; rep < 60; rep++) {
		for (int ni = 0; ni <= 22; ni++) {
			for (int nf = -1; nf <= 22; nf++) {
				char a[64], b[64], line[160];
				double x, y, pa, pb;
				int ra, rb, rl;
				const char *why;
				size_t len;

				random_number(a, sizeof(a), &seed, ni, nf);
				random_number(b, sizeof(b), &seed, (ni + rep) % 21, (nf + rep) % 21);
				ra = profile_parse_number(a, strlen(a), &pa);
				ck_assert_int_eq(ra == 0, strtod_whole(a, &x));
				if (ra == 0)
					ck_assert_msg(pa == x || (isnan(pa) && isnan(x)), "%s: %.17g != %.17g",
						      a, pa, x);
				rb = profile_parse_number(b, strlen(b), &pb);
				ck_assert_int_eq(rb == 0, strtod_whole(b, &y));
				len = (size_t)snprintf(line, sizeof(line), "MEM %s %s", a, b);
				rl = profile_parse_line(line, len, &rec, &why);
				if (ra == 0 && rb == 0 && isfinite(pa) && isfinite(pb) && pa >= 0) {
					ck_assert_msg(rl == 1, "'%s' refused", line);
					ck_assert(rec.mem == x && rec.t == y);
					want[nwant++] = x;
					want[nwant++] = y;
					fprintf(f, "MEM %s %s\n", a, b);
				} else {
					ck_assert_msg(rl == -1, "'%s' taken", line);
				}
			}
		}
	}
	fclose(f);
	ck_assert_int_gt(nwant, 20000);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while (profile_reader_next(&r, &rec) > 0) {
		ck_assert_int_eq(rec.kind, REC_MEM);
		ck_assert_uint_lt(got + 1, nwant);
		ck_assert_msg(rec.mem == want[got] && rec.t == want[got + 1],
			      "line %ld: %.17g %.17g, want %.17g %.17g", rec.lineno, rec.mem, rec.t,
			      want[got], want[got + 1]);
		ck_assert_int_eq(rec.lineno, (long)(got / 2 + 1));
		ck_assert_ptr_null(rec.text);
		got += 2;
	}
	profile_reader_close(&r);
	ck_assert_uint_eq(got, nwant);
	free(want);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* Around the edges of the fast way: 2^53, 19 and 20 digits, forms only
 * strtod reads. */
START_TEST(test_numbers_edges)
{
	const char *ok[] = { "9007199254740992", "9007199254740993", "9007199254740991.5",
			     "1234567890123456789", "12345678901234567890", "0.1234567890123456789",
			     "00000000000000000001", "1e3", "1E-3", "0x10", "12345678.",
			     "-12345678.12345678", "+.12345678",
			     "1234567890123456789012345678901234567890123456789012345678901234567890" };
	const char *bad[] = { "", "-", "+", ".", "-.", "1..2", "1.2.3", "--5", "5-", "1 2", "abc",
			      "12345678a", "12:3", "9:", "1/2", "123456789:", "1.2345678:" };
	char huge[512];

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		double a, b;

		ck_assert_msg(strtod_whole(ok[i], &b), "%s", ok[i]);
		ck_assert_msg(profile_parse_number(ok[i], strlen(ok[i]), &a) == 0, "%s refused", ok[i]);
		ck_assert_msg(a == b, "%s: %.17g != %.17g", ok[i], a, b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		double a;

		ck_assert_msg(profile_parse_number(bad[i], strlen(bad[i]), &a) == -1, "'%s' taken", bad[i]);
	}
	/* longer than any number the writer prints */
	memset(huge, '7', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	{
		double a;

		ck_assert_int_eq(profile_parse_number(huge, strlen(huge), &a), -1);
	}
}
END_TEST

/* ---- escaping ---- */

static const struct {
	const char *raw, *esc;
} escapes[] = {
	{ "grow", "grow" },
	{ "a b", "a\\x20b" },
	{ "tab\there", "tab\\x09here" },
	{ "back\\slash", "back\\x5cslash" },
	{ "line\nbreak", "line\\x0abreak" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "bad\xff", "bad\\xff" },
	{ "half\xc3", "half\\xc3" },
};

START_TEST(test_escape_roundtrip)
{
	char out[128];
	size_t n = profile_escape(escapes[_i].raw, strlen(escapes[_i].raw), out, sizeof(out));

	ck_assert_str_eq(out, escapes[_i].esc);
	ck_assert(!strpbrk(out, " \t\n\r"));
	n = profile_unescape(out, n);
	ck_assert_uint_eq(n, strlen(escapes[_i].raw));
	ck_assert(memcmp(out, escapes[_i].raw, n) == 0);
}
END_TEST

START_TEST(test_escape_truncates_whole)
{
	char out[8];
	size_t n = profile_escape("ab cdefgh", 9, out, sizeof(out));

	ck_assert_uint_lt(n, sizeof(out));
	ck_assert_str_eq(out, "ab\\x20c");
}
END_TEST

/* ---- reading whole files ---- */

struct counts {
	int rec[REC_KIND_COUNT];
	int rc;
};

static struct counts read_all(const char *path)
{
	struct profile_reader r;
	struct record rec;
	struct counts c = { { 0 }, 0 };
	int rc;

	if (profile_reader_open(&r, path) < 0) {
		c.rc = -1;
		return c;
	}
	while ((rc = profile_reader_next(&r, &rec)) > 0)
		c.rec[rec.kind]++;
	c.rc = rc;
	profile_reader_close(&r);
	return c;
}

static const struct {
	const char *name;
	int mem, func, chld;
} fixtures[] = {
	{ "details-nested.dat", 16, 5, 0 },
	{ "legacy-5field-func.dat", 16, 5, 0 },
	{ "plain.dat", 17, 0, 0 },
	{ "no-samples.dat", 0, 0, 0 },
	{ "include-children.dat", 31, 0, 0 },
	{ "multiprocess.dat", 0, 0, -1 },
	{ "steps-10ms.dat", 0, 0, 0 },
};

START_TEST(test_python_fixtures)
{
	char *path = tl_fixture(fixtures[_i].name);
	struct counts c = read_all(path);
	char *text = tl_read_file(path, NULL);

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(c.rec[REC_CMDLINE], 1);
	/* Counted independently from the text. */
	ck_assert_int_eq(c.rec[REC_MEM], tl_count_prefix(text, "MEM "));
	ck_assert_int_eq(c.rec[REC_FUNC], tl_count_prefix(text, "FUNC "));
	ck_assert_int_eq(c.rec[REC_CHLD], tl_count_prefix(text, "CHLD "));
	if (fixtures[_i].mem)
		ck_assert_int_eq(c.rec[REC_MEM], fixtures[_i].mem);
	if (fixtures[_i].func)
		ck_assert_int_eq(c.rec[REC_FUNC], fixtures[_i].func);
	if (fixtures[_i].chld < 0)
		ck_assert_int_gt(c.rec[REC_CHLD], 10);
	free(text);
	free(path);
}
END_TEST

static const struct {
	const char *content;
	int rc;           /* what reading the whole file ends with */
	int mem;          /* MEM records read */
	const char *msg;  /* part of the error or warning */
} files[] = {
	{ "", 0, 0, NULL },
	{ "CMDLINE x\n", 0, 0, NULL },
	{ "CMDLINE x\n\nMEM 1 2\n", 0, 1, NULL },
	{ "CMDLINE x\r\nMEM 1 2\r\nMEM 3 4\r\n", 0, 2, NULL },
	{ "CMDLINE x\nMEM 1 2\nMEM 3 4", 0, 1, ":3: last line has no end" },
	{ "CMDLINE x\nMEM 1 2\nMEM nan 4\n", -1, 1, "f.dat:3: bad MEM record" },
	{ "MEM 1 2\nFUNC f 1 2\n", -1, 1, "f.dat:2: bad FUNC record: wrong number of fields" },
	{ "MEM 1 2\nFUNC f 1 5 1 4 0\n", -1, 1, "ends before it starts" },
	{ "\x00\x01\x02 zz\nMEM 1 2\n", 0, 1, NULL },
	{ "MEM 1 5\nMEM 1 4\nMEM 1 4\n", 0, 3, NULL },
	{ "MEM 1 2\nMEM -0 3\nMEM -1 3\n", -1, 2, "f.dat:3: bad MEM record" },
};

START_TEST(test_bad_files)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "f.dat");
	struct profile_reader r;
	struct record rec;
	int rc, mem = 0;
	size_t len = strlen(files[_i].content);
	FILE *f = fopen(path, "wb");

	/* the NUL case: write the bytes up to the second line by hand */
	if (files[_i].content[0] == '\0' && _i == 8)
		len = 0;
	ck_assert_ptr_nonnull(f);
	if (_i == 8)
		fwrite("\x00\x01\x02 zz\nMEM 1 2\n", 1, 16, f);
	else
		fwrite(files[_i].content, 1, len, f);
	fclose(f);

	error_set_quiet(true);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while ((rc = profile_reader_next(&r, &rec)) > 0)
		mem += rec.kind == REC_MEM;
	profile_reader_close(&r);
	error_set_quiet(false);
	ck_assert_int_eq(rc, files[_i].rc);
	ck_assert_int_eq(mem, files[_i].mem);
	if (files[_i].msg)
		ck_assert_msg(strstr(error_last(), files[_i].msg), "'%s' lacks '%s'", error_last(),
			      files[_i].msg);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_long_lines)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "long.dat");
	FILE *f = fopen(path, "wb");
	struct counts c;
	char *junk = malloc(10u << 20);

	memset(junk, 'x', 10u << 20);
	fputs("CMDLINE x\nMEM 1 2\n", f);
	fwrite(junk, 1, 10u << 20, f);
	fputs("\nMEM 3 4\n", f);
	fclose(f);
	c = read_all(path);
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(c.rec[REC_MEM], 2);

	/* a known record that long is an error naming the line */
	f = fopen(path, "wb");
	fputs("MEM 1 2\nFUNC ", f);
	fwrite(junk, 1, 10u << 20, f);
	fputs(" 1 2 3 4 0\n", f);
	fclose(f);
	error_set_quiet(true);
	c = read_all(path);
	error_set_quiet(false);
	ck_assert_int_eq(c.rc, -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "long.dat:2: bad FUNC record"));
	free(junk);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_open_errors)
{
	struct profile_reader r;
	char *dir = tl_tmpdir();

	error_set_quiet(true);
	ck_assert_int_eq(profile_reader_open(&r, "/nonexistent/x.dat"), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "'/nonexistent/x.dat'"));
	ck_assert_int_eq(profile_reader_open(&r, dir), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "directory"));
	error_set_quiet(false);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- writer ---- */

/* A span from another process carries its pid after the level (and the
 * flag); one from the program itself has none, as the Python tool writes. */
START_TEST(test_func_pid_roundtrip)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "w.dat"), *text;
	struct record in[] = {
		{ .kind = REC_FUNC, .text = "a", .text_len = 1, .mem = 1, .t = 10, .mem_end = 2, .t_end = 11 },
		{ .kind = REC_FUNC, .text = "b", .text_len = 1, .mem = 1, .t = 10, .mem_end = 2, .t_end = 11,
		  .level = 2, .pid = 4242 },
		{ .kind = REC_FUNC, .text = "c", .text_len = 1, .mem = 1, .t = 10, .mem_end = 2, .t_end = 11,
		  .unfinished = true, .pid = 77 },
	};
	struct profile_writer w;
	struct profile_reader r;
	struct record rec;
	size_t n = 0;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	for (size_t i = 0; i < ARRAY_SIZE(in); i++)
		ck_assert_int_eq(profile_write(&w, &in[i]), 0);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	ck_assert_str_eq(text, "FUNC a 1.0000 10.000000 2.0000 11.000000 0\n"
			       "FUNC b 1.0000 10.000000 2.0000 11.000000 2 4242\n"
			       "FUNC c 1.0000 10.000000 2.0000 11.000000 0 unfinished 77\n");
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while (profile_reader_next(&r, &rec) > 0) {
		ck_assert_uint_lt(n, ARRAY_SIZE(in));
		ck_assert_int_eq(rec.pid, in[n].pid);
		ck_assert_int_eq(rec.level, in[n].level);
		ck_assert_int_eq(rec.unfinished, in[n].unfinished);
		n++;
	}
	profile_reader_close(&r);
	ck_assert_uint_eq(n, ARRAY_SIZE(in));
	free(text);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_writer_roundtrip)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "w.dat");
	struct profile_writer w;
	struct profile_reader r;
	struct record rec;
	char *argv[] = { "./prog", "a b", "c", NULL };
	char *text;
	int n = 0;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ck_assert_int_eq(profile_write_cmdline(&w, argv), 0);
	ck_assert_int_eq(profile_write_header(&w, "backend=rss"), 0);
	ck_assert_int_eq(profile_write_mem(&w, 1.5, 1000.25), 0);
	ck_assert_int_eq(profile_write_func(&w, "my func", 1.5, 1000.25, 2.5, 1001.5, 1, true), 0);
	ck_assert_int_eq(profile_write_mark(&w, "phase 2", 2.0, 1000.5), 0);
	ck_assert_int_eq(profile_write_exit(&w, 1001.5, "exit", 3), 0);
	ck_assert_int_eq(profile_writer_close(&w), 0);

	text = tl_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "CMDLINE ./prog 'a b' c\n"));
	ck_assert_ptr_nonnull(strstr(text, "MEM 1.500000 1000.250000\n"));
	ck_assert_ptr_nonnull(strstr(text, "FUNC my\\x20func 1.5000 1000.250000 2.5000 1001.500000 1 unfinished\n"));
	free(text);

	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while (profile_reader_next(&r, &rec) > 0) {
		n++;
		if (rec.kind == REC_FUNC) {
			ck_assert_int_eq(rec.level, 1);
			ck_assert(rec.unfinished);
			ck_assert_double_eq(rec.t_end, 1001.5);
		}
		if (rec.kind == REC_EXIT)
			ck_assert_int_eq(rec.status, 3);
	}
	profile_reader_close(&r);
	ck_assert_int_eq(n, 6);

	/* an existing file is refused unless asked to replace or append */
	error_set_quiet(true);
	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "--force"));
	error_set_quiet(false);
	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_APPEND), 0);
	ck_assert_int_eq(profile_write_mem(&w, 3, 1002), 0);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	ck_assert_int_eq(tl_count_prefix(text, "MEM "), 2);
	free(text);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* Whatever finite double the writer prints, the reader reads back. */
START_TEST(test_writer_extreme_numbers)
{
	static const double v[] = { 0, 1e-300, 5e-324, 1e15, 1e22, 1e199, 1.7976931348623157e308 };
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "x.dat");
	struct profile_writer w;
	struct profile_reader r;
	struct record rec;
	size_t n = 0;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		ck_assert_int_eq(profile_write_mem(&w, v[i], -v[i]), 0);
		ck_assert_int_eq(profile_write_mark(&w, "m", v[i], v[i]), 0);
	}
	ck_assert_int_eq(profile_writer_close(&w), 0);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while (profile_reader_next(&r, &rec) > 0) {
		double want = v[n / 2];
		char s[400];

		/* what was written is "%.6f" of the value: that, read by strtod */
		snprintf(s, sizeof(s), "%.6f", want);
		ck_assert_double_eq(rec.mem, strtod(s, NULL));
		n++;
	}
	ck_assert_int_eq(r.incomplete_tail, false);
	profile_reader_close(&r);
	ck_assert_uint_eq(n, 2 * ARRAY_SIZE(v));
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_writer_full_disk_keeps_whole_records)
{
	struct profile_writer w;
	int fd = open("/dev/full", O_WRONLY);

	if (fd < 0) {
		tl_skip("writing to a full disk: no /dev/full here");
		return;
	}
	profile_writer_init_fd(&w, fd, "/dev/full");
	error_set_quiet(true);
	profile_write_mem(&w, 1, 2);
	ck_assert_int_eq(profile_writer_flush(&w), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "No space left"));
	ck_assert_int_eq(profile_write_mem(&w, 1, 2), -1);
	error_set_quiet(false);
	profile_writer_close(&w);
}
END_TEST

/* What is wrong, or the note on a record read all the same. */
static const struct {
	const char *line;
	int rc;
	const char *why; /* NULL: none */
} whys[] = {
	{ "FUNC f 1 2 3 4 0", 1, NULL },
	{ "FUNC .two words 1 2 3 4 0", 1, "name with unescaped spaces" },
	{ "FUNC f 1 2 3 4 2 bogus", -1, "unknown flag after the level" },
	{ "FUNC f 1 2 3 4 100001", -1, "bad nesting level" },
	{ "FUNC f 1 2 -3 4 0", -1, "memory is not a finite number >= 0" },
	{ "FUNC f 1 2 3 x 0", -1, "time is not a finite number" },
	{ "FUNC f 1 5 3 4", -1, "ends before it starts" },
	{ "FUNC f 1", -1, "wrong number of fields" },
	{ "FUNC f 1 2 3 4 0 unfinished x", -1, "bad pid" },
	{ "FUNC f 1 2 3 4 0 12", 1, NULL },
	{ "MEM 1", -1, "wrong number of fields" },
	{ "MEM abc", -1, "wrong number of fields" },
	{ "CHLD 12345678901 1 2", -1, "bad pid" },
	{ "EXIT 1 exit 256", -1, "bad status" },
	{ "EXIT 1 exit 3 4", -1, "wrong number of fields" },
	{ "MPROF", -1, "missing format version" },
	{ "MPROF ", -1, "missing format version" },
	{ "CMDLINE", 1, NULL },
};

START_TEST(test_parse_why)
{
	char buf[256];
	struct record rec;
	const char *why = "not set";
	size_t len = strlen(whys[_i].line);

	memcpy(buf, whys[_i].line, len + 1);
	ck_assert_int_eq(profile_parse_line(buf, len, &rec, &why), whys[_i].rc);
	if (whys[_i].why)
		ck_assert_msg(why && strcmp(why, whys[_i].why) == 0, "'%s': '%s'", whys[_i].line, why);
	else
		ck_assert_ptr_null(why);
}
END_TEST

static int read_funcs(const char *path, char *names, size_t cap)
{
	struct profile_reader r;
	struct record rec;
	int rc, n = 0;

	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	names[0] = '\0';
	while ((rc = profile_reader_next(&r, &rec)) > 0) {
		size_t o = strlen(names);

		if (rec.kind == REC_FUNC) {
			snprintf(names + o, cap - o, "%.*s %d|", (int)rec.text_len, rec.text, rec.level);
			n++;
		}
	}
	profile_reader_close(&r);
	return rc < 0 ? -1 : n;
}

/* A profile the Python tool wrote with timestamp labels holding spaces (by
 * `with profile.timestamp("two words")`, see timestamp-spaces.py beside it)
 * is read whole, with one warning per file. */
START_TEST(test_python_spaced_labels)
{
	char *path = tl_data("python-mprof/timestamp-spaces.dat"), *dir = tl_tmpdir();
	char *copy = tl_path(dir, "copy.dat"), *text = tl_read_file(path, NULL), names[512];

	ck_assert_ptr_nonnull(text);
	tl_write_file(copy, text);
	error_set_quiet(true);
	ck_assert_int_eq(read_funcs(path, names, sizeof(names)), 3);
	ck_assert_str_eq(names, "__main__.grow 1|.two words 0|.three word label 0|");
	ck_assert_msg(strstr(error_last(), "timestamp-spaces.dat:2: FUNC name with unescaped spaces"),
		      "warning: '%s'", error_last());
	/* read again (as peak --func does): no second warning */
	warning("nothing since");
	ck_assert_int_eq(read_funcs(path, names, sizeof(names)), 3);
	ck_assert_str_eq(error_last(), "nothing since");
	/* another file: its own warning */
	ck_assert_int_eq(read_funcs(copy, names, sizeof(names)), 3);
	ck_assert_ptr_nonnull(strstr(error_last(), "copy.dat:2: FUNC name with unescaped spaces"));
	error_set_quiet(false);
	free(text);
	free(copy);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The same, with a file the installed Python tool writes now. */
START_TEST(test_python_tool_spaced_labels)
{
	const char *tool = "/usr/bin/python3-mprof";
	char *dir, *script = tl_data("python-mprof/timestamp-spaces.py"), *dat;
	struct tl_result r;

	if (access(tool, X_OK) != 0) {
		tl_skip("%s is not installed: the Python tool's own file is not read", tool);
		free(script);
		return;
	}
	dir = tl_tmpdir();
	dat = tl_path(dir, "ts.dat");
	tl_run(&r, dir, tool, "run", "-o", dat, script);
	ck_assert_msg(r.status == 0, "%s: %s", tool, r.err);
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "peak", "--func", "two words", dat);
	ck_assert_msg(r.status == 0, "mprof peak: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, " MiB"));
	ck_assert_ptr_null(strstr(r.out, "NaN"));
	ck_assert_int_eq(tl_count_prefix(r.err, "mprof: warning: "), 1);
	ck_assert_ptr_nonnull(strstr(r.err, "FUNC name with unescaped spaces"));
	tl_result_free(&r);
	free(dat);
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- the record table ---- */

/* What the reader and the writer assume of the table. */
START_TEST(test_table_invariants)
{
	for (int k = 0; k < REC_KIND_COUNT; k++) {
		const struct record_type *rt = record_type_of((enum record_kind)k);
		int texts = 0, n = 0;
		bool optional_seen = false;

		ck_assert_int_eq(rt->kind, k);
		ck_assert_ptr_nonnull(rt->keyword);
		for (const struct field_spec *fs = rt->fields;
		     fs < rt->fields + RECORD_FIELDS_MAX && fs->kind != FIELD_END; fs++, n++) {
			bool opt = fs->optional || fs->kind == FIELD_FLAG;

			ck_assert_msg(opt || !optional_seen, "%s: a required field after an optional one",
				      rt->keyword);
			optional_seen |= opt;
			texts += fs->kind == FIELD_NAME || fs->kind == FIELD_REST;
			if (fs->kind == FIELD_REST)
				ck_assert(n + 1 == RECORD_FIELDS_MAX || fs[1].kind == FIELD_END);
			if (fs->tail)
				ck_assert(n == 0 && fs->kind == FIELD_NAME);
			ck_assert_ptr_nonnull(fs->form);
			if (fs->kind != FIELD_NAME && fs->kind != FIELD_REST)
				ck_assert_ptr_nonnull(fs->bad);
		}
		ck_assert_msg(texts <= 1, "%s: one text field at most", rt->keyword);
	}
	/* the fast way of reading MEM takes "MEM <mem> <t>" */
	{
		const struct field_spec *f = record_type_of(REC_MEM)->fields;

		ck_assert_str_eq(record_type_of(REC_MEM)->keyword, "MEM");
		ck_assert(f[0].kind == FIELD_MEM && f[0].off == offsetof(struct record, mem));
		ck_assert(f[1].kind == FIELD_NUM && f[1].off == offsetof(struct record, t));
		ck_assert(f[2].kind == FIELD_END);
	}
}
END_TEST

static const struct {
	enum record_kind kind;
	const char *form;
} forms[] = {
	{ REC_FUNC, "FUNC <name> <MiB> <time> <MiB> <time> [<level> [unfinished] [<pid>]]" },
	{ REC_EXIT, "EXIT <time> <exit|signal|detached> <n>" },
	{ REC_CHLD, "CHLD <pid> <MiB> <time>" },
	{ REC_CMDLINE, "CMDLINE [<command line>]" },
};

START_TEST(test_table_forms)
{
	char buf[256];

	ck_assert_str_eq(record_form(forms[_i].kind, buf, sizeof(buf)), forms[_i].form);
	/* cut short, still a string */
	ck_assert_uint_eq(strlen(record_form(forms[_i].kind, buf, 6)), 5);
}
END_TEST

/* Every kind, written from a struct record by the table and read back. */
static const struct {
	struct record rec;
	const char *line;
} written[] = {
	{ { .kind = REC_CMDLINE, .text = "./p 'a b'", .text_len = 9 }, "CMDLINE ./p 'a b'\n" },
	{ { .kind = REC_MEM, .mem = 1.5, .t = 2.25 }, "MEM 1.500000 2.250000\n" },
	{ { .kind = REC_CHLD, .pid = 42, .mem = 3, .t = 4 }, "CHLD 42 3.000000 4.000000\n" },
	{ { .kind = REC_FUNC, .text = "a b", .text_len = 3, .mem = 1, .t = 2, .mem_end = 3, .t_end = 4,
	    .level = 2 }, "FUNC a\\x20b 1.0000 2.000000 3.0000 4.000000 2\n" },
	{ { .kind = REC_FUNC, .text = "f", .text_len = 1, .mem = 1, .t = 2, .mem_end = 3, .t_end = 4,
	    .level = 0, .unfinished = true }, "FUNC f 1.0000 2.000000 3.0000 4.000000 0 unfinished\n" },
	{ { .kind = REC_MARK, .text = "", .text_len = 0, .mem = 1, .t = 2 }, "MARK ? 1.000000 2.000000\n" },
	{ { .kind = REC_PEAK, .mem = 9, .t = 8 }, "PEAK 9.000000 8.000000\n" },
	{ { .kind = REC_CHLDPEAK, .pid = 7, .mem = 9, .t = 8 }, "CHLDPEAK 7 9.000000 8.000000\n" },
	{ { .kind = REC_CHLDCMD, .pid = 7, .text = "sh", .text_len = 2 }, "CHLDCMD 7 sh\n" },
	{ { .kind = REC_MPROF, .text = "1 0.1.0", .text_len = 7 }, "MPROF 1 0.1.0\n" },
	{ { .kind = REC_EXIT, .t = 5, .text = "signal", .text_len = 6, .status = 9 },
	  "EXIT 5.000000 signal 9\n" },
};

START_TEST(test_table_write_read)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "w.dat"), *text;
	const struct record *want = &written[_i].rec;
	struct profile_writer w;
	struct profile_reader r;
	struct record rec;
	char esc[64];
	size_t n;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ck_assert_int_eq(profile_write(&w, want), 0);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	ck_assert_str_eq(text, written[_i].line);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	ck_assert_int_eq(profile_reader_next(&r, &rec), 1);
	ck_assert_int_eq(rec.kind, want->kind);
	ck_assert(rec.mem == want->mem && rec.t == want->t);
	ck_assert(rec.mem_end == want->mem_end && rec.t_end == want->t_end);
	ck_assert_int_eq(rec.pid, want->pid);
	ck_assert_int_eq(rec.status, want->status);
	ck_assert_int_eq(rec.unfinished, want->unfinished);
	ck_assert_int_eq(rec.level, want->kind == REC_FUNC ? want->level : -1);
	if (want->kind == REC_CMDLINE || want->kind == REC_MPROF) /* the rest of the line, as it is */
		n = (size_t)snprintf(esc, sizeof(esc), "%s", want->text);
	else if (!(n = profile_escape(want->text ? want->text : "", want->text_len, esc, sizeof(esc))))
		n = (size_t)snprintf(esc, sizeof(esc), "?");
	ck_assert_uint_eq(rec.text_len, want->text ? n : 0);
	if (want->text)
		ck_assert(memcmp(rec.text, esc, n) == 0);
	ck_assert_int_eq(profile_reader_next(&r, &rec), 0);
	profile_reader_close(&r);
	free(text);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("format");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_parse_line, 0, ARRAY_SIZE(lines));
	tcase_add_test(tc, test_numbers_match_strtod);
	tcase_add_test(tc, test_numbers_every_length);
	tcase_add_test(tc, test_numbers_edges);
	tcase_add_loop_test(tc, test_escape_roundtrip, 0, ARRAY_SIZE(escapes));
	tcase_add_test(tc, test_escape_truncates_whole);
	tcase_add_loop_test(tc, test_python_fixtures, 0, ARRAY_SIZE(fixtures));
	tcase_add_loop_test(tc, test_bad_files, 0, ARRAY_SIZE(files));
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_writer_roundtrip);
	tcase_add_test(tc, test_func_pid_roundtrip);
	tcase_add_test(tc, test_writer_extreme_numbers);
	tcase_add_test(tc, test_writer_full_disk_keeps_whole_records);
	tcase_add_loop_test(tc, test_parse_why, 0, ARRAY_SIZE(whys));
	tcase_add_test(tc, test_python_spaced_labels);
	tcase_add_test(tc, test_python_tool_spaced_labels);
	tcase_add_test(tc, test_table_invariants);
	tcase_add_loop_test(tc, test_table_forms, 0, ARRAY_SIZE(forms));
	tcase_add_loop_test(tc, test_table_write_read, 0, ARRAY_SIZE(written));
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
