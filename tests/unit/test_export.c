/* mprof export: every fixture written by the Python tool and profiles of our
 * own (with --breakdown, children, spans and markers) export to CSV that
 * Python's csv module reads with the header time_s,pid,series,mib, and to
 * JSON that its json module reads; the numbers are the file's; bad input is
 * an error that names the file and line and leaves no output behind. */
#include "testlib.h"
#include "export.h"
#include "util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MW MEMWORK_BIN

/* Reads the CSV (argv[1]) and the JSON (argv[2]) of one profile and checks
 * them against each other; prints "rows N series S pids P". */
static const char check_py[] =
	"import csv, json, sys\n"
	"SERIES = {'mem', 'interval_peak', 'anon', 'file', 'shmem', 'swap', 'python_heap', 'gpu',\n"
	"          'pressure_some', 'pressure_full'}\n"
	"with open(sys.argv[1], newline='') as f:\n"
	"    r = csv.reader(f)\n"
	"    head = next(r)\n"
	"    assert head == ['time_s', 'pid', 'series', 'mib'], head\n"
	"    rows = [row for row in r]\n"
	"for row in rows:\n"
	"    assert len(row) == 4, row\n"
	"    float(row[0]); float(row[3])\n"
	"    assert row[1] == '' or int(row[1]) > 0, row\n"
	"    assert row[2] in SERIES or row[2].startswith('cgroup'), row\n"
	"with open(sys.argv[2]) as f:\n"
	"    d = json.load(f)\n"
	"assert d['columns'] == ['time_s', 'pid', 'series', 'mib']\n"
	"js = [[('%.6f' % s[0]), '' if s[1] is None else str(s[1]), s[2], ('%.6f' % s[3])] for s in d['samples']]\n"
	"cs = [[('%.6f' % float(r[0])), r[1], r[2], ('%.6f' % float(r[3]))] for r in rows]\n"
	"assert js == cs, 'json and csv differ'\n"
	"for k in ('file', 'command', 'start', 'interval', 'backend', 'exit', 'functions', 'markers'):\n"
	"    assert k in d, k\n"
	"mem = [r for r in rows if r[2] == 'mem' and r[1] == '']\n"
	"if mem:\n"
	"    assert min(float(r[0]) for r in mem) == 0.0, 'time_s is not from the first sample'\n"
	"print('rows %d series %s pids %d funcs %d marks %d' % (len(rows), ','.join(sorted({r[2] for r in rows})),\n"
	"      len({r[1] for r in rows if r[1]}), len(d['functions']), len(d['markers'])))\n";

struct exported {
	struct tl_result r;
	char *out;      /* the checker's line */
};

/* Export path to CSV and JSON in dir and check them with Python. */
static void export_check(const char *dir, const char *path, struct exported *x)
{
	struct tl_result r;

	tl_run(&r, dir, "mprof", "export", "--csv", "-o", "out.csv", path);
	ck_assert_msg(r.status == 0, "export --csv %s: %s", path, r.err);
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "export", "--json", "-o", "out.json", path);
	ck_assert_msg(r.status == 0, "export --json %s: %s", path, r.err);
	tl_result_free(&r);
	tl_run(&x->r, dir, "python3", "-c", check_py, "out.csv", "out.json");
	ck_assert_msg(x->r.status == 0, "%s: %s", path, x->r.err);
	x->out = x->r.out;
}

static char *fixture_dir(void)
{
	const char *shared = getenv("SHARED_ROOT");
	char *d = shared ? tl_path(shared, "fixtures/python-mprof") : NULL;

	if (d && access(d, R_OK) == 0)
		return d;
	free(d);
	return tl_data("python-mprof");
}

