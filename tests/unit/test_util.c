#include "testlib.h"
#include "idxmap.h"
#include "util.h"
#include "profile_list.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *s;
	int ok;
	double v;
} doubles[] = {
	{ "0.1", 0, 0.1 }, { "1e-4", 0, 1e-4 }, { "-3", 0, -3 }, { "12abc", -1, 0 },
	{ "", -1, 0 }, { " 1", -1, 0 }, { "1 ", -1, 0 }, { "abc", -1, 0 }, { "1e999", -1, 0 },
};

START_TEST(test_parse_double)
{
	double v = 0;
	int rc = parse_double(doubles[_i].s, &v);

	ck_assert_int_eq(rc, doubles[_i].ok);
	if (rc == 0)
		ck_assert_double_eq(v, doubles[_i].v);
}
END_TEST

/* format_fixed against sprintf: the same characters, for values of every
 * size, the ties that round to even, and those printf is left to. */
static void fixed_same(double v, int prec)
{
	char want[512], got[512];

	snprintf(want, sizeof(want), "%.*f", prec, v);
	ck_assert_int_eq(format_fixed(got, v, prec), (int)strlen(want));
	ck_assert_msg(strcmp(got, want) == 0, "%%.%df of %a: '%s', want '%s'", prec, v, got, want);
}

static const double fixed_cases[] = {
	0.0, -0.0, 1.0, 0.5, 1.5, 2.5, 0.03125, 0.00005, -0.00004, 0.99995, 9.99995, 123.45675,
	0x1p-30, 0x1p-70, 0x1p-140, 4.9e-324, 0x1p52, 0x1p53, 0x1p53 - 1, 0x1p60, 1e300, -1e300,
	1764460800.12345, 1700000000.1234, 1048575.9999999, 50.0, 126.78515625, INFINITY, -INFINITY, NAN,
	1.0000005, 123.456789, 1795990650.894588, -0.25, 1e-7, 8e12, 1e20, 2.0000004999,
};

START_TEST(test_format_fixed)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (int prec = 0; prec <= 12; prec++)
		for (size_t i = 0; i < ARRAY_SIZE(fixed_cases); i++)
			fixed_same(fixed_cases[i], prec);
	/* Random values of every magnitude from 2^-40 to 2^60, and the
	 * exact ties k / 2^j, at the precisions the writer uses and more. */
	for (int i = 0; i < 200000; i++) {
		double v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = ldexp((double)(x >> 11), (int)(x % 101) - 93);
		fixed_same(i & 1 ? -v : v, (int)(x % 10));
		fixed_same(ldexp((double)(x % 100000), -(int)(x % 20)), (int)(x % 8));
	}
}
END_TEST

START_TEST(test_parse_finite)
{
	double v;

	ck_assert_int_eq(parse_finite("nan", &v), -1);
	ck_assert_int_eq(parse_finite("inf", &v), -1);
	ck_assert_int_eq(parse_finite("-inf", &v), -1);
	ck_assert_int_eq(parse_finite("2.5", &v), 0);
	ck_assert_double_eq(v, 2.5);
}
END_TEST

static const struct {
	const char *s;
	int ok;
	long v;
} longs[] = {
	{ "42", 0, 42 }, { "-1", 0, -1 }, { "0x10", -1, 0 }, { "4.2", -1, 0 },
	{ "", -1, 0 }, { "99999999999999999999999", -1, 0 },
};

START_TEST(test_parse_long)
{
	long v = 0;
	int rc = parse_long(longs[_i].s, &v);

	ck_assert_int_eq(rc, longs[_i].ok);
	if (rc == 0)
		ck_assert_int_eq(v, longs[_i].v);
}
END_TEST

START_TEST(test_error_returns_and_keeps_message)
{
	error_set_quiet(true);
	ck_assert_int_eq(error("cannot open '%s'", "x.dat"), -1);
	ck_assert_str_eq(error_last(), "cannot open 'x.dat'");
	error_set_quiet(false);
}
END_TEST

