/* mprof summary's engine: every figure checked against an independent reading
 * of the same file (a plain line parser and brute force, below), the slope
 * against the plot's, the JSON read back by Python's json module, records in
 * any order, the second pass over samples inside calls, and the errors. */
#include "testlib.h"

#include "json.h"
#include "peak.h"
#include "plot_model.h"
#include "profile.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fixtures[] = {
	"plain.dat", "details-nested.dat", "legacy-5field-func.dat", "multiprocess.dat",
	"include-children.dat", "steps-10ms.dat", "no-samples.dat",
};

/* ---- the independent reading ---- */

#define OR_MAX 256

struct or_func {
	char name[128];
	int calls;
	double total, incr;
	double s[OR_MAX], e[OR_MAX];
};

struct oracle {
	size_t nmem, npts;
	double mt[8192], mv[8192];   /* MEM samples */
	double pt[8192], pv[8192];   /* the plot's points: MEM and calls' ends */
	int nfunc;
	struct or_func f[8];
	int nchild;
	long pid[16];
	int csamples[16];
	double cpeak[16];
	int runs;
};

static void or_point(struct oracle *o, double t, double v)
{
	ck_assert_uint_lt(o->npts, ARRAY_SIZE(o->pt));
	o->pt[o->npts] = t;
	o->pv[o->npts++] = v;
}

static struct or_func *or_func(struct oracle *o, const char *name)
{
	for (int i = 0; i < o->nfunc; i++)
		if (strcmp(o->f[i].name, name) == 0)
			return &o->f[i];
	ck_assert_int_lt(o->nfunc, (int)ARRAY_SIZE(o->f));
	snprintf(o->f[o->nfunc].name, sizeof(o->f[0].name), "%s", name);
	return &o->f[o->nfunc++];
}

static void or_child(struct oracle *o, long pid, double v)
{
	int i = 0;

	while (i < o->nchild && o->pid[i] != pid)
		i++;
	if (i == o->nchild) {
		ck_assert_int_lt(o->nchild, 16);
		o->pid[o->nchild] = pid;
		o->cpeak[o->nchild++] = v;
	}
	o->csamples[i]++;
	if (v > o->cpeak[i])
		o->cpeak[i] = v;
}

static void oracle_read(struct oracle *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096], name[128];
	double a, b, c, d;
	long pid;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	memset(o, 0, sizeof(*o));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MEM %lf %lf", &a, &b) == 2) {
			ck_assert_uint_lt(o->nmem, ARRAY_SIZE(o->mt));
			o->mt[o->nmem] = b;
			o->mv[o->nmem++] = a;
			or_point(o, b, a);
		} else if (sscanf(line, "FUNC %127s %lf %lf %lf %lf", name, &a, &b, &c, &d) == 5) {
			struct or_func *fn = or_func(o, name);

			ck_assert_int_lt(fn->calls, OR_MAX);
			fn->s[fn->calls] = b;
			fn->e[fn->calls++] = d;
			fn->total += d - b;
			fn->incr += c - a;
			or_point(o, b, a);
			or_point(o, d, c);
		} else if (sscanf(line, "CHLD %ld %lf %lf", &pid, &a, &b) == 3) {
			or_child(o, pid, a);
		} else if (strncmp(line, "CMDLINE ", 8) == 0) {
			o->runs++;
		}
	}
	fclose(f);
}

static double or_start(const struct oracle *o)
{
	double s = INFINITY;

	for (size_t i = 0; i < o->npts; i++)
		s = fmin(s, o->pt[i]);
	return s;
}

static double or_end(const struct oracle *o)
{
	double e = -INFINITY;

	for (size_t i = 0; i < o->npts; i++)
		e = fmax(e, o->pt[i]);
	return e;
}

/* Least squares about the means, in long double, over the MEM samples (the
 * line the plot draws: calls' ends place brackets, not points). */
static double or_slope(const struct oracle *o)
{
	long double mt = 0, mv = 0, sxx = 0, sxy = 0, n = (long double)o->nmem;

	for (size_t i = 0; i < o->nmem; i++) {
		mt += o->mt[i];
		mv += o->mv[i];
	}
	mt /= n;
	mv /= n;
	for (size_t i = 0; i < o->nmem; i++) {
		sxx += (o->mt[i] - mt) * (o->mt[i] - mt);
		sxy += (o->mt[i] - mt) * (o->mv[i] - mv);
	}
	return (double)(sxy / sxx);
}

