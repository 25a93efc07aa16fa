/* The budget commands end to end, through the built binary: mprof peak
 * --max/--exact, mprof summary, mprof diff (--max-increase, --json,
 * --junit), mprof run --max, --kill-above and --quiet. Every exit status and
 * message; sizes and their errors; JSON read back by Python's json, JUnit by
 * xml.etree; answers computed here from the files, not by the engines. */
#include "testlib.h"
#include "profile.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MW MEMWORK_BIN

static char *shared_fixture(const char *name)
{
	const char *root = getenv("SHARED_ROOT");
	char *p;

	if (asprintf(&p, "%s/fixtures/python-mprof/%s", root && *root ? root : SOURCE_ROOT "/../shared",
		     name) < 0)
		ck_abort_msg("out of memory");
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return tl_fixture(name); /* the copy in tests/data */
}

/* ---- what a file holds, read here with sscanf ---- */

struct facts {
	int mem, peaks, marks;
	double mem_max, peak_max;
	char mark[128];
	char exit_how[128];
	int exit_status;
};

static void read_facts(const char *path, struct facts *f)
{
	FILE *in = fopen(path, "r");
	char line[4096], word[128];
	double v, t;

	ck_assert_msg(in, "%s: %s", path, strerror(errno));
	memset(f, 0, sizeof(*f));
	f->mem_max = f->peak_max = NAN;
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, "MEM %lf %lf", &v, &t) == 2) {
			f->mem++;
			f->mem_max = isnan(f->mem_max) || v > f->mem_max ? v : f->mem_max;
		} else if (sscanf(line, "PEAK %lf %lf", &v, &t) == 2) {
			f->peaks++;
			f->peak_max = isnan(f->peak_max) || v > f->peak_max ? v : f->peak_max;
		} else if (sscanf(line, "MARK %127s %lf %lf", word, &v, &t) == 3) {
			f->marks++;
			snprintf(f->mark, sizeof(f->mark), "%s", word);
		} else if (sscanf(line, "EXIT %lf %15s %d", &t, word, &f->exit_status) == 3) {
			snprintf(f->exit_how, sizeof(f->exit_how), "%s", word);
		}
	}
	fclose(in);
}

/* The highest MEM sample inside the calls of func (ends included). */
static double func_peak(const char *path, const char *func)
{
	FILE *in = fopen(path, "r");
	char line[4096], name[256];
	double s[64], e[64], m0, m1, v, t, best = NAN;
	int n = 0;

	ck_assert_ptr_nonnull(in);
	while (fgets(line, sizeof(line), in))
		if (sscanf(line, "FUNC %255s %lf %lf %lf %lf", name, &m0, &s[n], &m1, &e[n]) == 5 &&
		    strcmp(name, func) == 0 && n < 63)
			n++;
	rewind(in);
	while (fgets(line, sizeof(line), in))
		if (sscanf(line, "MEM %lf %lf", &v, &t) == 2)
			for (int i = 0; i < n; i++)
				if (t >= s[i] && t <= e[i] && (isnan(best) || v > best))
					best = v;
	fclose(in);
	return best;
}

/* src with every MiB multiplied by k (MEM, FUNC, PEAK). */
static void write_scaled(const char *src, const char *dst, double k)
{
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	char line[4096], name[256];
	double a, b, c, d;

	ck_assert_msg(in && out, "%s: %s", src, strerror(errno));
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, "MEM %lf %lf", &a, &b) == 2)
			fprintf(out, "MEM %.6f %.4f\n", a * k, b);
		else if (sscanf(line, "PEAK %lf %lf", &a, &b) == 2)
			fprintf(out, "PEAK %.6f %.4f\n", a * k, b);
		else if (sscanf(line, "FUNC %255s %lf %lf %lf %lf", name, &a, &b, &c, &d) == 5)
			fprintf(out, "FUNC %s %.4f %.4f %.4f %.4f\n", name, a * k, b, c * k, d);
		else
			fputs(line, out);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	ck_assert_int_ge(vasprintf(&s, f, ap), 0);
	va_end(ap);
	return s;
}