START_TEST(test_every_fixture)
{
	char *fdir = fixture_dir(), *dir = tl_tmpdir();
	DIR *d = opendir(fdir);
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d, "no fixtures in %s", fdir);
	while ((de = readdir(d))) {
		struct exported x;
		char *path;

		if (!str_ends_with(de->d_name, ".dat"))
			continue;
		path = tl_path(fdir, de->d_name);
		export_check(dir, path, &x);
		fprintf(stderr, "%s: %s", de->d_name, x.out);
		if (!strcmp(de->d_name, "multiprocess.dat"))
			ck_assert_msg(strstr(x.out, " pids 0") == NULL, "%s", x.out);
		tl_result_free(&x.r);
		free(path);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 5);
	tl_rmrf(dir);
	free(dir);
	free(fdir);
}
END_TEST

START_TEST(test_our_profile)
{
	char *dir = tl_tmpdir();
	struct tl_result r;
	struct exported x;

	tl_run(&r, dir, "mprof", "run", "--breakdown", "-M", "-T", "0.05", "-o", "ours.dat", MW, "begin", "phase",
	       "mark", "m1", "sleep", "50", "child", "alloc", "8", "sleep", "300");
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	export_check(dir, "ours.dat", &x);
	/* (interval_peak too, sorted between file and mem, where an interval's
	 * peak was above its sample) */
	ck_assert_msg(strstr(x.out, "series anon,file,") && strstr(x.out, "mem,shmem,swap pids 1 funcs 1 marks 1"), "%s",
		      x.out);
	tl_result_free(&x.r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Exact numbers, in the file's order, times from the earliest MEM, even when
 * a record before it is later in the file. */
START_TEST(test_numbers)
{
	char *dir = tl_tmpdir(), *p = tl_path(dir, "n.dat");
	struct tl_result r;

	tl_write_file(p, "CMDLINE prog 'a b'\n"
			 "MPROF 1 0.1.0 backend=pss interval=0.25 mode=children+multiprocess pid=42\n"
			 "FUNC __main__.f 1.0 100.5 2.0 101.0 0\n"
			 "MEM 10.000000 100.250000\n"
			 "CHLD 7 3.5 100.250000\n"
			 "KIND 1.5 2.25 0 0.125 100.250000\n"
			 "CHLDKIND 7 1 2 0.5 0 100.250000\n"
			 "PYHEAP 0.75 100.3\n"
			 "GPU 64 100.3\n"
			 "IPEAK 20.5 100.25\n"
			 "CHLDIPEAK 7 4 100.25\n"
			 "MEM 12.5 100.000000\n"
			 "EXIT 101.5 signal 9\n");
	tl_run(&r, dir, "mprof", "export", "n.dat");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "time_s,pid,series,mib\n"
				"0.250000,,mem,10.000000\n"
				"0.250000,7,mem,3.500000\n"
				"0.250000,,anon,1.500000\n"
				"0.250000,,file,2.250000\n"
				"0.250000,,shmem,0.000000\n"
				"0.250000,,swap,0.125000\n"
				"0.250000,7,anon,1.000000\n"
				"0.250000,7,file,2.000000\n"
				"0.250000,7,shmem,0.500000\n"
				"0.250000,7,swap,0.000000\n"
				"0.300000,,python_heap,0.750000\n"
				"0.300000,,gpu,64.000000\n"
				"0.250000,,interval_peak,20.500000\n"
				"0.250000,7,interval_peak,4.000000\n"
				"0.000000,,mem,12.500000\n");
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "export", "--json", "n.dat");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "\"command\": \"prog 'a b'\""), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"start\": 100,"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"interval\": 0.25,"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"backend\": \"pss\""), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"how\": \"signal\",\n    \"status\": 9"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"name\": \"__main__.f\""), "%s", r.out);
	ck_assert_msg(strstr(r.out, "\"start_s\": 0.5,"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "[0.250000,7,\"mem\",3.500000]"), "%s", r.out);
	tl_result_free(&r);
	free(p);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The cgroup's series, read back with Python's csv module: the charge and
 * its breakdown as written, the pressure as the stall rate in ms per s
 * between records (none for the first), the cgroup's peak. */