START_TEST(test_strvec)
{
	struct strvec sv = { 0 };

	for (int i = 0; i < 100; i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "s%d", i);
		strvec_push(&sv, buf);
	}
	ck_assert_uint_eq(sv.n, 100);
	ck_assert_ptr_null(sv.v[100]);
	ck_assert(strvec_contains(&sv, "s99"));
	ck_assert(!strvec_contains(&sv, "s100"));
	strvec_clear(&sv);
	ck_assert_uint_eq(sv.n, 0);
}
END_TEST

/* Sorted insertion: each element lands where asked, the new one zeroed. */
START_TEST(test_xinsert)
{
	struct { int v, zero; } *a = NULL;
	size_t n = 0, cap = 0;

	for (int i = 0; i < 50; i++) {
		size_t at = 0;

		while (at < n && a[at].v < (i * 7) % 50)
			at++;
		XINSERT(a, cap, n, at);
		ck_assert_int_eq(a[at].zero, 0);
		a[at].v = (i * 7) % 50;
		a[at].zero = 0;
	}
	ck_assert_uint_eq(n, 50);
	ck_assert_uint_ge(cap, 50);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(a[i].v, (int)i);
	free(a);
}
END_TEST

/* A whole file, longer than the first buffer; the descriptor is closed. */
START_TEST(test_read_fd_whole)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "f"), *big = xmalloc(20001), *got;
	size_t len = 0;
	int fd;

	for (int i = 0; i < 20000; i++)
		big[i] = (char)('a' + i % 26);
	big[20000] = '\0';
	tl_write_file(path, big);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	got = read_fd_whole(fd, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(len, 20000);
	ck_assert_str_eq(got, big);
	ck_assert_int_eq(close(fd), -1); /* already closed */
	free(got);
	/* a directory cannot be read: NULL and errno */
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	errno = 0;
	ck_assert_ptr_null(read_fd_whole(fd, &len));
	ck_assert_int_eq(errno, EISDIR);
	free(big);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The index finds every key among many, and none that is not there; keys of
 * one hash are told apart by the caller; a cleared index is empty. */
START_TEST(test_idxmap)
{
	enum { N = 5000 };
	long *keys = xmalloc(N * sizeof(*keys));
	struct idxmap m = { 0 };
	struct idxmap_iter it;
	size_t i, found, seen;

	for (i = 0; i < N; i++) {
		keys[i] = (long)(i * 7919 % 100003) + 1;
		idxmap_put(&m, idxmap_hash_pid(keys[i]), i);
	}
	ck_assert_uint_eq(m.n, N);
	ck_assert_uint_ge(m.nslots, 2 * N);
	for (i = 0; i < N; i++) {
		found = IDXMAP_NONE;
		for (size_t k = idxmap_first(&m, idxmap_hash_pid(keys[i]), &it); k != IDXMAP_NONE; k = idxmap_next(&it))
			if (keys[k] == keys[i])
				found = k;
		ck_assert_uint_eq(found, i);
	}
	ck_assert_uint_eq(idxmap_first(&m, idxmap_hash_pid(100004), &it), IDXMAP_NONE);
	/* one hash for three indices: each comes once */
	idxmap_clear(&m);
	ck_assert_uint_eq(idxmap_first(&m, idxmap_hash_pid(keys[0]), &it), IDXMAP_NONE);
	for (i = 0; i < 3; i++)
		idxmap_put(&m, 42, i);
	seen = 0;
	for (size_t k = idxmap_first(&m, 42, &it); k != IDXMAP_NONE; k = idxmap_next(&it))
		seen |= (size_t)1 << k;
	ck_assert_uint_eq(seen, 7);
	ck_assert_uint_ne(idxmap_hash_bytes("a.b", 3), idxmap_hash_bytes("a.c", 3));
	idxmap_release(&m);
	free(keys);
}
END_TEST

static const struct {
	const char *s;
	bool ok;
	uint64_t v;
	size_t used;   /* bytes taken */
	bool all;      /* str_all_digits */
} digits[] = {
	{ "0", true, 0, 1, true },
	{ "123 kB", true, 123, 3, false },
	{ "18446744073709551615", true, UINT64_MAX, 20, true },
	{ "18446744073709551616", false, 0, 0, true },
	{ "", false, 0, 0, false },
	{ " 1", false, 0, 0, false },
	{ "-1", false, 0, 0, false },
	{ "12x", true, 12, 2, false },
};

START_TEST(test_scan_u64)
{
	const char *p = digits[_i].s;
	uint64_t v = 77;

	ck_assert_int_eq(scan_u64(&p, &v), digits[_i].ok);
	ck_assert_uint_eq(v, digits[_i].ok ? digits[_i].v : 77);
	ck_assert_uint_eq((size_t)(p - digits[_i].s), digits[_i].used);
	ck_assert_int_eq(str_all_digits(digits[_i].s), digits[_i].all);
}
END_TEST

START_TEST(test_path_base)
{
	ck_assert_str_eq(path_base("/a/b/c.dat"), "c.dat");
	ck_assert_str_eq(path_base("c.dat"), "c.dat");
	ck_assert_str_eq(path_base("dir/"), "");
}
END_TEST

static const struct {
	const char *name;
	bool ok, ts;
} names[] = {
	{ "mprofile_20261126124500.dat", true, false },
	{ "mprofile_20261126124500_ts.dat", false, true },
	{ "mprofile_2026112612450.dat", false, false },
	{ "mprofile_2026112612450x.dat", false, false },
	{ "mprofile_20261126124500.dat.bak", false, false },
	{ "xmprofile_20261126124500.dat", false, false },
	{ "out.dat", false, false },
};

START_TEST(test_profile_names)
{
	ck_assert_int_eq(profile_name_ok(names[_i].name), names[_i].ok);
	ck_assert_int_eq(profile_ts_name_ok(names[_i].name), names[_i].ts);
}
END_TEST

START_TEST(test_profile_resolve)
{
	char *dir = tl_tmpdir();
	char cwd[4096];
	const char *files[] = { "mprofile_20260101000000.dat", "mprofile_20250101000000.dat",
				"mprofile_20270101000000.dat", "other.dat" };
	struct strvec sv = { 0 };

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(dir), 0);
	for (size_t i = 0; i < 4; i++)
		tl_write_file(files[i], "CMDLINE x\n");
	error_set_quiet(true);

	ck_assert_int_eq(profile_resolve(NULL, 0, &sv), 0);
	ck_assert_str_eq(sv.v[0], "mprofile_20270101000000.dat");
	strvec_clear(&sv);

	char *args[] = { "0", "-1", "other.dat", "0" };
	ck_assert_int_eq(profile_resolve(args, 4, &sv), 0);
	ck_assert_uint_eq(sv.n, 3);
	ck_assert_str_eq(sv.v[0], "mprofile_20250101000000.dat");
	ck_assert_str_eq(sv.v[1], "mprofile_20270101000000.dat");
	ck_assert_str_eq(sv.v[2], "other.dat");
	strvec_clear(&sv);

	char *bad[] = { "7" };
	ck_assert_int_eq(profile_resolve(bad, 1, &sv), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "index 7"));
	char *missing[] = { "nope.dat" };
	ck_assert_int_eq(profile_resolve(missing, 1, &sv), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "nope.dat"));
	char *d[] = { "." };
	ck_assert_int_eq(profile_resolve(d, 1, &sv), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "directory"));
	strvec_clear(&sv);
	error_set_quiet(false);

	ck_assert_int_eq(chdir(cwd), 0);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_double, 0, ARRAY_SIZE(doubles));
	tcase_add_test(tc, test_parse_finite);
	tcase_add_loop_test(tc, test_parse_long, 0, ARRAY_SIZE(longs));
	tcase_add_test(tc, test_error_returns_and_keeps_message);
	tcase_add_test(tc, test_strvec);
	tcase_add_test(tc, test_xinsert);
	tcase_add_test(tc, test_read_fd_whole);
	tcase_add_test(tc, test_path_base);
	tcase_add_test(tc, test_idxmap);
	tcase_add_test(tc, test_format_fixed);
	tcase_add_loop_test(tc, test_scan_u64, 0, ARRAY_SIZE(digits));
	tcase_add_loop_test(tc, test_profile_names, 0, ARRAY_SIZE(names));
	tcase_add_test(tc, test_profile_resolve);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
