/* mprof peak, list, rm, clean, end to end: the binary on fixtures and on
 * directories of profiles made here. */
#include "testlib.h"
#include "peak.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

static void make_dir(const char *dir, const char *name)
{
	char *p = tl_path(dir, name);

	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
}

static bool exists(const char *dir, const char *name)
{
	char *p = tl_path(dir, name);
	struct stat st;
	bool ok = lstat(p, &st) == 0;

	free(p);
	return ok;
}

static void put(const char *dir, const char *name, const char *content)
{
	char *p = tl_path(dir, name);

	tl_write_file(p, content);
	free(p);
}

static void copy_fixture(const char *dir, const char *name)
{
	char *src = tl_fixture(name);
	char *text = tl_read_file(src, NULL);

	ck_assert_msg(text != NULL, "fixture %s missing", src);
	put(dir, name, text);
	free(text);
	free(src);
}

#define assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' lacks '%s'", (hay), (needle))

/* ---- the expected peak, computed here the way the Python tool does ---- */

struct ref_child {
	char pid[32];
	double max;
};

struct ref {
	double *mem, *t;
	size_t n;
	struct ref_child child[64];
	size_t nchild;
	double *fstart, *fend;
	size_t nf;
};

/* The Python reader: split at the first space; MEM, CHLD, FUNC by position. */
static void ref_read(struct ref *r, const char *text, const char *func)
{
	const char *p = text;

	memset(r, 0, sizeof(*r));
	r->mem = malloc(sizeof(double) * (strlen(text) / 4 + 1));
	r->t = malloc(sizeof(double) * (strlen(text) / 4 + 1));
	r->fstart = malloc(sizeof(double) * (strlen(text) / 4 + 1));
	r->fend = malloc(sizeof(double) * (strlen(text) / 4 + 1));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[4096], name[1024], pid[32];
		double a, b, c, d;

		ck_assert_uint_lt(len, sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		if (sscanf(line, "MEM %lf %lf", &a, &b) == 2) {
			r->mem[r->n] = a;
			r->t[r->n++] = b;
		} else if (sscanf(line, "CHLD %31s %lf", pid, &a) == 2) {
			size_t i;

			for (i = 0; i < r->nchild && strcmp(r->child[i].pid, pid); i++)
				;
			if (i == r->nchild) {
				ck_assert_uint_lt(r->nchild, ARRAY_SIZE(r->child));
				strcpy(r->child[r->nchild].pid, pid);
				r->child[r->nchild++].max = a;
			} else if (a > r->child[i].max) {
				r->child[i].max = a;
			}
		} else if (func && sscanf(line, "FUNC %1023s %lf %lf %lf %lf", name, &a, &b, &c, &d) == 5 &&
			   strcmp(name, func) == 0) {
			r->fstart[r->nf] = b;
			r->fend[r->nf++] = d;
		}
		p += len + (nl != NULL);
	}
}

static void ref_free(struct ref *r)
{
	free(r->mem);
	free(r->t);
	free(r->fstart);
	free(r->fend);
}

/* What python3-mprof peak [--func F] NAME prints. */
static char *ref_output(const char *name, const char *text, const char *func)
{
	struct ref r;
	double max = NAN;
	char *out, *s;

	ref_read(&r, text, func);
	for (size_t i = 0; i < r.n; i++) {
		bool in = !func;

		for (size_t k = 0; k < r.nf && !in; k++)
			in = r.fstart[k] <= r.t[i] && r.t[i] <= r.fend[k];
		if (in && (isnan(max) || r.mem[i] > max))
			max = r.mem[i];
	}
	if (isnan(max))
		out = xasprintf("%s\tNaN MiB\n", name);
	else
		out = xasprintf("%s\t%.3f MiB\n", name, max);
	/* a function not found: that line alone */
	for (size_t i = 0; i < r.nchild && (!func || r.nf); i++) {
		s = xasprintf("%s  Child %s\t\t\t%.3f MiB\n", out, r.child[i].pid, r.child[i].max);
		free(out);
		out = s;
	}
	ref_free(&r);
	return out;
}

/* ---- peak on the Python tool's files ---- */