static const char cgroup_py[] =
	"import csv, sys\n"
	"with open(sys.argv[1], newline='') as f:\n"
	"    rows = list(csv.DictReader(f))\n"
	"got = {}\n"
	"for r in rows:\n"
	"    assert r['pid'] == '', r\n"
	"    got.setdefault(r['series'], []).append((round(float(r['time_s']), 6), round(float(r['mib']), 6)))\n"
	"want = {\n"
	"    'mem': [(0.0, 10.0), (1.0, 11.0)],\n"
	"    'cgroup_current': [(0.0, 64.5), (1.0, 70.0)],\n"
	"    'cgroup_anon': [(0.0, 40.0), (1.0, 41.0)],\n"
	"    'cgroup_file': [(0.0, 20.25), (1.0, 24.0)],\n"
	"    'cgroup_kernel': [(0.0, 3.0), (1.0, 3.5)],\n"
	"    'cgroup_shmem': [(0.0, 1.0), (1.0, 2.0)],\n"
	"    'cgroup_sock': [(0.0, 0.125), (1.0, 0.0)],\n"
	"    'cgroup_file_active': [(0.0, 12.0), (1.0, 14.0)],\n"
	"    'cgroup_file_inactive': [(0.0, 7.25), (1.0, 8.0)],\n"
	"    'pressure_some': [(1.0, 250.0), (1.5, 0.0)],\n"
	"    'pressure_full': [(1.0, 40.0), (1.5, 100.0)],\n"
	"    'cgroup_peak': [(1.5, 72.75)],\n"
	"}\n"
	"assert got == want, got\n"
	"print('ok %d' % len(rows))\n";

START_TEST(test_cgroup_series)
{
	char *dir = tl_tmpdir(), *p = tl_path(dir, "cg.dat");
	struct tl_result r;

	tl_write_file(p, "MPROF 1 0.1.0 backend=rss interval=1 mode=cgroup\n"
			 "MEM 10 200\n"
			 "CGROUP 64.5 40 20.25 3 1 0.125 12 7.25 200\n"
			 "CGPRESSURE 1000 500 200\n"
			 "MEM 11 201\n"
			 "CGROUP 70 41 24 3.5 2 0 14 8 201\n"
			 "CGPRESSURE 251000 40500 201\n"
			 "CGPRESSURE 251000 90500 201.5\n"
			 "CGPEAK 72.75 201.5\n");
	tl_run(&r, dir, "mprof", "export", "-o", "cg.csv", "cg.dat");
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	tl_run(&r, dir, "python3", "-c", cgroup_py, "cg.csv");
	ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
	ck_assert_str_eq(r.out, "ok 23\n");
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "export", "--json", "cg.dat");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "[1.000000,null,\"pressure_some\",250.000000]"), "%s", r.out);
	tl_result_free(&r);
	free(p);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

static const struct {
	const char *content;
	const char *msg;
} bad_cases[] = {
	{ "MEM 1 100\nKIND 1 2 3 100\n", "bad.dat:2:" },
	{ "MEM 1 100\nCHLDKIND x 1 2 3 4 100\n", "bad.dat:2:" },
	{ "MEM -1 100\n", "bad.dat:1:" },
};

START_TEST(test_bad_input)
{
	char *dir = tl_tmpdir(), *p = tl_path(dir, "bad.dat"), *out = tl_path(dir, "out.csv");
	struct tl_result r;

	tl_write_file(p, bad_cases[_i].content);
	tl_run(&r, dir, "mprof", "export", "-o", "out.csv", "bad.dat");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, bad_cases[_i].msg), "%s", r.err);
	ck_assert_msg(access(out, F_OK) != 0, "half an export left behind");
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "export", "--csv", "--json", "bad.dat");
	ck_assert_int_eq(r.status, 2);
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "export", "missing.dat");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "missing.dat"), "%s", r.err);
	tl_result_free(&r);
	free(p);
	free(out);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_cgroup_series);
	tcase_add_loop_test(tc, test_bad_input, 0, ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_every_fixture);
	tcase_add_test(tc, test_our_profile);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