static void expect(const struct tl_result *r, int status, const char *err)
{
	ck_assert_msg(r->status == status, "status %d, not %d; stderr: %s", r->status, status, r->err);
	if (err)
		ck_assert_str_eq(r->err, err);
}

/* ---- sizes through mprof peak --max ---- */

static const struct {
	const char *arg;
	const char *msg;   /* after "mprof peak: option --max: " */
} bad_sizes[] = {
	{ "500", "'500' has no unit, and a number alone is ambiguous: write 500M for MiB, or 500B for bytes" },
	{ "1.5", "'1.5' has no unit, and a number alone is ambiguous: write 1.5M for MiB, or 1.5B for bytes" },
	{ "", "invalid size '': empty" },
	{ "-5M", "invalid size '-5M': a size cannot be negative" },
	{ "1e3M", "invalid size '1e3M': not a number followed by a unit (as in 500M, 1.5G, 300MiB, 2GB)" },
	{ "5X", "invalid size '5X': unknown unit (K, M, G, T, P and Ki, KiB... are powers of 1024; kB, MB, "
		"GB... powers of 1000; B is bytes)" },
	{ "5mb", "invalid size '5mb': unknown unit (K, M, G, T, P and Ki, KiB... are powers of 1024; kB, MB, "
		 "GB... powers of 1000; B is bytes)" },
	{ "1.0000000001G", "invalid size '1.0000000001G': more than 9 decimals" },
	{ "99999999999P", "invalid size '99999999999P': too large (more than 2^64 - 1 bytes)" },
};

START_TEST(test_bad_size)
{
	const char *cmds[][3] = { { "peak", "--max", NULL }, { "run", "--max", MW }, { "run", "--kill-above", MW } };
	char *dir = tl_tmpdir();

	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
		struct tl_result r;
		char *want = fmt("mprof %s: option %s: %s\nTry 'mprof %s --help' for more information.\n",
				 cmds[c][0], cmds[c][1], bad_sizes[_i].msg, cmds[c][0]);

		tl_run(&r, dir, "mprof", cmds[c][0], cmds[c][1], bad_sizes[_i].arg, cmds[c][2]);
		expect(&r, 2, want);
		ck_assert_str_eq(r.out, "");
		tl_result_free(&r);
		free(want);
	}
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Sizes in several units around the fixture's peak: within, exactly at it
 * (bytes), over. */
START_TEST(test_peak_max)
{
	char *plain = shared_fixture("plain.dat");
	struct facts f;
	struct tl_result r;
	uint64_t bytes;
	char *arg, *want;

	read_facts(plain, &f);
	ck_assert_int_gt(f.mem, 0);
	bytes = (uint64_t)llround(f.mem_max * 1048576.0);
	/* within: at it to the byte, and in other units above it */
	const char *within[] = { NULL, "1G", "1.5G", "1024MiB", "2GB", "1048576KiB" };
	for (size_t i = 0; i < ARRAY_SIZE(within); i++) {
		arg = within[i] ? xstrdup(within[i]) : fmt("%lluB", (unsigned long long)bytes);
		tl_run(&r, NULL, "mprof", "peak", "--max", arg, plain);
		expect(&r, 0, "");
		want = fmt("%s\t%.3f MiB\n", plain, f.mem_max);
		ck_assert_str_eq(r.out, want);
		free(want);
		tl_result_free(&r);
		free(arg);
	}
	/* over: one byte under, and in MiB, kB */
	char *over[] = { fmt("%lluB", (unsigned long long)bytes - 1), fmt("%dM", (int)floor(f.mem_max) - 1),
			 fmt("%.0fkB", floor(f.mem_max * 1048.576) - 1), fmt("%.1f MiB", floor(f.mem_max) - 0.5) };
	for (size_t i = 0; i < ARRAY_SIZE(over); i++) {
		uint64_t b;

		ck_assert(sscanf(over[i], "%" SCNu64, &b) == 1);
		tl_run(&r, NULL, "mprof", "peak", "--max", over[i], plain);
		if (strstr(over[i], "kB"))
			b = b * 1000;
		else if (strstr(over[i], "MiB"))
			b = (uint64_t)llround(strtod(over[i], NULL) * 1048576.0);
		else if (strchr(over[i], 'M'))
			b <<= 20;
		want = fmt("mprof: %s: peak %.3f MiB is over the budget of %.3f MiB (%s)\n", plain, f.mem_max,
			   (double)b / 1048576.0, over[i]);
		expect(&r, 1, want);
		free(want);
		tl_result_free(&r);
		free(over[i]);
	}
	free(plain);
}
END_TEST