static const struct {
	const char *file;
	const char *func;   /* --func, or NULL */
	int status;
	const char *stderr_part;
} peaks[] = {
	{ "plain.dat", NULL, 0, NULL },
	{ "steps-10ms.dat", NULL, 0, NULL },
	{ "details-nested.dat", NULL, 0, NULL },
	{ "legacy-5field-func.dat", NULL, 0, NULL },
	{ "include-children.dat", NULL, 0, NULL },
	{ "multiprocess.dat", NULL, 0, NULL },
	{ "details-nested.dat", "__main__.grow", 0, NULL },
	{ "details-nested.dat", "__main__.churn", 0, NULL },
	{ "details-nested.dat", ".churn_phase", 0, NULL },
	{ "legacy-5field-func.dat", "__main__.grow", 0, NULL },
	{ "details-nested.dat", "nope", 0, "no function 'nope'" },
	{ "plain.dat", "__main__.grow", 0, "no function" },
	{ "multiprocess.dat", "f", 0, "no function" },
	{ "no-samples.dat", NULL, 1, "no memory samples" },
};

START_TEST(test_peak_python_files)
{
	char *dir = tl_tmpdir();
	char *src = tl_fixture(peaks[_i].file);
	char *text = tl_read_file(src, NULL);
	char *want = ref_output(peaks[_i].file, text, peaks[_i].func);
	struct tl_result r;

	copy_fixture(dir, peaks[_i].file);
	if (peaks[_i].func)
		tl_run(&r, dir, "mprof", "peak", "--func", peaks[_i].func, peaks[_i].file);
	else
		tl_run(&r, dir, "mprof", "peak", peaks[_i].file);
	ck_assert_msg(r.status == peaks[_i].status, "status %d, stderr %s", r.status, r.err);
	ck_assert_str_eq(r.out, want);
	if (peaks[_i].stderr_part)
		assert_contains(r.err, peaks[_i].stderr_part);
	else
		ck_assert_str_eq(r.err, "");
	tl_result_free(&r);
	free(want);
	free(text);
	free(src);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A timestamp block is written ".name"; --func name finds it too. */
START_TEST(test_peak_func_timestamp_without_dot)
{
	char *dir = tl_tmpdir();
	char *src = tl_fixture("details-nested.dat");
	char *text = tl_read_file(src, NULL);
	char *want = ref_output("details-nested.dat", text, ".churn_phase");
	struct tl_result r;

	copy_fixture(dir, "details-nested.dat");
	tl_run(&r, dir, "mprof", "peak", "--func", "churn_phase", "details-nested.dat");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
	tl_result_free(&r);
	free(want);
	free(text);
	free(src);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* FUNC records may come before, between or after the samples; spans may
 * overlap and nest; the bounds are inclusive as in the Python tool. */
static const struct {
	const char *content;
	const char *func;
	const char *out;
} orders[] = {
	{ "FUNC f 0 2 0 3 0\nMEM 1 1\nMEM 5 2\nMEM 7 3\nMEM 9 4\n", "f", "f.dat\t7.000 MiB\n" },
	{ "MEM 1 1\nMEM 5 2\nMEM 7 3\nMEM 9 4\nFUNC f 0 2 0 3 0\n", "f", "f.dat\t7.000 MiB\n" },
	{ "MEM 1 1\nMEM 5 2\nFUNC f 0 2 0 3 0\nMEM 7 3\nMEM 9 4\n", "f", "f.dat\t7.000 MiB\n" },
	{ "MEM 1 1\nMEM 5 2\nMEM 7 3\nMEM 9 4\nFUNC f 0 1 0 1.5 0\nFUNC f 0 3.5 0 4 0\n", "f",
	  "f.dat\t9.000 MiB\n" },
	{ "MEM 1 1\nMEM 8 2\nMEM 7 3\nMEM 9 4\nFUNC f 0 1 0 3 0\nFUNC f 0 1.5 0 2.5 1\n", "f",
	  "f.dat\t8.000 MiB\n" },
	{ "MEM 1 1\nMEM 8 2\nFUNC g 0 1 0 3 0\nFUNC f 0 2.5 0 2.7 0\n", "f", "f.dat\tNaN MiB\n" },
	{ "MEM 1 1\nFUNC my\\x20f 0 0 0 3 0\n", "my f", "f.dat\t1.000 MiB\n" },
	{ "MEM 1 1\nMEM 2 2\nFUNC f 0 1 0 1 0\nCHLD 7 3 1\n", "f", "f.dat\t1.000 MiB\n  Child 7\t\t\t3.000 MiB\n" },
};

START_TEST(test_peak_func_any_order)
{
	char *dir = tl_tmpdir();
	struct tl_result r;

	put(dir, "f.dat", orders[_i].content);
	tl_run(&r, dir, "mprof", "peak", "--func", orders[_i].func, "f.dat");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, orders[_i].out);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The kernel's high-water mark, where the file has it. */
static const struct {
	const char *content;
	const char *args;  /* extra option, or NULL */
	const char *out;
} kernels[] = {
	{ "CMDLINE x\nMEM 3 1\nMEM 4 2\nPEAK 64.5 2\n", NULL,
	  "k.dat\t4.000 MiB\n  Kernel peak\t\t\t64.500 MiB\n" },
	{ "CMDLINE x\nPEAK 10 1\nMEM 3 1\nPEAK 12 2\nMEM 4 2\nPEAK 11 3\n", NULL,
	  "k.dat\t4.000 MiB\n  Kernel peak\t\t\t12.000 MiB\n" },
	{ "MEM 3 1\nCHLD 9 2 1\nCHLDPEAK 9 20 2\nCHLD 9 5 2\nCHLDPEAK 10 7 2\n", NULL,
	  "k.dat\t3.000 MiB\n  Child 9\t\t\t5.000 MiB\tkernel peak 20.000 MiB\n"
	  "  Child 10\t\t\tNaN MiB\tkernel peak 7.000 MiB\n" },
	/* with --func, the whole run's high-water mark says nothing of the function */
	{ "MEM 3 1\nMEM 4 2\nPEAK 64 2\nFUNC f 3 1 3 1.5 0\n", "--func=f", "k.dat\t3.000 MiB\n" },
	/* an attach to a process whose mark was older than the run: not the run's peak */
	{ "CMDLINE 42\nMPROF 1 0.1 backend=rss interval=1 mode=self pid=42 peak_before_attach=200.75\n"
	  "MEM 1 1\nMEM 1.5 2\n", NULL, "k.dat\t1.500 MiB\n  before attach: 200.750 MiB\n" },
	{ "MPROF 1 0.1 pid=42 peak_before_attach=100.000000\nMEM 1 1\nPEAK 120 2\nMEM 119 2\n", NULL,
	  "k.dat\t119.000 MiB\n  Kernel peak\t\t\t120.000 MiB\n  before attach: 100.000 MiB\n" },
	{ "MPROF 1 0.1 pid=42 peak_before_attach=100\nMEM 1 1\n", "--func=f", "k.dat\tNaN MiB\n" },
	/* a key that only ends so, or a value that is not a number, is not it */
	{ "MPROF 1 0.1 xpeak_before_attach=5 peak_before_attach=x\nMEM 1 1\n", NULL, "k.dat\t1.000 MiB\n" },
};

START_TEST(test_peak_kernel)
{
	char *dir = tl_tmpdir();
	struct tl_result r;

	put(dir, "k.dat", kernels[_i].content);
	if (kernels[_i].args)
		tl_run(&r, dir, "mprof", "peak", kernels[_i].args, "k.dat");
	else
		tl_run(&r, dir, "mprof", "peak", "k.dat");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, kernels[_i].out);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- bad input for peak ---- */

static const struct {
	const char *content;  /* NULL: see the test */
	const char *arg;
	int status;
	const char *out;      /* exact stdout, or NULL: don't care */
	const char *err;      /* part of stderr */
} bad_peaks[] = {
	{ "", "b.dat", 1, "b.dat\tNaN MiB\n", "b.dat: no memory samples" },
	{ "CMDLINE x\n", "b.dat", 1, "b.dat\tNaN MiB\n", "no memory samples" },
	{ "CMDLINE x\nMEM 1 2\n\nMEM 3 4\n", "b.dat", 0, "b.dat\t3.000 MiB\n", "" },
	{ "CMDLINE x\r\nMEM 1 2\r\nMEM 3 4\r\n", "b.dat", 0, "b.dat\t3.000 MiB\n", "" },
	{ "CMDLINE x\nMEM 1 2\nMEM 3 4\nMEM 9", "b.dat", 0, "b.dat\t3.000 MiB\n",
	  "b.dat:4: last line has no end" },
	{ "CMDLINE x\nMEM 1 2\nMEM abc 4\n", "b.dat", 1, "", "mprof: b.dat:3: bad MEM record" },
	{ "MEM 1 2\nMEM nan 4\n", "b.dat", 1, "", "b.dat:2: bad MEM record" },
	{ "MEM 1 2\nMEM inf 4\n", "b.dat", 1, "", "b.dat:2:" },
	{ "MEM 1 2\nMEM 1e999 4\n", "b.dat", 1, "", "b.dat:2:" },
	{ "MEM 1 2\nMEM -5 4\n", "b.dat", 1, "", "b.dat:2: bad MEM record: memory" },
	{ "MEM 1 2\nFUNC f 1 2\n", "b.dat", 1, "", "b.dat:2: bad FUNC record" },
	{ "MEM 1 2\nFUNC f 1 5 1 4 0\n", "b.dat", 1, "", "b.dat:2: bad FUNC record: ends before it starts" },
	{ "MEM 1 5\nMEM 2 5\nMEM 1.5 3\n", "b.dat", 0, "b.dat\t2.000 MiB\n", "" },
	{ "12.5 1795695938.88\nMEM 1 2\nWHATEVER 1 2 3\n", "b.dat", 0, "b.dat\t1.000 MiB\n", "" },
	{ "CHLD 12 3 4\n", "b.dat", 1, "b.dat\tNaN MiB\n  Child 12\t\t\t3.000 MiB\n", "no memory samples" },
	{ NULL, "missing.dat", 1, "", "mprof: cannot open 'missing.dat': No such file or directory" },
	{ NULL, "sub", 1, "", "'sub' is a directory" },
	{ NULL, "7", 1, "", "no profile with index 7" },
	{ NULL, "-1", 1, "", "no profile with index -1 (there are 0)" },
};

START_TEST(test_peak_bad_input)
{
	char *dir = tl_tmpdir();
	char *sub = tl_path(dir, "sub");
	struct tl_result r;

	ck_assert_int_eq(mkdir(sub, 0755), 0);
	if (bad_peaks[_i].content)
		put(dir, "b.dat", bad_peaks[_i].content);
	tl_run(&r, dir, "mprof", "peak", bad_peaks[_i].arg);
	ck_assert_msg(r.status == bad_peaks[_i].status, "status %d: %s", r.status, r.err);
	if (bad_peaks[_i].out)
		ck_assert_str_eq(r.out, bad_peaks[_i].out);
	assert_contains(r.err, bad_peaks[_i].err);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(sub);
	free(dir);
}
END_TEST

/* Binary garbage, NUL bytes and a 10 MB line: skipped as unknown records. */
START_TEST(test_peak_garbage)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "g.dat");
	FILE *f = fopen(path, "wb");
	struct tl_result r;
	unsigned seed = 99;

	ck_assert_ptr_nonnull(f);
	fputs("CMDLINE x\nMEM 2 1\n", f);
	for (int i = 0; i < 100000; i++) {
		seed = seed * 1103515245u + 12345u;
		fputc((int)((seed >> 16) & 0xff) == '\n' ? 0 : (int)((seed >> 16) & 0xff), f);
	}
	fputs("\nMEM 3 2\n\x00\x01\x02\n", f);
	{
		char *big = malloc(10u << 20);

		ck_assert_ptr_nonnull(big);
		memset(big, 'z', 10u << 20);
		fwrite(big, 1, 10u << 20, f);
		free(big);
	}
	fputs("\nMEM 1 3\n", f);
	fclose(f);
	tl_run(&r, dir, "mprof", "peak", "g.dat");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "g.dat\t3.000 MiB\n");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