/* The highest MEM sample inside one of fn's calls, by brute force. */
static double or_func_peak(const struct oracle *o, const struct or_func *fn)
{
	double p = NAN;

	for (size_t i = 0; i < o->nmem; i++)
		for (int k = 0; k < fn->calls; k++)
			if (o->mt[i] >= fn->s[k] && o->mt[i] <= fn->e[k] && (isnan(p) || o->mv[i] > p))
				p = o->mv[i];
	return p;
}

static void assert_close(double got, double want, double tol, const char *what)
{
	if (isnan(want))
		ck_assert_msg(isnan(got), "%s: %.9g, expected none", what, got);
	else
		ck_assert_msg(fabs(got - want) <= tol * fmax(1, fabs(want)), "%s: %.12g, expected %.12g", what,
			      got, want);
}

static const struct summary_func *find_func(const struct summary *s, const char *name)
{
	for (size_t i = 0; i < s->nfuncs; i++)
		if (strcmp(s->funcs[i].name, name) == 0)
			return &s->funcs[i];
	return NULL;
}

static void check_against_oracle(const struct summary *s, const struct oracle *o)
{
	double start = or_start(o), peak = -INFINITY, peak_t = 0, final_t = -INFINITY, final = NAN;
	double initial_t = INFINITY, initial = NAN;
	long double sum = 0;

	ck_assert_uint_eq(s->samples, o->nmem);
	ck_assert_uint_eq(s->runs, (unsigned)o->runs);
	for (size_t i = 0; i < o->nmem; i++) {
		sum += o->mv[i];
		if (o->mv[i] > peak || (o->mv[i] == peak && o->mt[i] < peak_t)) {
			peak = o->mv[i];
			peak_t = o->mt[i];
		}
		if (o->mt[i] < initial_t) {
			initial_t = o->mt[i];
			initial = o->mv[i];
		}
		if (o->mt[i] >= final_t) {
			final_t = o->mt[i];
			final = o->mv[i];
		}
	}
	if (!o->npts) {
		ck_assert(isnan(s->start_unix) && isnan(s->duration) && isnan(s->peak.mib));
		ck_assert(isnan(s->mean) && isnan(s->final) && isnan(s->initial) && isnan(s->slope));
		return;
	}
	ck_assert(s->start_unix == start);
	assert_close(s->duration, or_end(o) - start, 1e-12, "duration");
	ck_assert(s->peak.mib == peak);
	assert_close(s->peak.t, peak_t - start, 1e-12, "peak time");
	assert_close(s->mean, (double)(sum / (long double)o->nmem), 1e-12, "mean");
	ck_assert(s->final == final);
	ck_assert(s->initial == initial);
	assert_close(s->slope, or_slope(o), 1e-7, "slope");
	ck_assert_uint_eq(s->nfuncs, (size_t)o->nfunc);
	for (int i = 0; i < o->nfunc; i++) {
		const struct summary_func *f = find_func(s, o->f[i].name);

		ck_assert_msg(f != NULL, "no row for %s", o->f[i].name);
		ck_assert_uint_eq(f->calls, (unsigned long)o->f[i].calls);
		assert_close(f->total, o->f[i].total, 1e-9, "total");
		assert_close(f->increment, o->f[i].incr, 1e-9, "increment");
		assert_close(f->peak, or_func_peak(o, &o->f[i]), 0, o->f[i].name);
		ck_assert(isnan(f->exact_peak));
	}
	ck_assert_uint_eq(s->nchildren, (size_t)o->nchild);
	for (int i = 0; i < o->nchild; i++) {
		size_t k = 0;

		while (k < s->nchildren && s->children[k].pid != o->pid[i])
			k++;
		ck_assert_msg(k < s->nchildren, "no row for child %ld", o->pid[i]);
		ck_assert_uint_eq(s->children[k].samples, (unsigned long)o->csamples[i]);
		ck_assert(s->children[k].peak.mib == o->cpeak[i]);
	}
}

START_TEST(test_fixture_figures)
{
	char *path = tl_fixture(fixtures[_i]);
	struct summary s;
	struct oracle *o = malloc(sizeof(*o));

	ck_assert_ptr_nonnull(o);
	oracle_read(o, path);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	check_against_oracle(&s, o);
	ck_assert(s.func_peaks_sampled);
	ck_assert(!s.exit.set);          /* the Python tool writes no EXIT */
	ck_assert(isnan(s.exact_peak.mib));
	for (size_t i = 1; i < s.nchildren; i++)
		ck_assert_int_lt(s.children[i - 1].pid, s.children[i].pid);
	for (size_t i = 1; i < s.nfuncs; i++)
		ck_assert(s.funcs[i - 1].first <= s.funcs[i].first);
	summary_release(&s);
	free(o);
	free(path);
}
END_TEST