START_TEST(test_peak_exact)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "k.dat"), *plain = shared_fixture("plain.dat"), *want;
	struct tl_result r;

	tl_write_file(path, "MEM 100.0 1000.0\nPEAK 130.5 1000.5\nMEM 110.0 1001.0\n");
	tl_run(&r, NULL, "mprof", "peak", "--max", "120M", path);
	expect(&r, 0, "");
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "peak", "--max", "120M", "--exact", path);
	want = fmt("mprof: %s: exact peak 130.500 MiB is over the budget of 120.000 MiB (120M)\n", path);
	expect(&r, 1, want);
	free(want);
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "peak", "--exact", "--max", "131M", path);
	expect(&r, 0, "");
	tl_result_free(&r);
	/* the Python tool writes no PEAK: nothing to judge */
	tl_run(&r, NULL, "mprof", "peak", "--exact", "--max", "1G", plain);
	want = fmt("mprof: %s: no exact peak to judge against the budget of 1G\n", plain);
	expect(&r, 1, want);
	free(want);
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "peak", "--exact", plain);
	expect(&r, 2, "mprof peak: option --exact: it says which peak --max judges, and --max is not given\n"
		      "Try 'mprof peak --help' for more information.\n");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
	free(path);
	free(plain);
}
END_TEST

START_TEST(test_peak_func)
{
	char *fx = shared_fixture("details-nested.dat"), *want, *under, *above;
	double p = func_peak(fx, "__main__.grow");
	struct tl_result r;

	ck_assert(!isnan(p));
	under = fmt("%.0fKiB", floor(p * 1024) - 1);
	above = fmt("%.0fKiB", ceil(p * 1024) + 1);
	tl_run(&r, NULL, "mprof", "peak", "--func", "__main__.grow", "--max", above, fx);
	expect(&r, 0, "");
	tl_result_free(&r);
	tl_run(&r, NULL, "mprof", "peak", "--func", "__main__.grow", "--max", under, fx);
	want = fmt("mprof: %s: peak of __main__.grow %.3f MiB is over the budget of %.3f MiB (%s)\n", fx, p,
		   (floor(p * 1024) - 1) / 1024, under);
	expect(&r, 1, want);
	free(want);
	tl_result_free(&r);
	/* --exact: no exact peak of a function; the sampled one is judged */
	tl_run(&r, NULL, "mprof", "peak", "--func", "__main__.grow", "--exact", "--max", under, fx);
	want = fmt("mprof: warning: %s: no exact peak of a function's calls in this profile (the kernel's is "
		   "of the whole run): the sampled peak of '__main__.grow' is judged\n"
		   "mprof: %s: peak of __main__.grow %.3f MiB is over the budget of %.3f MiB (%s)\n", fx, fx, p,
		   (floor(p * 1024) - 1) / 1024, under);
	expect(&r, 1, want);
	free(want);
	tl_result_free(&r);
	/* a function not there cannot be judged */
	tl_run(&r, NULL, "mprof", "peak", "--func", "nosuch", "--max", above, fx);
	ck_assert_int_eq(r.status, 1);
	want = fmt("mprof: %s: no peak of nosuch to judge against the budget of %s\n", fx, above);
	ck_assert_msg(strstr(r.err, want), "%s", r.err);
	free(want);
	tl_result_free(&r);
	free(under);
	free(above);
	free(fx);
}
END_TEST