static const struct {
	const char *argv[4];
	const char *err;
} peak_usage_errors[] = {
	{ { "--func", NULL }, "mprof peak: option '--func' needs a value" },
	{ { "--func=", "x.dat", NULL }, "option --func: a function name is needed" },
	{ { "--bogus", NULL }, "mprof peak: unknown option '--bogus'" },
	{ { "-z", NULL }, "mprof peak: unknown option '-z'" },
};

START_TEST(test_peak_usage)
{
	char *dir = tl_tmpdir();
	const char *argv[8] = { "mprof", "peak" };
	struct tl_result r;
	int n = 2;

	for (int i = 0; peak_usage_errors[_i].argv[i]; i++)
		argv[n++] = peak_usage_errors[_i].argv[i];
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 0, argv);
	ck_assert_int_eq(r.status, 2);
	assert_contains(r.err, peak_usage_errors[_i].err);
	assert_contains(r.err, "mprof peak --help");
	ck_assert_str_eq(r.out, "");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- index rules, list ---- */

static const char *const names[] = {
	"mprofile_20260101120000.dat", /* 1 */
	"mprofile_20251231235959.dat", /* 0 */
	"mprofile_20260102130102.dat", /* 2 */
};

/* A directory with three profiles of peaks 10, 20, 30 by age, and things
 * that are not profiles. */
