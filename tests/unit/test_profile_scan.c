/* The MEM lines of a large profile, read many at a time (profile_scan.c):
 * the same doubles as strtod, the same lines taken and refused as the plain
 * way one line at a time (profile_scan_mem_line), whatever the digits, the
 * stray bytes, the place of the newline in the window, and where the data
 * ends. */
#include "testlib.h"
#include "profile.h"
#include "profile_par.h"
#include "util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for a few lines and the padding the scan reads past them. */
#define BUF 4096

static bool fast_available(void)
{
	static char line[PROFILE_SCAN_PAD + 32] = "MEM 1.5 2.25\n";
	double m, t;

	return profile_scan_mem_fast(line, strlen(line), &m, &t) != NULL;
}

/* Data at buf (len bytes, then pad bytes of fill), read with profile_scan_mems
 * and with the plain way line by line: both must agree on every line read,
 * its values to the bit, and where they stop. Returns the lines the fast
 * way took. */
static size_t agree(const char *data, size_t len, char fill)
{
	static char buf[BUF + PROFILE_SCAN_PAD];
	struct profile_sample fast[64], plain[64] = { { 0, 0 } };
	const char *p, *q;
	size_t n = 0, nf = 0, taken = 0;

	ck_assert_uint_le(len, BUF);
	memcpy(buf, data, len);
	memset(buf + len, fill, PROFILE_SCAN_PAD);
	q = profile_scan_mems(buf, buf + len, buf + len, fast, 64, &nf);
	for (p = buf; p < buf + len && n < 64; n++) {
		const char *next = profile_scan_mem_line(p, buf + len, &plain[n].mem, &plain[n].t);
		double m, t;

		if (!next)
			break;
		if (profile_scan_mem_fast(p, (size_t)(buf + len - p), &m, &t) == next) {
			ck_assert(memcmp(&m, &plain[n].mem, sizeof(m)) == 0);
			ck_assert(memcmp(&t, &plain[n].t, sizeof(t)) == 0);
			taken++;
		}
		p = next;
	}
	ck_assert_msg(q == p && nf == n, "'%.*s': %zu lines to %td, plain %zu to %td", (int)len,
		      data, nf, q - buf, n, p - buf);
	ck_assert(memcmp(fast, plain, n * sizeof(*fast)) == 0);
	return taken;
}

/* One line: read or refused as the plain way does; the values strtod's. */
static const struct {
	const char *line;
	bool fast;     /* the window's way takes it */
} lines[] = {
	{ "MEM 99.755957 1700000000.0000\n", true },
	{ "MEM 0.195312 1795695940.6282\n", true },
	{ "MEM 2572.031892 1700000009.9990\n", true },
	{ "MEM 12345.123456 1795695940.62821\n", true },
	{ "MEM 0 0\n", true },
	{ "MEM 5. .5\n", true },
	{ "MEM 007.50 0001700000000.1\n", true },
	{ "MEM 123456789012345 1\n", true },            /* 15 digits */
	{ "MEM 1234567890123456 1\n", false },          /* 16 digits: plain way */
	{ "MEM 1234567.12345678 1.0\n", true },        /* 16 bytes with the dot */
	{ "MEM 999999999999999 999999.999999999\n", true },
	{ "MEM 12345678.12345678 1.0\n", false },      /* 17 bytes */
	{ "MEM 0.00000000000001 1\n", true },           /* 14 decimals */
	{ "MEM 9007199254740992 1\n", false },          /* 2^53: plain way */
	{ "MEM 9007199254740993 1\n", false },          /* over 2^53: plain way */
	{ "MEM 1 .9007199254740993\n", false },
	{ "MEM 12345678901234567 1\n", false },         /* 17 digits */
	{ "MEM 1.2345678901234567 1\n", false },
	{ "MEM +1 2\n", false },
	{ "MEM 1 -2\n", false },
	{ "MEM 1 +2\n", false },
	{ "MEM 1e3 2\n", false },
	{ "MEM 1 2 3\n", false },
	{ "MEM 1  2\n", false },
	{ "MEM  1 2\n", false },
	{ "MEM . 2\n", false },
	{ "MEM 1 .\n", false },
	{ "MEM 1..2 3\n", false },
	{ "MEM 1 2.3.4\n", false },
	{ "MEM 1 2\r\n", false },
	{ "MEM 1:2 3\n", false },
	{ "MEM 1/2 3\n", false },
	{ "MEM 1 2", false },
	{ "MEN 1 2\n", false },
	{ "MEM 1\n", false },
	{ "MEM 1 2\n", true },
	{ "CMDLINE a b\n", false },
	{ "MEM 100.000000 1700000000.0000000000000000000000000000000000000000000001\n", false },
};