/* ---- mprof summary ---- */

static const char summary_py[] =
	"import json, sys\n"
	"doc = json.load(open(sys.argv[5], encoding='utf-8'))\n"
	"assert doc['format'] == 'mprof-summary' and doc['version'] == 1, doc\n"
	"assert doc['file'] == sys.argv[1], doc['file']\n"
	"assert doc['samples'] == int(sys.argv[2]), doc['samples']\n"
	"assert abs(doc['peak']['mib'] - float(sys.argv[3])) < 1e-6, doc['peak']\n"
	"names = [f['name'] for f in doc['functions']]\n"
	"want = [n for n in sys.argv[4].split(',') if n]\n"
	"assert sorted(names) == sorted(want), names\n"
	"print('ok')\n";

START_TEST(test_summary)
{
	static const struct {
		const char *fixture;
		const char *funcs;
	} cases[] = {
		{ "plain.dat", "" },
		{ "details-nested.dat", "__main__.grow,__main__.churn,.churn_phase" },
		{ "multiprocess.dat", "" },
	};
	char *fx = shared_fixture(cases[_i].fixture), *n, *pk;
	struct tl_result r, py;
	struct facts f;

	read_facts(fx, &f);
	tl_run(&r, NULL, "mprof", "summary", fx);
	expect(&r, 0, "");
	ck_assert_msg(strstr(r.out, "samples"), "%s", r.out);
	tl_result_free(&r);
	if (!tl_have_python_json_xml())
		goto out;
	tl_run(&r, NULL, "mprof", "summary", "--json", fx);
	expect(&r, 0, "");
	n = fmt("%d", f.mem);
	pk = fmt("%.6f", f.mem_max);
	{
		char *dir = tl_tmpdir(), *jp = tl_path(dir, "s.json");

		tl_write_file(jp, r.out);
		tl_run(&py, NULL, "python3", "-c", summary_py, fx, n, pk, cases[_i].funcs, jp);
		ck_assert_msg(py.status == 0, "python3: %s", py.err);
		ck_assert_str_eq(py.out, "ok\n");
		tl_result_free(&py);
		free(jp);
		tl_rmrf(dir);
		free(dir);
	}
	free(n);
	free(pk);
	tl_result_free(&r);
out:
	free(fx);
}
END_TEST

START_TEST(test_summary_errors)
{
	char *dir = tl_tmpdir(), *bad = tl_path(dir, "bad.dat"), *want;
	char *plain = shared_fixture("plain.dat");
	char *idx = tl_path(dir, "mprofile_20250101000000.dat");
	struct tl_result r;

	tl_write_file(bad, "MEM 1.0 2.0\nMEM one 3.0\n");
	tl_run(&r, NULL, "mprof", "summary", bad);
	ck_assert_int_eq(r.status, 1);
	want = fmt("mprof: %s:2:", bad);
	ck_assert_msg(str_starts_with(r.err, want), "%s", r.err);
	ck_assert_str_eq(r.out, "");
	free(want);
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "summary", "nosuch.dat");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "nosuch.dat"), "%s", r.err);
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "summary", "a.dat", "b.dat");
	expect(&r, 2, "mprof summary: one profile at a time, not 'b.dat' too\n"
		      "Try 'mprof summary --help' for more information.\n");
	tl_result_free(&r);
	/* an index, and none: the newest */
	tl_write_file(idx, "MEM 12.5 1000.0\nMEM 14.25 1001.0\n");
	const char *forms[] = { "-1", "0", NULL };
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		tl_run(&r, dir, "mprof", "summary", "--json", forms[i]);
		expect(&r, 0, "");
		ck_assert_msg(strstr(r.out, "\"file\": \"mprofile_20250101000000.dat\""), "%s", r.out);
		ck_assert_msg(strstr(r.out, "\"mib\": 14.25"), "%s", r.out);
		tl_result_free(&r);
	}
	free(idx);
	free(plain);
	free(bad);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- mprof diff ---- */