static char *profile_dir(void)
{
	char *dir = tl_tmpdir();

	put(dir, names[1], "CMDLINE a\nMEM 10 1\n");
	put(dir, names[0], "CMDLINE b\nMEM 20 1\n");
	/* a directory named like a profile: not one, no index */
	make_dir(dir, "mprofile_20260103000000.dat");
	put(dir, names[2], "CMDLINE c\nMEM 30 1\n");
	put(dir, "mprofile_2026010212.dat", "CMDLINE short name\nMEM 1 1\n");
	put(dir, "mprofile_2026010213010x.dat", "CMDLINE not digits\nMEM 1 1\n");
	put(dir, "other.dat", "CMDLINE d\nMEM 40 1\n");
	put(dir, "notes.txt", "keep me\n");
	return dir;
}

START_TEST(test_list)
{
	char *dir = profile_dir();
	struct tl_result r;

	tl_run(&r, dir, "mprof", "list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "0 mprofile_20251231235959.dat 23:59:59 31/12/2025\n"
				"1 mprofile_20260101120000.dat 12:00:00 01/01/2026\n"
				"2 mprofile_20260102130102.dat 13:01:02 02/01/2026\n");
	tl_result_free(&r);

	/* a companion is not listed: it has no index */
	put(dir, "mprofile_20260102130102_ts.dat", "FUNC f 1 2 3 4\n");
	tl_run(&r, dir, "mprof", "list");
	ck_assert_int_eq(tl_count_prefix(r.out, ""), 3);
	tl_result_free(&r);

	tl_run(&r, dir, "mprof", "list", "extra");
	ck_assert_int_eq(r.status, 2);
	assert_contains(r.err, "takes no argument");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);

	dir = tl_tmpdir();
	tl_run(&r, dir, "mprof", "list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

static const struct {
	const char *args[4];
	int status;
	const char *out;
	const char *err;
} indexes[] = {
	{ { NULL }, 0, "Using last profile data.\nmprofile_20260102130102.dat\t30.000 MiB\n", "" },
	{ { "0", NULL }, 0, "mprofile_20251231235959.dat\t10.000 MiB\n", "" },
	{ { "1", NULL }, 0, "mprofile_20260101120000.dat\t20.000 MiB\n", "" },
	{ { "-1", NULL }, 0, "mprofile_20260102130102.dat\t30.000 MiB\n", "" },
	{ { "-3", NULL }, 0, "mprofile_20251231235959.dat\t10.000 MiB\n", "" },
	{ { "-1", "0", "other.dat", NULL }, 0,
	  "mprofile_20260102130102.dat\t30.000 MiB\nmprofile_20251231235959.dat\t10.000 MiB\n"
	  "other.dat\t40.000 MiB\n", "" },
	{ { "2", "-1", NULL }, 0, "mprofile_20260102130102.dat\t30.000 MiB\n", "" },
	{ { "--", "-2", NULL }, 0, "mprofile_20260101120000.dat\t20.000 MiB\n", "" },
	{ { "3", NULL }, 1, "", "no profile with index 3 (there are 3)" },
	{ { "-4", NULL }, 1, "", "no profile with index -4" },
	{ { "0", "nothere.dat", NULL }, 1, "", "cannot open 'nothere.dat'" },
};

START_TEST(test_peak_indexes)
{
	char *dir = profile_dir();
	const char *argv[8] = { "mprof", "peak" };
	struct tl_result r;
	int n = 2;

	for (int i = 0; indexes[_i].args[i]; i++)
		argv[n++] = indexes[_i].args[i];
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 0, argv);
	ck_assert_msg(r.status == indexes[_i].status, "status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, indexes[_i].out);
	assert_contains(r.err, indexes[_i].err);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- rm ---- */

static const struct {
	const char *args[5];
	int status;
	const char *out;       /* exact stdout */
	const char *err;       /* part of stderr */
	const char *gone[4];   /* removed */
	const char *kept[4];   /* still there */
} rms[] = {
	{ { "0", NULL }, 0, "", "", { "mprofile_20251231235959.dat" },
	  { "mprofile_20260101120000.dat", "mprofile_20260102130102.dat" } },
	{ { "-1", NULL }, 0, "", "", { "mprofile_20260102130102.dat", "mprofile_20260102130102_ts.dat" },
	  { "mprofile_20251231235959.dat", "mprofile_20260101120000.dat" } },
	{ { "--dry-run", "-1", "0", NULL }, 0,
	  "Files to be removed: \nmprofile_20260102130102.dat\nmprofile_20251231235959.dat\n"
	  "mprofile_20260102130102_ts.dat\n", "", { NULL },
	  { "mprofile_20260102130102.dat", "mprofile_20251231235959.dat", "mprofile_20260102130102_ts.dat" } },
	{ { "-1", "--dry-run", NULL }, 0,
	  "Files to be removed: \nmprofile_20260102130102.dat\nmprofile_20260102130102_ts.dat\n", "",
	  { NULL }, { "mprofile_20260102130102.dat" } },
	{ { "mprofile_20260101120000.dat", "1", "./mprofile_20260101120000.dat", NULL }, 0, "", "",
	  { "mprofile_20260101120000.dat" }, { "mprofile_20251231235959.dat" } },
	/* a file named otherwise that is a profile (mprof run -o), and its companion */
	{ { "other.dat", NULL }, 0, "", "", { "other.dat", "other_ts.dat" }, { "notes.txt" } },
	/* not a profile: refused, and then nothing at all is removed */
	{ { "0", "notes.txt", NULL }, 1, "", "cannot remove 'notes.txt': it does not start with a profile record",
	  { NULL }, { "notes.txt", "mprofile_20251231235959.dat" } },
	{ { "0", "3", NULL }, 1, "", "no profile with index 3 (there are 3)", { NULL },
	  { "mprofile_20251231235959.dat" } },
	{ { "missing.dat", NULL }, 1, "", "cannot remove 'missing.dat': No such file or directory", { NULL },
	  { NULL } },
	{ { "sub", NULL }, 1, "", "cannot remove 'sub': it is a directory", { NULL }, { "sub" } },
	{ { "mprofile_20260103000000.dat", NULL }, 1, "", "cannot remove 'mprofile_20260103000000.dat': it is a directory",
	  { NULL }, { "mprofile_20260103000000.dat" } },
	{ { "empty.dat", NULL }, 0, "", "", { "empty.dat" }, { "notes.txt" } },
	/* the companion's name splits as Python's os.path.splitext */
	{ { "a..dat", NULL }, 0, "", "", { "a..dat", "a._ts.dat" }, { "a_ts..dat" } },
	{ { "..dat", "--dry-run", NULL }, 0, "Files to be removed: \n..dat\n..dat_ts\n", "", { NULL },
	  { "..dat", "..dat_ts" } },
	{ { NULL }, 2, "", "a profile to remove must be given", { NULL }, { NULL } },
	{ { "--force", "0", NULL }, 2, "", "mprof rm: unknown option '--force'", { NULL },
	  { "mprofile_20251231235959.dat" } },
};

START_TEST(test_rm)
{
	char *dir = profile_dir();
	char *sub = tl_path(dir, "sub");
	char *pdir = tl_path(dir, "mprofile_20260103000000.dat");
	const char *argv[8] = { "mprof", "rm" };
	struct tl_result r;
	int n = 2;

	put(dir, "mprofile_20260102130102_ts.dat", "FUNC f 1 2 3 4\n");
	put(dir, "other_ts.dat", "FUNC f 1 2 3 4\n");
	put(dir, "empty.dat", "");
	put(dir, "a..dat", "MEM 1 1\n");
	put(dir, "a._ts.dat", "FUNC f 1 2 3 4\n");
	put(dir, "a_ts..dat", "FUNC f 1 2 3 4\n");
	put(dir, "..dat", "MEM 1 1\n");
	put(dir, "..dat_ts", "MEM 1 1\n");
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	for (int i = 0; rms[_i].args[i]; i++)
		argv[n++] = rms[_i].args[i];
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 0, argv);
	ck_assert_msg(r.status == rms[_i].status, "status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, rms[_i].out);
	assert_contains(r.err, rms[_i].err);
	for (int i = 0; rms[_i].gone[i]; i++)
		ck_assert_msg(!exists(dir, rms[_i].gone[i]), "%s still there", rms[_i].gone[i]);
	for (int i = 0; rms[_i].kept[i]; i++)
		ck_assert_msg(exists(dir, rms[_i].kept[i]), "%s removed", rms[_i].kept[i]);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(sub);
	free(pdir);
	free(dir);
}
END_TEST

/* ---- symbolic links are removed as links, never followed ---- */

START_TEST(test_rm_clean_symlinks)
{
	char *dir = profile_dir();
	char *outside = tl_tmpdir();
	char *target = tl_path(outside, "precious.dat");
	char *tdir = tl_path(outside, "adir");
	char *link = tl_path(dir, "mprofile_20300101000000.dat");
	char *link_ts = tl_path(dir, "mprofile_20300101000000_ts.dat");
	char *link2 = tl_path(dir, "alias.dat");
	char *link3 = tl_path(dir, "mprofile_20300202000000.dat");
	struct tl_result r;
	struct stat st;

	tl_write_file(target, "CMDLINE precious\nMEM 1 1\n");
	ck_assert_int_eq(mkdir(tdir, 0755), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(symlink(target, link_ts), 0);
	ck_assert_int_eq(symlink(target, link2), 0);
	ck_assert_int_eq(symlink(tdir, link3), 0);

	/* rm of a link not named like a profile: refused */
	tl_run(&r, dir, "mprof", "rm", "alias.dat");
	ck_assert_int_eq(r.status, 1);
	assert_contains(r.err, "symbolic link");
	ck_assert_int_eq(lstat(link2, &st), 0);
	tl_result_free(&r);

	/* rm by index of a link named like one: the link goes, with its companion */
	tl_run(&r, dir, "mprof", "rm", "-2");
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(lstat(link, &st), -1);
	ck_assert_int_eq(lstat(link_ts, &st), -1);
	ck_assert_int_eq(stat(target, &st), 0);
	tl_result_free(&r);

	/* clean: links named like profiles go (even to a directory), targets stay */
	ck_assert_int_eq(symlink(target, link), 0);
	tl_run(&r, dir, "mprof", "clean");
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(lstat(link, &st), -1);
	ck_assert_int_eq(lstat(link3, &st), -1);
	ck_assert_int_eq(lstat(link2, &st), 0);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(stat(tdir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	tl_result_free(&r);
	tl_rmrf(outside);
	tl_rmrf(dir);
	free(target);
	free(tdir);
	free(link);
	free(link_ts);
	free(link2);
	free(link3);
	free(outside);
	free(dir);
}
END_TEST

/* ---- clean ---- */

START_TEST(test_clean)
{
	char *dir = profile_dir();
	char *fifo = tl_path(dir, "mprofile_20260104000000.dat");
	const char *kept[] = { "mprofile_2026010212.dat", "mprofile_2026010213010x.dat", "other.dat",
			       "notes.txt", "mprofile_20260103000000.dat", "mprofile_20200101000000_ts.dat",
			       "mprofile_20260101120000.dat.bak", "other_ts.dat", "mprofile_20260104000000.dat" };
	struct tl_result r;

	put(dir, "mprofile_20260102130102_ts.dat", "FUNC f 1 2 3 4\n");
	put(dir, "mprofile_20200101000000_ts.dat", "FUNC f 1 2 3 4\n"); /* no profile of its own */
	put(dir, "mprofile_20260101120000.dat.bak", "CMDLINE a\n");
	put(dir, "other_ts.dat", "FUNC f 1 2 3 4\n");
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);

	tl_run(&r, dir, "mprof", "clean", "--dry-run");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "Files to be removed: \n"
				"mprofile_20251231235959.dat\n"
				"mprofile_20260101120000.dat\n"
				"mprofile_20260102130102.dat\n"
				"mprofile_20260102130102_ts.dat\n");
	ck_assert_str_eq(r.err, "mprof: warning: 'mprofile_20260104000000.dat' is not a regular file; left alone\n");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		ck_assert(exists(dir, names[i]));
	tl_result_free(&r);

	tl_run(&r, dir, "mprof", "clean");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		ck_assert_msg(!exists(dir, names[i]), "%s still there", names[i]);
	ck_assert(!exists(dir, "mprofile_20260102130102_ts.dat"));
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		ck_assert_msg(exists(dir, kept[i]), "%s removed", kept[i]);
	tl_result_free(&r);

	tl_run(&r, dir, "mprof", "clean", "x");
	ck_assert_int_eq(r.status, 2);
	assert_contains(r.err, "takes no argument");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(fifo);
	free(dir);
}
END_TEST

/* A file that cannot be removed (its directory is read-only to whoever runs
 * mprof) is named, with the reason. Root may write anywhere: root runs mprof
 * as nobody in a directory of its own. */
START_TEST(test_rm_failure_named)
{
	char *dir = profile_dir(), *bin = NULL;
	struct tl_result r;

	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(dir, 0555), 0);
		tl_run(&r, dir, "mprof", "rm", "0");
		chmod(dir, 0755);
	} else {
		bin = tl_nobody_mprof(dir, "mprof rm in a read-only directory");
		if (!bin)
			goto cleanup;
		tl_run(&r, dir, TL_AS_NOBODY, bin, "rm", "0");
	}
	ck_assert_int_eq(r.status, 1);
	assert_contains(r.err, "cannot remove 'mprofile_20251231235959.dat': Permission denied");
	ck_assert(exists(dir, "mprofile_20251231235959.dat"));
	tl_result_free(&r);
cleanup:
	tl_rmrf(dir);
	free(bin);
	free(dir);
}
END_TEST

/* A profile we may not read: as an unprivileged user (root reads anything,
 * so root runs mprof as nobody). */
START_TEST(test_peak_unreadable)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "secret.dat"), *bin = NULL;
	struct tl_result r;

	tl_write_file(path, "CMDLINE x\nMEM 1 1\n");
	ck_assert_int_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		tl_run(&r, dir, "mprof", "peak", "secret.dat");
	} else {
		bin = tl_nobody_mprof(dir, "mprof peak on an unreadable file");
		if (!bin)
			goto cleanup;
		tl_run(&r, dir, TL_AS_NOBODY, bin, "peak", "secret.dat");
	}
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	assert_contains(r.err, "mprof: cannot open 'secret.dat': Permission denied");
	tl_result_free(&r);