/* The slope is the one `mprof plot --slope` draws, to the last bit. */
START_TEST(test_slope_is_the_plots)
{
	char *path = tl_fixture(fixtures[_i]);
	struct plot_options opt = { .slope = true };
	struct plot_model m;
	struct summary s;
	double a, b;

	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	if (!s.samples) {
		ck_assert(isnan(s.slope));
	} else {
		ck_assert_int_eq(plot_model_read(&m, path, &opt, PLOT_DEFAULT_BUCKETS), 0);
		ck_assert(plot_series_trend(&m.main, &a, &b));
		ck_assert_msg(s.slope == b, "%s: slope %.17g, the plot's %.17g", fixtures[_i], s.slope, b);
		plot_model_release(&m);
	}
	summary_release(&s);
	free(path);
}
END_TEST

/* A function's peak is what `mprof peak --func` says, and the run's peak
 * what `mprof peak` says, with its children's. */
START_TEST(test_peaks_are_mprof_peaks)
{
	char *path = tl_fixture(fixtures[_i]);
	struct summary s;
	struct peak p;

	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	ck_assert_int_eq(peak_read(&p, path, NULL), 0);
	ck_assert(s.peak.mib == p.mem || (isnan(s.peak.mib) && isnan(p.mem)));
	ck_assert_uint_eq(s.samples, p.samples);
	ck_assert_uint_eq(s.nchildren, p.nchildren);
	for (size_t i = 0; i < p.nchildren; i++) {
		size_t k = 0;

		while (k < s.nchildren && s.children[k].pid != p.children[i].pid)
			k++;
		ck_assert(k < s.nchildren && s.children[k].peak.mib == p.children[i].mem);
	}
	peak_release(&p);
	for (size_t i = 0; i < s.nfuncs; i++) {
		error_set_quiet(true); /* "no sample inside" is a warning there */
		ck_assert_int_eq(peak_read(&p, path, s.funcs[i].name), 0);
		error_set_quiet(false);
		ck_assert_msg(s.funcs[i].peak == p.mem || (isnan(s.funcs[i].peak) && isnan(p.mem)),
			      "%s: %g, mprof peak --func: %g", s.funcs[i].name, s.funcs[i].peak, p.mem);
		ck_assert_uint_eq(s.funcs[i].calls, p.calls);
		peak_release(&p);
	}
	summary_release(&s);
	free(path);
}
END_TEST

/* ---- JSON, read back by Python ---- */