START_TEST(test_lines)
{
	static char l[BUF + PROFILE_SCAN_PAD];
	size_t taken;
	double m, t;

	strcpy(l, lines[_i].line);
	taken = agree(l, strlen(l), '7');

	if (!fast_available()) {
		tl_skip("profile_scan: no AVX2 on this processor: the plain way only");
		return;
	}
	ck_assert_msg(taken == (lines[_i].fast ? 1u : 0u), "'%s': fast way took %zu", l, taken);
	if (lines[_i].fast) {
		char a[80], b[80];

		ck_assert_int_eq(sscanf(l, "MEM %79s %79s", a, b), 2);
		ck_assert_ptr_eq(profile_scan_mem_fast(l, strlen(l), &m, &t), l + strlen(l));
		ck_assert_msg(m == strtod(a, NULL) && t == strtod(b, NULL), "'%s': %.17g %.17g", l, m, t);
	}
}
END_TEST

/* A random plain decimal: ni integer digits, nf fraction digits (-1: no
 * dot), leading zeros now and then. */
static void random_number(char *s, unsigned *seed, int ni, int nf)
{
	size_t o = 0;

	for (int k = 0; k < ni; k++) {
		*seed = *seed * 1103515245u + 12345u;
		s[o++] = (char)('0' + ((*seed >> 16) % 3 == 0 ? 0 : (*seed >> 8) % 10));
	}
	if (nf >= 0)
		s[o++] = '.';
	for (int k = 0; k < nf; k++) {
		*seed = *seed * 1103515245u + 12345u;
		s[o++] = (char)('0' + (*seed >> 16) % 10);
	}
	s[o] = '\0';
}

/* Every length of integer and fraction part of both numbers around the
 * window's limits (8 and 16 digits, 16 bytes), each value strtod's. */
START_TEST(test_every_length)
{
	unsigned seed = 4242;
	size_t taken = 0, lines_read = 0;

	for (int ni = 0; ni <= 18; ni++) {
		for (int nf = -1; nf <= 18; nf++) {
			for (int rep = 0; rep < 4; rep++) {
				char a[40], b[40], line[100];
				struct profile_sample out[1];
				size_t n, len;
				const char *end;

				random_number(a, &seed, ni, nf);
				random_number(b, &seed, (ni + rep * 5) % 19, (nf + rep * 7) % 19);
				len = (size_t)snprintf(line, sizeof(line), "MEM %s %s\n", a, b);
				taken += agree(line, len, '\0');
				end = profile_scan_mems(line, line + len, line + len, out, 1, &n);
				if (n) {
					ck_assert_ptr_eq(end, line + len);
					ck_assert_msg(out[0].mem == strtod(a, NULL) &&
						      out[0].t == strtod(b, NULL), "%s", line);
					lines_read++;
				}
			}
		}
	}
	ck_assert_uint_gt(lines_read, 300);
	if (!fast_available())
		tl_skip("profile_scan: no AVX2 on this processor: the plain way only");
	else
		ck_assert_uint_gt(taken, 200);
}
END_TEST

/* The newline at every place of the window and past it (numbers padded with
 * leading zeros), a line of the same shape after it, then one of another. */
START_TEST(test_newline_everywhere)
{
	size_t taken = 0;

	for (int width = 1; width <= 40; width++) {
		for (int wt = 1; wt <= 40; wt++) {
			char text[256];
			size_t len = (size_t)snprintf(text, sizeof(text),
						      "MEM %0*.*f %0*.*f\nMEM %0*.*f %0*.*f\nMEM 1.5 17.25\n",
						      width, width > 4 ? 3 : 0, 12.5, wt, wt > 6 ? 4 : 0,
						      1700000000.5, width, width > 4 ? 3 : 0, 13.25, wt,
						      wt > 6 ? 4 : 0, 1700000001.5);

			taken += agree(text, len, '\0');
			taken += agree(text, len, '9');
		}
	}
	if (!fast_available())
		tl_skip("profile_scan: no AVX2 on this processor: the plain way only");
	else
		ck_assert_uint_gt(taken, 400);
}
END_TEST

/* A byte of every kind at every place of a line: taken only when the plain
 * way takes it, with its values. */