/* plain.dat against copies of it with memory times k: the overall peak
 * changes by (k - 1) * 100 percent, whatever the file. */
START_TEST(test_diff_budgets)
{
	static const struct {
		double k;
		const char *pct;
		int status;
		const char *verdict;
	} cases[] = {
		{ 1.2, "10", 1, "FAIL" },
		{ 1.2, "25%", 0, "pass" },
		{ 1.2, "19.9", 1, "FAIL" },
		{ 0.9, "-5", 0, "pass" },
		{ 0.9, "-15", 1, "FAIL" },
		{ 1.0, "0", 0, "pass" },
	};
	char *dir = tl_tmpdir(), *b = tl_path(dir, "b.dat"), *fx = shared_fixture("plain.dat"), *want;
	struct tl_result r;
	struct facts fa, fb;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		write_scaled(fx, b, cases[i].k);
		read_facts(fx, &fa);
		read_facts(b, &fb);
		tl_run(&r, NULL, "mprof", "diff", "--max-increase", cases[i].pct, fx, b);
		expect(&r, cases[i].status, "");
		want = fmt("  %-7s peak ", cases[i].verdict);
		ck_assert_msg(strstr(r.out, want), "%s", r.out);
		free(want);
		want = fmt("%.3f MiB in %s to %.3f MiB in %s", fa.mem_max, fx, fb.mem_max, b);
		ck_assert_msg(strstr(r.out, want), "want '%s' in %s", want, r.out);
		free(want);
		tl_result_free(&r);
	}
	free(fx);
	free(b);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

static const char diff_py[] =
	"import json, sys, xml.etree.ElementTree as ET\n"
	"doc = json.load(open(sys.argv[1]))\n"
	"pa, pb, fa, fb = map(float, sys.argv[3:7])\n"
	"assert doc['format'] == 'mprof-diff' and doc['version'] == 1\n"
	"run = doc['rows'][0]\n"
	"assert run['kind'] == 'run' and run['name'] is None\n"
	"assert abs(run['peak_mib']['a'] - pa) < 1e-6 and abs(run['peak_mib']['b'] - pb) < 1e-6, run\n"
	"assert abs(run['peak_mib']['change_pct'] - (pb - pa) / pa * 100) < 1e-3, run\n"
	"g = [r for r in doc['rows'] if r['name'] == '__main__.grow']\n"
	"assert len(g) == 1 and abs(g[0]['peak_mib']['a'] - fa) < 1e-6 and abs(g[0]['peak_mib']['b'] - fb) < 1e-6, g\n"
	"res = [b['result'] for b in doc['budgets']]\n"
	"assert res == ['fail', 'pass', 'unknown', 'unknown'], res\n"
	"assert [b['function'] for b in doc['budgets']] == [None, '__main__.grow', 'nosuch', None]\n"
	"assert doc['budgets'][3]['measure'] == 'exact_peak'\n"
	"assert doc['passed'] is False\n"
	"root = ET.parse(sys.argv[2]).getroot()\n"
	"cases = root.findall('.//testcase')\n"
	"assert len(cases) == 4, len(cases)\n"
	"assert cases[0].find('failure') is not None and cases[0].find('failure').get('type') == 'budget'\n"
	"assert cases[1].find('failure') is None and cases[1].find('error') is None\n"
	"assert cases[2].find('error') is not None and cases[3].find('error') is not None\n"
	"assert all(c.get('classname') == 'mprof.budget' for c in cases)\n"
	"assert cases[1].get('name') == 'peak of __main__.grow at most +30%', cases[1].get('name')\n"
	"print('ok')\n";