static const char json_check_py[] =
	"import json, sys\n"
	"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"keys = {'format', 'version', 'file', 'command', 'runs', 'start_unix', 'duration_s', 'samples',\n"
	"        'peak', 'exact_peak', 'mean_mib', 'initial_mib', 'final_mib', 'slope_mib_per_s', 'exit',\n"
	"        'function_peaks_sampled', 'functions', 'markers', 'children'}\n"
	"assert set(d) == keys, set(d) ^ keys\n"
	"assert d['format'] == 'mprof-summary' and d['version'] == 1\n"
	"N = (int, float)\n"
	"def num(v, none=True):\n"
	"    assert (none and v is None) or (isinstance(v, N) and not isinstance(v, bool)), v\n"
	"    return 'none' if v is None else repr(float(v))\n"
	"def point(p):\n"
	"    if p is None: return 'none none'\n"
	"    assert set(p) == {'mib', 'at_s'}, p\n"
	"    return num(p['mib'], False) + ' ' + num(p['at_s'], False)\n"
	"assert isinstance(d['samples'], int) and isinstance(d['runs'], int)\n"
	"assert d['exit'] is None or set(d['exit']) == {'how', 'status', 'at_s'}\n"
	"print('samples', d['samples'])\n"
	"print('peak', point(d['peak']))\n"
	"print('exact', point(d['exact_peak']))\n"
	"for k in ('start_unix', 'duration_s', 'mean_mib', 'initial_mib', 'final_mib', 'slope_mib_per_s'):\n"
	"    print(k, num(d[k]))\n"
	"fk = {'name', 'calls', 'unfinished', 'first_s', 'total_s', 'peak_mib', 'exact_peak_mib',\n"
	"      'increment_mib'}\n"
	"for f in d['functions']:\n"
	"    assert set(f) == fk, set(f) ^ fk\n"
	"    print('func', f['calls'], num(f['total_s'], False), num(f['peak_mib']),\n"
	"          num(f['increment_mib'], False), f['name'])\n"
	"for m in d['markers']:\n"
	"    assert set(m) == {'label', 'count', 'first_s', 'first_mib', 'peak_mib'}, m\n"
	"    print('mark', m['count'], num(m['first_s']), num(m['peak_mib']), m['label'])\n"
	"for c in d['children']:\n"
	"    assert set(c) == {'pid', 'command', 'samples', 'peak', 'exact_peak'}, c\n"
	"    print('child', c['pid'], c['samples'], point(c['peak']), point(c['exact_peak']),\n"
	"          c['command'])\n";

static void write_json(const struct summary *s, const char *path)
{
	FILE *f = fopen(path, "w");
	struct json j;

	ck_assert_ptr_nonnull(f);
	json_init(&j, f);
	summary_json(s, &j);
	json_finish(&j);
	ck_assert_int_eq(fclose(f), 0);
}

/* The value Python printed after "key " on its own line. */
static double py_value(const char *out, const char *key)
{
	char *pat = xasprintf("\n%s ", key);
	const char *p = str_starts_with(out, pat + 1) ? out - 1 : strstr(out, pat);
	double v;

	ck_assert_msg(p != NULL, "no '%s' in:\n%s", key, out);
	p += strlen(pat);
	free(pat);
	if (str_starts_with(p, "none"))
		return NAN;
	ck_assert_int_eq(sscanf(p, "%lf", &v), 1);
	return v;
}

START_TEST(test_json_python)
{
	char *path = tl_fixture(fixtures[_i]), *dir, *jpath;
	struct oracle *o = malloc(sizeof(*o));
	struct tl_result r;
	struct summary s;

	if (!tl_have_python_json_xml()) {
		free(o);
		free(path);
		return;
	}
	dir = tl_tmpdir();
	jpath = tl_path(dir, "s.json");
	oracle_read(o, path);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	write_json(&s, jpath);
	tl_run(&r, NULL, "python3", "-c", json_check_py, jpath);
	ck_assert_msg(r.status == 0, "python3: %s", r.err);
	ck_assert_int_eq((int)py_value(r.out, "samples"), (int)o->nmem);
	assert_close(py_value(r.out, "slope_mib_per_s"), o->nmem > 1 ? or_slope(o) : NAN, 1e-5, "json slope");
	assert_close(py_value(r.out, "duration_s"), o->npts ? or_end(o) - or_start(o) : NAN, 1e-6, "json duration");
	assert_close(py_value(r.out, "peak"), s.peak.mib, 1e-6, "json peak");
	assert_close(py_value(r.out, "mean_mib"), s.mean, 1e-6, "json mean");
	ck_assert_int_eq(tl_count_prefix(r.out, "func "), o->nfunc);
	ck_assert_int_eq(tl_count_prefix(r.out, "child "), o->nchild);
	for (const char *p = strstr(r.out, "func "); p; p = strstr(p + 1, "\nfunc ")) {
		char name[128], peak[32];
		int calls;
		double total, incr;
		const struct summary_func *f;

		p += *p == '\n';
		ck_assert_int_eq(sscanf(p, "func %d %lf %31s %lf %127s", &calls, &total, peak, &incr, name), 5);
		f = find_func(&s, name);
		ck_assert_msg(f != NULL, "JSON names %s, the summary does not", name);
		ck_assert_int_eq(calls, (int)f->calls);
		assert_close(total, f->total, 1e-6, "json total");
		assert_close(incr, f->increment, 1e-6, "json increment");
		assert_close(strcmp(peak, "none") ? strtod(peak, NULL) : NAN, f->peak, 1e-6, "json func peak");
	}
	tl_result_free(&r);
	summary_release(&s);
	tl_rmrf(dir);
	free(jpath);
	free(dir);
	free(o);
	free(path);
}
END_TEST

/* ---- a profile with every record, its answers known by construction ---- */

/* Times are quarters of a second and memory halves of a MiB, so that every
 * sum is exact whatever the order of the records. */
static const char *const every_record[] = {
	"CMDLINE ./prog a 'b c'",
	"MPROF 1 0.1.0 backend=rss interval=0.25 mode=children pid=100",
	"MEM 10 1000.00",
	"MEM 20 1000.25",
	"MEM 60 1000.50",
	"MEM 30 1000.75",
	"MEM 40 1001.00",
	"MEM 80 1001.25",
	"MEM 80 1001.50",
	"MEM 50 1001.75",
	"MEM 12.5 1002.00",
	"FUNC load 20 1000.25 40 1001.00 0",
	"FUNC load 40 1001.00 80 1001.50 0",
	"FUNC parse\\x20step 60 1000.50 30 1000.75 1",
	"FUNC gap 12.5 1001.625 12.5 1001.6875 0 unfinished",
	"FUNC ctl\\x01x 80 1001.25 80 1001.25 1",
	"MARK go 10 1000.00",
	"MARK half\\x20way 60 1000.50",
	"MARK go 80 1001.50",
	"PEAK 85.5 1001.25",
	"PEAK 90 1001.375",
	"CHLD 200 5 1000.25",
	"CHLD 200 7.5 1000.75",
	"CHLDPEAK 200 8 1000.875",
	"CHLDCMD 200 my\\x20child",
	"CHLD 150 3 1000.50",
	"EXIT 1002.25 signal 9",
};

/* Write the lines of every_record in the order of idx. */
static void write_lines(const char *path, const size_t *idx)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < ARRAY_SIZE(every_record); i++)
		fprintf(f, "%s\n", every_record[idx ? idx[i] : i]);
	ck_assert_int_eq(fclose(f), 0);
}