START_TEST(test_stray_bytes)
{
	static const char strays[] = { 'a', ':', '/', '\0', '\xff', '\x80', '-', '+', 'e', ' ', '.',
				       '\r', '\t', '\n', '0', '9' };
	/* the second line has the first one's shape, the third not */
	const char *base = "MEM 2572.031892 1700000009.9990\nMEM 2573.131893 1700000010.0000\n"
			   "MEM 3.5 1700000010.0000\n";
	size_t len = strlen(base);

	for (size_t at = 0; at < len; at++) {
		for (size_t k = 0; k < sizeof(strays); k++) {
			char text[160];

			memcpy(text, base, len);
			text[at] = strays[k];
			agree(text, len, '\0');
			agree(text, len, '5');
		}
	}
}
END_TEST

/* The data ending anywhere in a line (as a chunk's bytes do), whatever
 * follows in the padding: a line is taken only when its newline is in the
 * data. */
START_TEST(test_data_ends_mid_line)
{
	/* two lines of the same shape */
	const char *text = "MEM 99.755957 1700000000.0000\nMEM 98.123456 1700000000.0010\n";
	size_t len = strlen(text);

	for (size_t cut = 0; cut <= len; cut++) {
		const char fills[] = { '\0', '1', '\n', '.' };

		for (size_t f = 0; f < sizeof(fills); f++) {
			struct profile_sample out[4];
			static char buf[BUF + PROFILE_SCAN_PAD];
			size_t n, want = cut >= len ? 2 : cut >= 30 ? 1 : 0;

			agree(text, cut, fills[f]);
			memcpy(buf, text, cut);
			memset(buf + cut, fills[f], PROFILE_SCAN_PAD);
			profile_scan_mems(buf, buf + cut, buf + cut, out, 4, &n);
			ck_assert_msg(n == want, "cut at %zu, fill '%c': %zu lines", cut, fills[f], n);
		}
	}
}
END_TEST

/* 200,000 lines as the writers print them and with other precisions and
 * magnitudes, read in batches: each value strtod's. */
START_TEST(test_oracle)
{
	static char buf[BUF + PROFILE_SCAN_PAD];
	unsigned seed = 99;
	size_t taken = 0, read = 0;

	for (int batch = 0; batch < 200000 / 50; batch++) {
		char fields[50][2][40];
		struct profile_sample out[50];
		size_t len = 0, n;
		int i_line = 0;

		for (int i = 0; i < 50; i++) {
			int prec, mag;

			seed = seed * 1103515245u + 12345u;
			/* at most 19 digits in all, as the plain way reads */
			mag = batch % 3 ? 4 : (int)(seed >> 20) % 12;
			prec = batch % 3 ? 6 : (int)(seed >> 12) % (19 - mag);
			snprintf(fields[i][0], 40, "%.*f", prec, (seed % 1000003u) * pow(10, mag - 6));
			seed = seed * 1103515245u + 12345u;
			snprintf(fields[i][1], 40, "%.*f", batch % 3 ? 4 : (int)(seed >> 12) % 8,
				 1.7e9 + (seed % 1000000000u) / 1e4);
			len += (size_t)snprintf(buf + len, BUF - len, "MEM %s %s\n", fields[i][0],
						fields[i][1]);
		}
		memset(buf + len, 0, PROFILE_SCAN_PAD);
		/* a line refused (over 2^53) is skipped, as the reader reads it
		 * another way */
		for (const char *p = buf; p < buf + len;) {
			const char *q = profile_scan_mems(p, buf + len, buf + len, out, 50, &n);

			for (size_t k = 0; k < n; k++, i_line++) {
				double m = strtod(fields[i_line][0], NULL);
				double t = strtod(fields[i_line][1], NULL);

				ck_assert_msg(out[k].mem == m && out[k].t == t, "MEM %s %s: %.17g %.17g",
					      fields[i_line][0], fields[i_line][1], out[k].mem, out[k].t);
			}
			read += n;
			if (q < buf + len) {
				q = (const char *)memchr(q, '\n', (size_t)(buf + len - q)) + 1;
				i_line++;
			}
			p = q;
		}
		ck_assert_int_eq(i_line, 50);
		/* the lines up to the first refused one, through both ways */
		taken += agree(buf, len, '\0');
	}
	ck_assert_uint_gt(read, 175000);
	if (!fast_available())
		tl_skip("profile_scan: no AVX2 on this processor: the plain way only");
	else
		ck_assert_uint_gt(taken, 100000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("profile_scan");
	TCase *tc = tcase_create("scan");

	tcase_add_loop_test(tc, test_lines, 0, ARRAY_SIZE(lines));
	tcase_add_test(tc, test_every_length);
	tcase_add_test(tc, test_newline_everywhere);
	tcase_add_test(tc, test_stray_bytes);
	tcase_add_test(tc, test_data_ends_mid_line);
	tcase_add_test(tc, test_oracle);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