START_TEST(test_diff_json_junit)
{
	char *dir = tl_tmpdir(), *b = tl_path(dir, "b.dat"), *jp = tl_path(dir, "d.json");
	char *xp = tl_path(dir, "report.xml"), *fx = shared_fixture("details-nested.dat");
	char *pa, *pb, *fa, *fb;
	struct tl_result r, py;
	struct facts A, B;

	if (!tl_have_python_json_xml())
		goto out;
	write_scaled(fx, b, 1.25);
	read_facts(fx, &A);
	read_facts(b, &B);
	tl_run(&r, NULL, "mprof", "diff", "--json", "--junit", xp, "--max-increase", "10", "--func",
	       "__main__.grow", "--max-increase", "30", "--func", "nosuch", "--max-increase", "5", "--exact",
	       "--max-increase", "5", fx, b);
	expect(&r, 1, "");
	tl_write_file(jp, r.out);
	pa = fmt("%.6f", A.mem_max);
	pb = fmt("%.6f", B.mem_max);
	fa = fmt("%.6f", func_peak(fx, "__main__.grow"));
	fb = fmt("%.6f", func_peak(b, "__main__.grow"));
	tl_run(&py, NULL, "python3", "-c", diff_py, jp, xp, pa, pb, fa, fb);
	ck_assert_msg(py.status == 0, "python3: %s", py.err);
	ck_assert_str_eq(py.out, "ok\n");
	tl_result_free(&py);
	tl_result_free(&r);
	free(pa);
	free(pb);
	free(fa);
	free(fb);
	/* all pass: exit 0, and the report says so */
	tl_run(&r, NULL, "mprof", "diff", "--junit", xp, "--max-increase", "30", fx, b);
	expect(&r, 0, "");
	tl_result_free(&r);
	tl_run(&py, NULL, "python3", "-c",
	       "import sys, xml.etree.ElementTree as ET\n"
	       "c = ET.parse(sys.argv[1]).getroot().findall('.//testcase')\n"
	       "assert len(c) == 1 and len(list(c[0])) == 0, c\n", xp);
	ck_assert_msg(py.status == 0, "python3: %s", py.err);
	tl_result_free(&py);
out:
	free(fx);
	free(b);
	free(jp);
	free(xp);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_diff_errors)
{
	static const struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{ { "a.dat" }, "two profiles are needed, A and B" },
		{ { "a.dat", "b.dat", "c.dat" }, "two profiles, not 'c.dat' too" },
		{ { "--func", "f", "a.dat", "b.dat" },
		  "option --func: it qualifies the --max-increase that follows it, and none does" },
		{ { "--max-increase", "5", "--exact", "a.dat", "b.dat" },
		  "option --exact: it qualifies the --max-increase that follows it, and none does" },
		{ { "--max-increase", "ten", "a.dat", "b.dat" },
		  "option --max-increase: 'ten' is not a percentage (10, 10%, 2.5, -5)" },
		{ { "--func", "", "--max-increase", "1", "a.dat", "b.dat" },
		  "option --func: a function name is needed (as in FUNC records, e.g. __main__.grow)" },
	};
	char *dir = tl_tmpdir();
	struct tl_result r;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *argv[10] = { "mprof", "diff" };
		char *want = fmt("mprof diff: %s\nTry 'mprof diff --help' for more information.\n", cases[i].msg);

		for (int k = 0; k < 6 && cases[i].args[k]; k++)
			argv[2 + k] = cases[i].args[k];
		tl_run_env(&r, dir, NULL, 0, argv);
		expect(&r, 2, want);
		ck_assert_str_eq(r.out, "");
		free(want);
		tl_result_free(&r);
	}
	/* unreadable profiles: 1, naming the file; indices resolve, and a
	 * profile compared with itself changes by nothing */
	tl_run(&r, dir, "mprof", "diff", "nosuch.dat", "other.dat");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "nosuch.dat"), "%s", r.err);
	tl_result_free(&r);
	{
		char *p = tl_path(dir, "mprofile_20250101000000.dat");

		tl_write_file(p, "MEM 10.0 1000.0\nMEM 20.0 1001.0\n");
		tl_run(&r, dir, "mprof", "diff", "--max-increase", "0", "0", "-1");
		expect(&r, 0, "");
		ck_assert_msg(strstr(r.out, "A: mprofile_20250101000000.dat\nB: mprofile_20250101000000.dat\n"),
			      "%s", r.out);
		tl_result_free(&r);
		tl_run(&r, dir, "mprof", "diff", "0", "5");
		ck_assert_int_eq(r.status, 1);
		tl_result_free(&r);
		free(p);
	}
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- mprof run ---- */