static void check_every_record(const struct summary *s)
{
	const struct summary_func *f;

	ck_assert_str_eq(s->command, "./prog a 'b c'");
	ck_assert_uint_eq(s->runs, 1);
	ck_assert(s->start_unix == 1000.0);
	ck_assert(s->duration == 2.0);
	ck_assert_uint_eq(s->samples, 9);
	ck_assert(s->peak.mib == 80 && s->peak.t == 1.25);  /* the first of two */
	ck_assert(s->exact_peak.mib == 90 && s->exact_peak.t == 1.375);
	ck_assert(s->mean == 382.5 / 9);
	ck_assert(s->final == 12.5 && s->initial == 10);
	ck_assert(s->exit.set && strcmp(s->exit.how, "signal") == 0 && s->exit.status == 9);
	ck_assert(s->exit.t == 2.25);
	ck_assert(s->func_peaks_sampled);
	ck_assert_uint_eq(s->nfuncs, 4);
	/* by their first call */
	ck_assert_str_eq(s->funcs[0].name, "load");
	ck_assert_str_eq(s->funcs[1].name, "parse step");
	ck_assert_str_eq(s->funcs[2].name, "ctl\001x");
	ck_assert_str_eq(s->funcs[3].name, "gap");
	f = &s->funcs[0];
	ck_assert(f->calls == 2 && f->total == 1.25 && f->increment == 60 && f->first == 0.25);
	ck_assert(f->peak == 80 && f->unfinished == 0 && isnan(f->exact_peak));
	f = &s->funcs[1];
	ck_assert(f->calls == 1 && f->total == 0.25 && f->increment == -30 && f->peak == 60);
	f = &s->funcs[2];
	ck_assert(f->calls == 1 && f->total == 0 && f->peak == 80);  /* a sample at its instant */
	f = &s->funcs[3];
	ck_assert(f->calls == 1 && f->unfinished == 1 && isnan(f->peak)); /* no sample inside */
	ck_assert_ptr_eq(summary_find_func(s, "parse step"), &s->funcs[1]);
	ck_assert_ptr_null(summary_find_func(s, "parse"));
	ck_assert_uint_eq(s->nmarks, 2);
	ck_assert_str_eq(s->marks[0].label, "go");
	ck_assert(s->marks[0].count == 2 && s->marks[0].first == 0 && s->marks[0].first_mib == 10);
	ck_assert(s->marks[0].peak == 80);
	ck_assert_str_eq(s->marks[1].label, "half way");
	ck_assert(s->marks[1].count == 1 && s->marks[1].first == 0.5 && s->marks[1].peak == 60);
	ck_assert_uint_eq(s->nchildren, 2);
	ck_assert(s->children[0].pid == 150 && s->children[0].samples == 1 && !s->children[0].command);
	ck_assert(s->children[0].peak.mib == 3 && s->children[0].peak.t == 0.5);
	ck_assert(isnan(s->children[0].exact_peak.mib));
	ck_assert(s->children[1].pid == 200 && s->children[1].samples == 2);
	ck_assert_str_eq(s->children[1].command, "my child");
	ck_assert(s->children[1].peak.mib == 7.5 && s->children[1].peak.t == 0.75);
	ck_assert(s->children[1].exact_peak.mib == 8 && s->children[1].exact_peak.t == 0.875);
}

static char *json_text(const struct summary *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	ck_assert_ptr_nonnull(f);
	json_init(&j, f);
	summary_json(s, &j);
	json_finish(&j);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

START_TEST(test_every_record)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat");
	struct oracle *o = malloc(sizeof(*o));
	struct summary s;

	write_lines(path, NULL);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	check_every_record(&s);
	/* the slope over the samples, independently */
	oracle_read(o, path);
	assert_close(s.slope, or_slope(o), 1e-12, "slope");
	summary_release(&s);
	tl_rmrf(dir);
	free(o);
	free(path);
	free(dir);
}
END_TEST