cleanup:
	tl_rmrf(dir);
	free(bin);
	free(path);
	free(dir);
}
END_TEST

/* ---- the peak engine directly: spans ---- */

START_TEST(test_spans)
{
	struct peak_span s[] = { { 5, 6 }, { 1, 2 }, { 1.5, 3 }, { 10, 10 }, { 3, 4 }, { 20, 30 }, { 21, 22 } };
	size_t n = peak_spans_merge(s, ARRAY_SIZE(s));

	ck_assert_uint_eq(n, 4);
	ck_assert(s[0].start == 1 && s[0].end == 4);
	ck_assert(s[1].start == 5 && s[1].end == 6);
	ck_assert(s[2].start == 10 && s[2].end == 10);
	ck_assert(s[3].start == 20 && s[3].end == 30);
	ck_assert(peak_spans_contain(s, n, 1));
	ck_assert(peak_spans_contain(s, n, 4));
	ck_assert(!peak_spans_contain(s, n, 4.5));
	ck_assert(peak_spans_contain(s, n, 10));
	ck_assert(!peak_spans_contain(s, n, 0.5));
	ck_assert(!peak_spans_contain(s, n, 31));
	ck_assert(peak_spans_contain(s, n, 25));
	ck_assert(!peak_spans_contain(s, 0, 25));
	ck_assert_uint_eq(peak_spans_merge(s, 0), 0);
}
END_TEST

