/* Sizes on the command line: the unit table, rounding, and every refusal. */
#include "testlib.h"

#include "size.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KI UINT64_C(1024)
#define MI (KI * KI)
#define GI (MI * KI)
#define TI (GI * KI)
#define PI_ (TI * KI)

static const struct {
	const char *in;
	enum size_error err;
	uint64_t bytes;
} cases[] = {
	/* binary: letters alone, Ki, KiB */
	{ "500M", SIZE_OK, 500 * MI },
	{ "500m", SIZE_OK, 500 * MI },
	{ "500Mi", SIZE_OK, 500 * MI },
	{ "300MiB", SIZE_OK, 300 * MI },
	{ "512K", SIZE_OK, 512 * KI },
	{ "512k", SIZE_OK, 512 * KI },
	{ "512KiB", SIZE_OK, 512 * KI },
	{ "1.5G", SIZE_OK, 3 * GI / 2 },
	{ "1.5GiB", SIZE_OK, 3 * GI / 2 },
	{ ".5G", SIZE_OK, GI / 2 },
	{ "2.G", SIZE_OK, 2 * GI },
	{ "1T", SIZE_OK, TI },
	{ "1Ti", SIZE_OK, TI },
	{ "2P", SIZE_OK, 2 * PI_ },
	{ "0M", SIZE_OK, 0 },
	{ "007M", SIZE_OK, 7 * MI },
	/* decimal: with B and no i */
	{ "2GB", SIZE_OK, UINT64_C(2000000000) },
	{ "500MB", SIZE_OK, UINT64_C(500000000) },
	{ "1kB", SIZE_OK, 1000 },
	{ "1KB", SIZE_OK, 1000 },
	{ "1.5TB", SIZE_OK, UINT64_C(1500000000000) },
	{ "1PB", SIZE_OK, UINT64_C(1000000000000000) },
	/* bytes, blanks, rounding to a byte (half up) */
	{ "4096B", SIZE_OK, 4096 },
	{ "500 MiB", SIZE_OK, 500 * MI },
	{ "500\tM", SIZE_OK, 500 * MI },
	{ "0.5B", SIZE_OK, 1 },
	{ "0.4B", SIZE_OK, 0 },
	{ "0.1K", SIZE_OK, 102 },          /* 102.4 */
	{ "0.3K", SIZE_OK, 307 },          /* 307.2 */
	{ "1.000000001G", SIZE_OK, GI + 1 }, /* 1073741824 + 1.073741824 */
	{ "0.000000001G", SIZE_OK, 1 },
	{ "16777215.999999999T", SIZE_OK, UINT64_MAX - 1099 }, /* 2^64 - 1099.5116 B */
	/* refused */
	{ "", SIZE_EMPTY, 0 },
	{ "500", SIZE_NO_UNIT, 0 },
	{ "1.5", SIZE_NO_UNIT, 0 },
	{ "500 ", SIZE_NO_UNIT, 0 },
	{ "0", SIZE_NO_UNIT, 0 },
	{ "-5M", SIZE_NEGATIVE, 0 },
	{ "-0M", SIZE_NEGATIVE, 0 },
	{ "+5M", SIZE_BAD_NUMBER, 0 },
	{ " 5M", SIZE_BAD_NUMBER, 0 },
	{ "M", SIZE_BAD_NUMBER, 0 },
	{ ".M", SIZE_BAD_NUMBER, 0 },
	{ "1e3M", SIZE_BAD_NUMBER, 0 },
	{ "1.2.3M", SIZE_BAD_NUMBER, 0 },
	{ "1,5G", SIZE_BAD_UNIT, 0 },
	{ "5X", SIZE_BAD_UNIT, 0 },
	{ "5mb", SIZE_BAD_UNIT, 0 },
	{ "5Mb", SIZE_BAD_UNIT, 0 },
	{ "5MIB", SIZE_BAD_UNIT, 0 },
	{ "5M ", SIZE_BAD_UNIT, 0 },
	{ "5M5", SIZE_BAD_UNIT, 0 },
	{ "5 M B", SIZE_BAD_UNIT, 0 },
	{ "0x10M", SIZE_BAD_UNIT, 0 },
	{ "1.0000000001G", SIZE_TOO_PRECISE, 0 },
	{ "16777216T", SIZE_TOO_LARGE, 0 },         /* 2^64 */
	{ "18446744073709551615B", SIZE_OK, UINT64_MAX },
	{ "18446744073709551616B", SIZE_TOO_LARGE, 0 },
	{ "99999999999999999999999K", SIZE_TOO_LARGE, 0 },
	{ "17179869183.999999999G", SIZE_OK, UINT64_MAX },     /* 2^64 - 1.0737 B */
	{ "18446744073709551615.5B", SIZE_TOO_LARGE, 0 },   /* rounds up to 2^64 */
};