/* The same answers, to the last digit of the JSON, in any order of records. */
START_TEST(test_any_order)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *want, *got;
	size_t n = ARRAY_SIZE(every_record), idx[ARRAY_SIZE(every_record)];
	struct summary s;

	write_lines(path, NULL);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	want = json_text(&s);
	summary_release(&s);
	srand(15);
	for (int round = 0; round < 12; round++) {
		for (size_t i = 0; i < n; i++)
			idx[i] = round == 0 ? n - 1 - i : i;   /* reversed: calls before samples */
		for (size_t i = n - 1; round > 0 && i > 0; i--) {
			size_t k = (size_t)rand() % (i + 1), t = idx[i];

			idx[i] = idx[k];
			idx[k] = t;
		}
		write_lines(path, idx);
		ck_assert_int_eq(summary_read(&s, path, 0), 0);
		check_every_record(&s);
		got = json_text(&s);
		ck_assert_str_eq(got, want);
		free(got);
		summary_release(&s);
	}
	free(want);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* Without call peaks: one pass, nothing kept per call, the rest the same. */
START_TEST(test_no_call_peaks)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat");
	struct summary s, full;

	write_lines(path, NULL);
	ck_assert_int_eq(summary_read(&full, path, 0), 0);
	error_set_quiet(true);
	ck_assert_int_eq(summary_read(&s, path, SUMMARY_NO_CALL_PEAKS), 0);
	error_set_quiet(false);
	ck_assert(!s.func_peaks_sampled);
	ck_assert_uint_eq(s.nfuncs, full.nfuncs);
	for (size_t i = 0; i < s.nfuncs; i++) {
		ck_assert_str_eq(s.funcs[i].name, full.funcs[i].name);
		ck_assert(isnan(s.funcs[i].peak));
		ck_assert(s.funcs[i].calls == full.funcs[i].calls && s.funcs[i].total == full.funcs[i].total);
		ck_assert(s.funcs[i].increment == full.funcs[i].increment);
	}
	ck_assert(s.peak.mib == full.peak.mib && s.slope == full.slope && s.duration == full.duration);
	ck_assert(s.exact_peak.mib == full.exact_peak.mib && s.nmarks == full.nmarks);
	ck_assert(s.nchildren == full.nchildren && s.exit.status == full.exit.status);
	summary_release(&s);
	summary_release(&full);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* The FIFO fifo made, and a new program (nothing of this one's heap in the
 * writer) started that copies src into it. */
static pid_t fifo_fed(const char *dir, const char *fifo, const char *src)
{
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	return TL_START(dir, "/bin/sh", "-c", "exec cat \"$0\" > \"$1\"", src, fifo);
}

/* A pipe is read once: every figure but the peaks inside functions. */
START_TEST(test_fifo_read_once)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.fifo"), *src = tl_path(dir, "p.dat");
	struct summary s;
	pid_t pid;

	write_lines(src, NULL);
	pid = fifo_fed(dir, path, src);
	error_set_quiet(true);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	error_set_quiet(false);
	ck_assert_int_eq(tl_wait(pid, 60), 0);
	ck_assert_ptr_nonnull(strstr(error_last(), "not a regular file"));
	ck_assert(!s.func_peaks_sampled);
	ck_assert(isnan(s.funcs[0].peak));
	ck_assert(s.peak.mib == 80 && s.samples == 9 && s.funcs[0].calls == 2);
	summary_release(&s);
	tl_rmrf(dir);
	free(src);
	free(path);
	free(dir);
}
END_TEST

/* A file large enough to be read on every core, its samples handed out in
 * runs: the same summary, to the last digit of the JSON, as read through a
 * FIFO (one thread, record by record). */
static void summary_of(const char *path, struct summary *s)
{
	error_set_quiet(true);
	ck_assert_int_eq(summary_read(s, path, SUMMARY_NO_CALL_PEAKS), 0);
	error_set_quiet(false);
}

