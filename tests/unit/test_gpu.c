/* mprof run --gpu: NVIDIA's management library loaded at run time. Without
 * it (or with a library that is not it, or that fails) a clear message and
 * nothing run or written; with the stand-in library the tests build
 * (tests/workloads/fake_nvml.c), GPU records that count the memory of the
 * program and its descendants, on every device, once per process, and
 * nobody else's. */
#include "testlib.h"
#include "profile.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MW MEMWORK_BIN

static const struct {
	const char *env[3];
	const char *msg;
} refusals[] = {
	{ { "MPROF_NVML_LIBRARY=/nonexistent/libnvidia-ml.so.1", NULL },
	  "cannot load NVIDIA's management library '/nonexistent/libnvidia-ml.so.1'" },
	{ { "MPROF_NVML_LIBRARY=libm.so.6", NULL }, "'libm.so.6' is not NVIDIA's management library" },
	{ { "MPROF_NVML_LIBRARY=" FAKE_NVML_LIB, "FAKE_NVML_FAIL=init", NULL },
	  "management library cannot start: Driver Not Loaded" },
	{ { "MPROF_NVML_LIBRARY=" FAKE_NVML_LIB, "FAKE_NVML_DEVICES=0", NULL }, "--gpu: no NVIDIA GPU" },
};

START_TEST(test_refused)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "g.dat"), *ran = tl_path(dir, "ran");
	struct tl_result r;

	tl_run_env(&r, dir, refusals[_i].env, 60,
		   (const char *const[]){ "mprof", "run", "--gpu", "-o", "g.dat", MW, "pidfile", ran, NULL });
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, refusals[_i].msg), "%s", r.err);
	ck_assert_msg(access(out, F_OK) != 0, "a profile was written");
	ck_assert_msg(access(ran, F_OK) != 0, "the program was run");
	tl_result_free(&r);
	free(out);
	free(ran);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Where this machine has no NVIDIA library, the message says so. */
START_TEST(test_no_driver_here)
{
	struct tl_result r;

	tl_run(&r, NULL, "sh", "-c", "ldconfig -p 2>/dev/null | grep -c 'libnvidia-ml.so.1 '");
	if (atoi(r.out) > 0) {
		tl_skip("--gpu without NVIDIA's library: this machine has libnvidia-ml.so.1");
		tl_result_free(&r);
		return;
	}
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "run", "--gpu", "-o", "/nonexistent/g.dat", "true");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "mprof: --gpu: cannot load NVIDIA's management library 'libnvidia-ml.so.1' "
				    "(is the NVIDIA driver installed?)"), "%s", r.err);
	tl_result_free(&r);
}
END_TEST

struct gpu_seen {
	int n;
	double max, min;
	bool header;
};

static void read_gpu(const char *path, struct gpu_seen *g)
{
	struct profile_reader pr;
	struct record rec;

	memset(g, 0, sizeof(*g));
	g->min = 1e9;
	ck_assert_int_eq(profile_reader_open(&pr, path), 0);
	while (profile_reader_next(&pr, &rec) > 0) {
		if (rec.kind == REC_MPROF && memmem(rec.text, rec.text_len, " gpu=1", 6))
			g->header = true;
		if (rec.kind != REC_GPU)
			continue;
		g->n++;
		g->max = rec.mem > g->max ? rec.mem : g->max;
		g->min = rec.mem < g->min ? rec.mem : g->min;
	}
	profile_reader_close(&pr);
}

START_TEST(test_stand_in)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "g.dat");
	const char *const env[] = { "MPROF_NVML_LIBRARY=" FAKE_NVML_LIB, "FAKE_NVML_DEVICES=2", "FAKE_NVML_MIB=100",
				    NULL };
	struct tl_result r;
	struct gpu_seen g;

	/* the program alone: 100 MiB on each of 2 devices (its graphics entry
	 * is the same memory); process 1's 999 MiB are not its */
	tl_run_env(&r, dir, env, 60, (const char *const[]){ "mprof", "run", "--gpu", "-T", "0.05", "-o", "g.dat", MW,
							    "sleep", "300", NULL });
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	read_gpu(out, &g);
	ck_assert(g.header);
	ck_assert_int_gt(g.n, 3);
	ck_assert_double_eq_tol(g.max, 200, 1e-6);
	unlink(out);
	/* a child, not followed (no -C or -M), is counted too while it lives */
	tl_run_env(&r, dir, env, 60, (const char *const[]){ "mprof", "run", "--gpu", "-T", "0.05", "-o", "g.dat", MW,
							    "fork", "1", "1", "400", "sleep", "100", "wait", "sleep",
							    "200", NULL });
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	read_gpu(out, &g);
	ck_assert_double_eq_tol(g.max, 400, 1e-6);
	ck_assert_double_eq_tol(g.min, 200, 1e-6);
	/* export has them */
	tl_run(&r, dir, "mprof", "export", "g.dat");
	ck_assert_msg(r.status == 0 && strstr(r.out, ",,gpu,400.000000\n"), "%s", r.out);
	tl_result_free(&r);
	/* the Python tool reads the file (it skips GPU records) */
	if (access("/usr/bin/python3-mprof", X_OK) == 0) {
		tl_run(&r, dir, "/usr/bin/python3-mprof", "peak", "g.dat");
		ck_assert_msg(r.status == 0 && str_starts_with(r.out, "g.dat\t"), "%s%s", r.out, r.err);
		tl_result_free(&r);
	} else {
		tl_skip("the Python tool reading GPU records: /usr/bin/python3-mprof is not installed");
	}
	free(out);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gpu");
	TCase *tc = tcase_create("gpu");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_refused, 0, ARRAY_SIZE(refusals));
	tcase_add_test(tc, test_no_driver_here);
	tcase_add_test(tc, test_stand_in);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