START_TEST(test_size_table)
{
	uint64_t b = 12345;
	enum size_error e = size_parse(cases[_i].in, &b);

	ck_assert_msg(e == cases[_i].err, "'%s': error %d (%s), expected %d", cases[_i].in, e,
		      size_strerror(e), cases[_i].err);
	if (e == SIZE_OK)
		ck_assert_msg(b == cases[_i].bytes, "'%s': %llu bytes, expected %llu", cases[_i].in,
			      (unsigned long long)b, (unsigned long long)cases[_i].bytes);
	else
		ck_assert_msg(b == 0, "'%s': refused but left %llu", cases[_i].in, (unsigned long long)b);
}
END_TEST

/* The same numbers as floating point arithmetic gives, where it is exact
 * enough: a check of the table against an independent computation. */
START_TEST(test_size_against_strtod)
{
	static const struct { const char *num; double factor; const char *unit; } u[] = {
		{ "1.5", 1024.0 * 1024 * 1024, "G" }, { "0.75", 1e6, "MB" },
		{ "123.456", 1024.0, "KiB" },     { "3", 1e12, "TB" },
		{ "0.001", 1024.0 * 1024, "Mi" }, { "999.999", 1e3, "kB" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(u); i++) {
		char s[64];
		uint64_t b;
		double want = strtod(u[i].num, NULL) * u[i].factor;

		snprintf(s, sizeof(s), "%s%s", u[i].num, u[i].unit);
		ck_assert_int_eq(size_parse(s, &b), SIZE_OK);
		ck_assert_msg(fabs((double)b - want) <= 0.5 + want * 1e-15, "%s: %llu vs %.3f", s,
			      (unsigned long long)b, want);
	}
}
END_TEST

START_TEST(test_size_messages)
{
	uint64_t b;

	error_set_quiet(true);
	ck_assert_int_eq(size_parse_arg("option --max", "500", &b), -1);
	ck_assert_str_eq(error_last(), "option --max: '500' has no unit, and a number alone is ambiguous: "
				       "write 500M for MiB, or 500B for bytes");
	ck_assert_int_eq(size_parse_arg("option --max", "-1G", &b), -1);
	ck_assert_str_eq(error_last(), "option --max: invalid size '-1G': a size cannot be negative");
	ck_assert_int_eq(size_parse_arg("option --kill-above", "5Q", &b), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "option --kill-above: invalid size '5Q': unknown unit"));
	ck_assert_int_eq(size_parse_arg("option --max", "99999999999T", &b), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "'99999999999T': too large"));
	ck_assert_int_eq(size_parse_arg("option --max", "", &b), -1);
	ck_assert_str_eq(error_last(), "option --max: invalid size '': empty");
	ck_assert_int_eq(size_parse_arg("option --max", "1.5G", &b), 0);
	ck_assert_uint_eq(b, 3 * GI / 2);
	for (int e = SIZE_OK; e <= SIZE_TOO_LARGE; e++)
		ck_assert_str_ne(size_strerror((enum size_error)e), "unknown error");
	error_set_quiet(false);
}
END_TEST

START_TEST(test_size_budget)
{
	error_set_quiet(true);
	ck_assert_double_eq(size_mib(500 * MI), 500.0);
	ck_assert_int_eq(size_check_budget("a.dat", "peak", 500.0, 500 * MI, "500M"), 0);
	ck_assert_int_eq(size_check_budget("a.dat", "peak", 12.5, 500 * MI, "500M"), 0);
	ck_assert_int_eq(size_check_budget("a.dat", "peak", 500.000001, 500 * MI, "500M"), 1);
	ck_assert_str_eq(error_last(), "a.dat: peak 500.000 MiB is over the budget of 500.000 MiB (500M)");
	ck_assert_int_eq(size_check_budget("b.dat", "exact peak", 2000.0, UINT64_C(2000000000), "2GB"), 1);
	ck_assert_str_eq(error_last(), "b.dat: exact peak 2000.000 MiB is over the budget of 1907.349 MiB (2GB)");
	ck_assert_int_eq(size_check_budget("c.dat", "peak", NAN, MI, "1M"), -1);
	ck_assert_str_eq(error_last(), "c.dat: no peak to judge against the budget of 1M");
	error_set_quiet(false);
}
END_TEST

static Suite *size_suite(void)
{
	Suite *s = suite_create("size");
	TCase *tc = tcase_create("size");

	tcase_add_loop_test(tc, test_size_table, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(tc, test_size_against_strtod);
	tcase_add_test(tc, test_size_messages);
	tcase_add_test(tc, test_size_budget);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(size_suite());
}