START_TEST(test_runs_same_as_serial)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *fifo = tl_path(dir, "p.fifo"), *want, *got;
	FILE *f = fopen(path, "w");
	struct summary s;
	uint64_t x = 88172645463325252ull;
	pid_t pid;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE prog\n");
	for (int i = 0; i < 400000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fprintf(f, "MEM %.4f %.4f\n", (double)(x % 1000000) / 997.0, 1700000000.0 + i * 0.01);
		if (i % 997 == 0)
			fprintf(f, "MARK m%d %.4f %.4f\n", i % 5, (double)(x % 5000) / 7.0, 1700000000.0 + i * 0.01);
		if (i % 1499 == 0)
			fprintf(f, "FUNC f%d %.4f %.4f %.4f %.4f 0\n", i % 3, 1.0, 1700000000.0 + i * 0.01, 2.0,
				1700000000.0 + i * 0.01 + 0.5);
	}
	ck_assert_int_eq(fclose(f), 0);
	summary_of(path, &s);
	ck_assert_uint_eq(s.samples, 400000);
	got = json_text(&s);
	summary_release(&s);
	pid = fifo_fed(dir, fifo, path);
	summary_of(fifo, &s);
	ck_assert_int_eq(tl_wait(pid, 60), 0);
	want = json_text(&s);
	summary_release(&s);
	/* the path differs: compare from the first figure on */
	ck_assert_str_eq(strstr(got, "\"samples\""), strstr(want, "\"samples\""));
	free(got);
	free(want);
	tl_rmrf(dir);
	free(fifo);
	free(path);
	free(dir);
}
END_TEST

static const struct {
	const char *content;
	const char *message; /* after "DIR/p.dat" */
} bad_files[] = {
	{ "CMDLINE x\nMEM 1 1000\nMEM -1 1001\n", ":3: " },
	{ "CMDLINE x\nFUNC f 1 1002 1 1001 0\n", ":2: " },
	{ "MEM 1 1000\nEXIT 1001 exit 300\n", ":2: " },
};

START_TEST(test_bad_files)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *want;
	struct summary s;

	tl_write_file(path, bad_files[_i].content);
	want = xasprintf("%s%s", path, bad_files[_i].message);
	error_set_quiet(true);
	ck_assert_int_eq(summary_read(&s, path, 0), -1);
	ck_assert_msg(str_starts_with(error_last(), want), "'%s' does not start with '%s'", error_last(), want);
	summary_release(&s); /* harmless after a failure */
	unlink(path);
	ck_assert_int_eq(summary_read(&s, path, 0), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "cannot open"));
	error_set_quiet(false);
	tl_rmrf(dir);
	free(want);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_appended_and_empty)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat");
	struct summary s;

	tl_write_file(path, "CMDLINE first\nMEM 5 1000\nEXIT 1010.5 exit 0\n"
			    "CMDLINE second\nMEM 7 1010\nEXIT 1000.5 exit 3\n");
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	ck_assert_uint_eq(s.runs, 2);
	ck_assert_str_eq(s.command, "first");
	ck_assert(s.exit.status == 0 && s.exit.t == 10.5);   /* the last run's, by time */
	ck_assert(s.duration == 10 && s.final == 7);
	summary_release(&s);
	tl_write_file(path, "");
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	ck_assert(s.samples == 0 && !s.command && isnan(s.peak.mib) && isnan(s.start_unix));
	ck_assert(!s.nfuncs && !s.nmarks && !s.nchildren && !s.exit.set && s.func_peaks_sampled);
	summary_release(&s);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_text_output)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct summary s;
	static const char *const want[] = {
		"  command     ./prog a 'b c'\n",
		"  duration    2.000 s\n",
		"  samples     9\n",
		"  peak        80.000 MiB at 1.250 s\n",
		"  exact peak  90.000 MiB at 1.375 s\n",
		"  mean        42.500 MiB\n",
		"  initial     10.000 MiB\n",
		"  final       12.500 MiB\n",
		"  exit        killed by signal 9 at 2.250 s\n",
		"         2      1.250     80.000        +60.000  load\n",
		"         1      0.250     60.000        -30.000  parse step\n",
		"         1      0.000     80.000         +0.000  ctl\\x01x\n",
		"         1      0.062          -         +0.000  gap (1 unfinished)\n",
		"         2      0.000     10.000     80.000  go\n",
		"         1      0.500     60.000     60.000  half way\n",
		"       200        2      7.500      0.750      8.000  my child\n",
		"       150        1      3.000      0.500          -  \n",
	};

	ck_assert_ptr_nonnull(f);
	write_lines(path, NULL);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	summary_print_text(&s, f);
	ck_assert_int_eq(fclose(f), 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_msg(strstr(buf, want[i]), "no line '%s' in:\n%s", want[i], buf);
	ck_assert(str_starts_with(buf, path));
	summary_release(&s);
	free(buf);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* Many overlapping calls (recursion, threads), samples on their ends and
 * between them, in a shuffled file: the peak inside each function against
 * brute force. */
START_TEST(test_random_calls)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat");
	struct oracle *o = malloc(sizeof(*o));
	char **lines = calloc(4000, sizeof(*lines));
	size_t n = 0;
	struct summary s;
	FILE *f;

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(lines);
	srand(1000u + (unsigned)_i);
	lines[n++] = xstrdup("CMDLINE random");
	for (int i = 0; i < 2500; i++)
		lines[n++] = xasprintf("MEM %d.%d 10%02d.%02d", rand() % 500, rand() % 10, rand() % 10,
				       rand() % 100);
	for (int i = 0; i < 600; i++) {
		int a = rand() % 1000, d = rand() % (i % 7 == 0 ? 300 : 20);

		lines[n++] = xasprintf("FUNC f%d %d 10%02d.%02d %d 10%02d.%02d %d", rand() % 4, rand() % 100,
				       a / 100, a % 100, rand() % 100, (a + d) / 100, (a + d) % 100, rand() % 3);
	}
	for (size_t i = n - 1; i > 1; i--) {
		size_t k = 1 + (size_t)rand() % i;
		char *t = lines[i];

		lines[i] = lines[k];
		lines[k] = t;
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", lines[i]);
		free(lines[i]);
	}
	ck_assert_int_eq(fclose(f), 0);
	oracle_read(o, path);
	ck_assert_int_eq(summary_read(&s, path, 0), 0);
	check_against_oracle(&s, o);
	summary_release(&s);
	tl_rmrf(dir);
	free(lines);
	free(o);
	free(path);
	free(dir);
}
END_TEST