/* "mprof: FILE: D s, N samples, peak P MiB (exact E MiB)" against the file */
static void check_end_line(const char *err, const char *path)
{
	char *want = fmt("mprof: %s: ", path), *line = strstr(err, want), tail[64];
	double dur, peak, exact;
	unsigned long n;
	struct facts f;

	ck_assert_msg(line, "no end line in: %s", err);
	ck_assert_msg(sscanf(line + strlen(want), "%lf s, %lu sample", &dur, &n) == 2, "%s", line);
	ck_assert_msg(strstr(line, n == 1 ? " sample, peak " : " samples, peak "), "%s", line);
	ck_assert_msg(sscanf(strstr(line, ", peak "), ", peak %lf MiB (exact %lf MiB%63[)]", &peak, &exact, tail) == 3,
		      "%s", line);
	read_facts(path, &f);
	ck_assert_int_eq((long)n, f.mem);
	ck_assert_double_eq_tol(peak, f.mem_max, 0.0006);
	ck_assert_double_eq_tol(exact, f.peak_max, 0.0006);
	ck_assert(dur >= 0);
	free(want);
}

START_TEST(test_run_max)
{
	static const struct {
		const char *max;
		const char *exit_n;  /* the program's */
		bool e;              /* -E */
		int status;
		bool over;
	} cases[] = {
		{ "2G", "0", false, 0, false },
		{ "20M", "0", false, 1, true },
		{ "20M", "0", true, 1, true },
		{ "20M", "3", true, 3, true },
		{ "2G", "3", true, 3, false },
		{ "20M", "3", false, 1, true },
	};
	char *dir = tl_tmpdir(), *out = tl_path(dir, "r.dat"), *want;
	struct tl_result r;
	struct facts f;

	if (cases[_i].e)
		tl_run(&r, dir, "mprof", "run", "-E", "-T", "0.05", "--max", cases[_i].max, "-o", out, MW, "alloc",
		       "40", "sleep", "1000", "exit", cases[_i].exit_n);
	else
		tl_run(&r, dir, "mprof", "run", "-T", "0.05", "--max", cases[_i].max, "-o", out, MW, "alloc", "40",
		       "sleep", "1000", "exit", cases[_i].exit_n);
	ck_assert_msg(r.status == cases[_i].status, "status %d: %s", r.status, r.err);
	check_end_line(r.err, out);
	read_facts(out, &f);
	ck_assert_msg(f.mem_max >= 40, "peak %.3f MiB: the 40 MiB were not sampled", f.mem_max);
	want = fmt("mprof: %s: peak %.3f MiB is over the budget of 20.000 MiB (20M)\n", out, f.mem_max);
	ck_assert_msg((strstr(r.err, want) != NULL) == cases[_i].over, "%s", r.err);
	free(want);
	tl_result_free(&r);
	free(out);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_run_kill_above)
{
	static const struct {
		bool ignore_term;
		bool e;
		int status;
		int sig;
	} cases[] = {
		{ false, false, 1, 15 },
		{ true, false, 1, 9 },
		{ false, true, 128 + 15, 15 },
	};
	char *dir = tl_tmpdir(), *out = tl_path(dir, "k.dat"), *want;
	const char *argv[20] = { "mprof", "run" };
	struct tl_result r;
	struct profile_reader pr;
	struct record rec;
	struct facts f;
	int n = 2, rc;

	if (cases[_i].e)
		argv[n++] = "-E";
	for (const char *const *a = (const char *const[]){ "-T", "0.02", "--kill-above", "30M", "-o", out, MW,
							   NULL }; *a; a++)
		argv[n++] = *a;
	if (cases[_i].ignore_term) {
		argv[n++] = "ignore";
		argv[n++] = "15";
	}
	for (const char *const *a = (const char *const[]){ "alloc", "50", "sleep", "60000", NULL }; *a; a++)
		argv[n++] = *a;
	tl_run_env(&r, dir, NULL, 60, argv);
	ck_assert_msg(r.status == cases[_i].status, "status %d: %s", r.status, r.err);
	read_facts(out, &f);
	ck_assert_int_eq(f.marks, 1);
	ck_assert_str_eq(f.mark, "killed-above-30MiB");
	ck_assert_str_eq(f.exit_how, "signal");
	ck_assert_int_eq(f.exit_status, cases[_i].sig);
	want = fmt("mprof: %s: killed at ", out);
	ck_assert_msg(strstr(r.err, want), "%s", r.err);
	ck_assert_msg(strstr(r.err, ", over the limit of 30.000 MiB (30M)\n"), "%s", r.err);
	free(want);
	check_end_line(r.err, out);
	/* the file reads whole */
	ck_assert_int_eq(profile_reader_open(&pr, out), 0);
	while ((rc = profile_reader_next(&pr, &rec)) == 1)
		;
	ck_assert_msg(rc == 0, "%s: %s", out, error_last());
	ck_assert(!pr.incomplete_tail);
	profile_reader_close(&pr);
	tl_result_free(&r);
	free(out);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_run_quiet)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "q.dat");
	struct tl_result r;

	tl_run(&r, dir, "mprof", "run", "--quiet", "--max", "2G", "-o", out, MW, "alloc", "5", "sleep", "150");
	expect(&r, 0, "");
	tl_result_free(&r);
	unlink(out);
	tl_run(&r, dir, "mprof", "run", "-q", "--max", "1M", "-o", out, MW, "alloc", "5", "sleep", "150");
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(tl_count_prefix(r.err, "mprof: "), 1); /* the budget's line only */
	ck_assert_msg(strstr(r.err, "is over the budget of 1.000 MiB (1M)"), "%s", r.err);
	tl_result_free(&r);
	unlink(out);
	tl_run(&r, dir, "mprof", "run", "-o", out, MW, "alloc", "5", "sleep", "150");
	expect(&r, 0, NULL);
	ck_assert_msg(strstr(r.err, "mprof: Sampling memory every 0.1s\n"), "%s", r.err);
	ck_assert_msg(strstr(r.err, "mprof: running '"), "%s", r.err);
	check_end_line(r.err, out);
	tl_result_free(&r);
	free(out);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

static Suite *budget_cli_suite(void)
{
	Suite *s = suite_create("budget_cli");
	TCase *tc = tcase_create("commands");

	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_bad_size, 0, (int)ARRAY_SIZE(bad_sizes));
	tcase_add_test(tc, test_peak_max);
	tcase_add_test(tc, test_peak_exact);
	tcase_add_test(tc, test_peak_func);
	tcase_add_loop_test(tc, test_summary, 0, 3);
	tcase_add_test(tc, test_summary_errors);
	tcase_add_test(tc, test_diff_budgets);
	tcase_add_test(tc, test_diff_json_junit);
	tcase_add_test(tc, test_diff_errors);
	tcase_add_loop_test(tc, test_run_max, 0, 6);
	tcase_add_loop_test(tc, test_run_kill_above, 0, 3);
	tcase_add_test(tc, test_run_quiet);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(budget_cli_suite());
}