/* Many children and many calls: one pass over samples, hashed children. */
START_TEST(test_peak_many)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "m.dat");
	FILE *f = fopen(path, "w");
	struct peak p;

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 200000; i++) {
		fprintf(f, "MEM %d.5 %d.25\n", i % 1000, i);
		fprintf(f, "CHLD %d %d %d\n", 1000 + i % 5000, i % 777, i);
	}
	for (int i = 0; i < 50000; i++)
		fprintf(f, "FUNC g %d %d %d %d.5 0\n", i, 4 * i, i, 4 * i);
	fclose(f);
	ck_assert_int_eq(peak_read(&p, path, NULL), 0);
	ck_assert_double_eq(p.mem, 999.5);
	ck_assert_uint_eq(p.samples, 200000);
	ck_assert_uint_eq(p.nchildren, 5000);
	ck_assert_int_eq(p.children[0].pid, 1000);
	ck_assert_int_eq(p.children[4999].pid, 5999);
	ck_assert(isnan(p.kernel));
	peak_release(&p);
	/* calls at 4i..4i+0.5: samples at t = 4i, whose mem is (4i) % 1000 */
	ck_assert_int_eq(peak_read(&p, path, "g"), 0);
	ck_assert_double_eq(p.mem, 996.5);
	ck_assert_uint_eq(p.calls, 50000);
	ck_assert_str_eq(p.func_used, "g");
	peak_release(&p);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("files");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_peak_python_files, 0, ARRAY_SIZE(peaks));
	tcase_add_test(tc, test_peak_func_timestamp_without_dot);
	tcase_add_loop_test(tc, test_peak_func_any_order, 0, ARRAY_SIZE(orders));
	tcase_add_loop_test(tc, test_peak_kernel, 0, ARRAY_SIZE(kernels));
	tcase_add_loop_test(tc, test_peak_bad_input, 0, ARRAY_SIZE(bad_peaks));
	tcase_add_test(tc, test_peak_garbage);
	tcase_add_test(tc, test_peak_unreadable);
	tcase_add_loop_test(tc, test_peak_usage, 0, ARRAY_SIZE(peak_usage_errors));
	tcase_add_test(tc, test_list);
	tcase_add_loop_test(tc, test_peak_indexes, 0, ARRAY_SIZE(indexes));
	tcase_add_loop_test(tc, test_rm, 0, ARRAY_SIZE(rms));
	tcase_add_test(tc, test_rm_clean_symlinks);
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_rm_failure_named);
	tcase_add_test(tc, test_spans);
	tcase_add_test(tc, test_peak_many);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