/* The hook for interval peaks, through the step-by-step interface. */
START_TEST(test_interval_peak_hook)
{
	struct record calls[] = {
		{ .kind = REC_FUNC, .text = "outer", .text_len = 5, .t = 10, .t_end = 20, .mem = 1, .mem_end = 2 },
		{ .kind = REC_FUNC, .text = "outer", .text_len = 5, .t = 30, .t_end = 40, .mem = 1, .mem_end = 2 },
		{ .kind = REC_FUNC, .text = "inner", .text_len = 5, .t = 12, .t_end = 14, .mem = 1, .mem_end = 2 },
		{ .kind = REC_MEM, .t = 13, .mem = 7 },
	};
	struct summary s;

	summary_init(&s, "steps", 0);
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		summary_record(&s, &calls[i]);
	ck_assert(summary_calls_pending(&s));
	summary_calls_begin(&s);
	ck_assert(!summary_calls_pending(&s));
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		summary_calls_record(&s, &calls[i]);
	summary_interval_peak(&s, 12, 15, 100);    /* outer only: inner ends at 14 */
	summary_interval_peak(&s, 19, 31, 500);    /* across the gap: neither */
	summary_interval_peak(&s, 30, 40, 50);     /* ends included: outer */
	summary_interval_peak(&s, 12.5, 13.5, 70); /* both */
	summary_interval_peak(&s, 41, 42, 900);    /* after every call */
	summary_finish(&s);
	ck_assert_str_eq(s.funcs[0].name, "outer");
	ck_assert(s.funcs[0].exact_peak == 100 && s.funcs[0].peak == 7);
	ck_assert_str_eq(s.funcs[1].name, "inner");
	ck_assert(s.funcs[1].exact_peak == 70 && s.funcs[1].peak == 7);
	summary_release(&s);
}
END_TEST

static Suite *summary_suite(void)
{
	Suite *s = suite_create("summary");
	TCase *tc = tcase_create("fixtures");

	tcase_add_loop_test(tc, test_fixture_figures, 0, (int)ARRAY_SIZE(fixtures));
	tcase_add_loop_test(tc, test_slope_is_the_plots, 0, (int)ARRAY_SIZE(fixtures));
	tcase_add_loop_test(tc, test_peaks_are_mprof_peaks, 0, (int)ARRAY_SIZE(fixtures));
	tcase_add_loop_test(tc, test_json_python, 0, (int)ARRAY_SIZE(fixtures));
	suite_add_tcase(s, tc);
	tc = tcase_create("records");
	tcase_add_test(tc, test_every_record);
	tcase_add_test(tc, test_any_order);
	tcase_add_test(tc, test_no_call_peaks);
	tcase_add_test(tc, test_fifo_read_once);
	tcase_add_test(tc, test_runs_same_as_serial);
	tcase_add_loop_test(tc, test_bad_files, 0, (int)ARRAY_SIZE(bad_files));
	tcase_add_test(tc, test_appended_and_empty);
	tcase_add_test(tc, test_text_output);
	tcase_add_loop_test(tc, test_random_calls, 0, 4);
	tcase_add_test(tc, test_interval_peak_hook);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(summary_suite());
}
