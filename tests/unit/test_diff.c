/* mprof diff's engine: two profiles aligned by function and marker names,
 * checked against an independent reading in Python; budgets with their
 * verdicts and messages; the JSON and the JUnit XML read back by Python's
 * json and xml.etree. */
#include "testlib.h"

#include "diff.h"
#include "json.h"
#include "junit.h"
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

/* A copy of src with every MiB multiplied by mem_k and every time stretched
 * by t_k from its first one, and FUNC/MARK records whose name is `drop` left
 * out. Written with the same number of decimals as the Python tool. */
static void write_scaled(const char *src, const char *dst, double mem_k, double t_k, const char *drop)
{
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	char line[4096], name[256];
	double t0 = NAN, m0, a, m1, b;
	int lvl;

	ck_assert_msg(in && out, "%s: %s", src, strerror(errno));
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, "MEM %lf %lf", &m0, &a) == 2) {
			if (isnan(t0))
				t0 = a;
			fprintf(out, "MEM %.6f %.4f\n", m0 * mem_k, t0 + (a - t0) * t_k);
		} else if (sscanf(line, "FUNC %255s %lf %lf %lf %lf %d", name, &m0, &a, &m1, &b, &lvl) >= 5) {
			if (isnan(t0))
				t0 = a;
			if (!drop || strcmp(name, drop) != 0)
				fprintf(out, "FUNC %s %.4f %.4f %.4f %.4f\n", name, m0 * mem_k, t0 + (a - t0) * t_k,
					m1 * mem_k, t0 + (b - t0) * t_k);
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

/* ---- an independent reading of both files, in Python ---- */

static const char diff_check_py[] =
	"import json, math, re, sys\n"
	"def unesc(b):\n"
	"    return re.sub(rb'\\\\x([0-9a-f]{2})', lambda m: bytes([int(m.group(1), 16)]), b).decode()\n"
	"def read(path):\n"
	"    mem, funcs, marks, pts = [], {}, {}, []\n"
	"    for line in open(path, 'rb'):\n"
	"        f = line.split()\n"
	"        if f and f[0] == b'MEM':\n"
	"            mem.append((float(f[2]), float(f[1]))); pts.append(float(f[2]))\n"
	"        elif f and f[0] == b'FUNC':\n"
	"            d = funcs.setdefault(unesc(f[1]), {'n': 0, 'time': 0.0, 'inc': 0.0, 'spans': []})\n"
	"            s, e = float(f[3]), float(f[5])\n"
	"            d['n'] += 1; d['time'] += e - s; d['inc'] += float(f[4]) - float(f[2])\n"
	"            d['spans'].append((s, e)); pts += [s, e]\n"
	"        elif f and f[0] == b'MARK':\n"
	"            d = marks.setdefault(unesc(f[1]), {'n': 0, 'first': None, 'peak': None})\n"
	"            t, v = float(f[3]), float(f[2])\n"
	"            d['n'] += 1\n"
	"            d['first'] = t if d['first'] is None else min(t, d['first'])\n"
	"            d['peak'] = v if d['peak'] is None else max(v, d['peak'])\n"
	"    start = min(pts)\n"
	"    bytime = sorted(mem, key=lambda p: p[0])\n"
	"    rows = {('run', None): dict(n=len(mem), peak=max(v for t, v in mem), time=max(pts) - start,\n"
	"                               inc=bytime[-1][1] - bytime[0][1])}\n"
	"    for name, d in funcs.items():\n"
	"        inside = [v for t, v in mem if any(s <= t <= e for s, e in d['spans'])]\n"
	"        rows[('function', name)] = dict(n=d['n'], peak=max(inside) if inside else None,\n"
	"                                        time=d['time'], inc=d['inc'])\n"
	"    for name, d in marks.items():\n"
	"        rows[('marker', name)] = dict(n=d['n'], peak=d['peak'], time=d['first'] - start, inc=None)\n"
	"    return rows\n"
	"A, B = read(sys.argv[1]), read(sys.argv[2])\n"
	"doc = json.load(open(sys.argv[3], encoding='utf-8'))\n"
	"assert doc['format'] == 'mprof-diff' and doc['version'] == 1, doc['format']\n"
	"assert set(doc) == {'format', 'version', 'a', 'b', 'rows', 'budgets', 'passed'}, set(doc)\n"
	"def close(x, y, what):\n"
	"    assert (x is None) == (y is None), (what, x, y)\n"
	"    assert x is None or abs(x - y) <= 1e-5 * max(1, abs(y)), (what, x, y)\n"
	"rows = doc['rows']\n"
	"assert len(rows) == len(set(A) | set(B)), (len(rows), len(set(A) | set(B)))\n"
	"assert rows[0]['kind'] == 'run'\n"
	"for r in rows:\n"
	"    k = (r['kind'], r['name'])\n"
	"    a, b = A.get(k), B.get(k)\n"
	"    assert r['in_a'] == (a is not None) and r['in_b'] == (b is not None), k\n"
	"    assert r['count_a'] == (a and a['n']) and r['count_b'] == (b and b['n']), k\n"
	"    for key, m in (('peak_mib', 'peak'), ('time_s', 'time'), ('increment_mib', 'inc')):\n"
	"        v = r[key]\n"
	"        assert set(v) == {'a', 'b', 'change', 'change_pct'}, v\n"
	"        x, y = a and a[m], b and b[m]\n"
	"        close(v['a'], x, (k, key, 'a')); close(v['b'], y, (k, key, 'b'))\n"
	"        ch = None if x is None or y is None else y - x\n"
	"        close(v['change'], ch, (k, key, 'change'))\n"
	"        if ch is not None and x != 0:\n"
	"            close(v['change_pct'], ch / abs(x) * 100, (k, key, 'pct'))\n"
	"both = [r for r in rows[1:] if r['in_a'] and r['in_b']]\n"
	"assert rows[1:len(both) + 1] == both, 'rows in one profile only come last'\n"
	"mag = [-1 if r['peak_mib']['change'] is None else abs(r['peak_mib']['change']) for r in both]\n"
	"assert all(mag[i] >= mag[i + 1] for i in range(len(mag) - 1)), mag\n"
	"for b in doc['budgets']:\n"
	"    assert b['result'] in ('pass', 'fail', 'unknown'), b\n"
	"    if b['result'] != 'unknown':\n"
	"        assert (b['result'] == 'fail') == (b['change_pct'] > b['max_increase_pct']), b\n"
	"assert doc['passed'] == all(b['result'] == 'pass' for b in doc['budgets'])\n"
	"print('rows', len(rows))\n";

struct pair {
	const char *a, *b;    /* fixtures */
	double mem_k, t_k;    /* B: b scaled */
	const char *drop;     /* B: without this function */
};

static const struct pair pairs[] = {
	{ "details-nested.dat", "details-nested.dat", 1.2, 1.1, NULL },
	{ "details-nested.dat", "details-nested.dat", 0.9, 1.0, "__main__.churn" },
	{ "details-nested.dat", "legacy-5field-func.dat", 1.0, 1.0, NULL },
	{ "plain.dat", "details-nested.dat", 1.0, 1.0, NULL },
	{ "steps-10ms.dat", "multiprocess.dat", 1.0, 1.0, NULL },
};

static void read_summary(struct summary *s, const char *path)
{
	ck_assert_msg(summary_read(s, path, 0) == 0, "%s: %s", path, error_last());
}

START_TEST(test_diff_fixtures)
{
	const struct pair *p = &pairs[_i];
	char *a = tl_fixture(p->a), *src = tl_fixture(p->b), *dir, *b, *jpath;
	struct diff_budget budgets[] = {
		{ .max_increase = 10 },
		{ .max_increase = 10, .func = "__main__.grow" },
		{ .max_increase = 50, .func = "churn_phase" },
		{ .max_increase = 5, .measure = DIFF_MEASURE_EXACT },
	};
	struct summary sa, sb;
	struct tl_result r;
	struct diff d;
	struct json j;
	FILE *f;

	if (!tl_have_python_json_xml()) {
		free(a);
		free(src);
		return;
	}
	dir = tl_tmpdir();
	b = tl_path(dir, "b.dat");
	jpath = tl_path(dir, "d.json");
	write_scaled(src, b, p->mem_k, p->t_k, p->drop);
	read_summary(&sa, a);
	read_summary(&sb, b);
	diff_compute(&d, &sa, &sb);
	diff_check(&d, budgets, ARRAY_SIZE(budgets));
	f = fopen(jpath, "w");
	ck_assert_ptr_nonnull(f);
	json_init(&j, f);
	diff_json(&d, budgets, ARRAY_SIZE(budgets), &j);
	json_finish(&j);
	ck_assert_int_eq(fclose(f), 0);
	tl_run(&r, NULL, "python3", "-c", diff_check_py, a, b, jpath);
	ck_assert_msg(r.status == 0, "%s vs %s:\n%s", p->a, p->b, r.err);
	ck_assert_int_eq(tl_count_prefix(r.out, "rows "), 1);
	/* the exact peak: neither Python file has one */
	ck_assert_int_eq(budgets[3].verdict, DIFF_UNKNOWN);
	tl_result_free(&r);
	diff_budgets_release(budgets, ARRAY_SIZE(budgets));
	diff_release(&d);
	summary_release(&sa);
	summary_release(&sb);
	tl_rmrf(dir);
	free(jpath);
	free(b);
	free(dir);
	free(src);
	free(a);
}
END_TEST

/* ---- known answers, from summaries built record by record ---- */

struct rec_spec {
	char kind;            /* 'M' MEM, 'F' FUNC, 'K' MARK, 'P' PEAK */
	const char *name;
	double mem, t, mem_end, t_end;
};

#define MEM(m, t) { 'M', NULL, m, t, 0, 0 }
#define FUNC(n, m0, t0, m1, t1) { 'F', n, m0, t0, m1, t1 }
#define MARK(n, m, t) { 'K', n, m, t, 0, 0 }
#define PEAK(m, t) { 'P', NULL, m, t, 0, 0 }

static void build(struct summary *s, const char *path, const struct rec_spec *spec, size_t n)
{
	summary_init(s, path, 0);
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!summary_calls_pending(s))
				break;
			summary_calls_begin(s);
		}
		for (size_t i = 0; i < n; i++) {
			struct record rec = {
				.kind = spec[i].kind == 'M' ? REC_MEM : spec[i].kind == 'F' ? REC_FUNC :
					spec[i].kind == 'K' ? REC_MARK : REC_PEAK,
				.text = spec[i].name, .text_len = spec[i].name ? strlen(spec[i].name) : 0,
				.mem = spec[i].mem, .t = spec[i].t, .mem_end = spec[i].mem_end,
				.t_end = spec[i].t_end, .level = -1,
			};

			if (pass == 0)
				summary_record(s, &rec);
			else
				summary_calls_record(s, &rec);
		}
	}
	summary_finish(s);
}

/* A: peak 100; load peaks at 80 (two calls), parse at 40, old only in A.
 * B: peak 115; load at 100 (+25%), parse at 38 (-5%), new only in B. */
static const struct rec_spec spec_a[] = {
	MEM(10, 0), MEM(80, 1), MEM(40, 2), MEM(100, 3),
	MEM(20, 4),
	FUNC("load", 10, 0, 80, 1), FUNC("load", 80, 1, 40, 1.5),
	FUNC("parse", 40, 2, 40, 2.5), FUNC("old", 100, 3, 20, 4),
	MARK("ready", 40, 2), MARK("a&b<c>\"d\"", 20, 4), PEAK(101, 3),
};

static const struct rec_spec spec_b[] = {
	MEM(10, 0), MEM(100, 1), MEM(38, 2), MEM(115, 3),
	MEM(30, 5),
	FUNC("load", 10, 0, 100, 1), FUNC("parse", 38, 2, 38, 2.5), FUNC("new", 115, 3, 30, 5),
	MARK("ready", 38, 2.5), MARK("a&b<c>\"d\"", 30, 5), PEAK(99, 3),
};

static const struct diff_row *row_named(const struct diff *d, enum diff_kind kind, const char *name)
{
	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i].kind == kind && d->rows[i].name && strcmp(d->rows[i].name, name) == 0)
			return &d->rows[i];
	ck_abort_msg("no row %s", name);
	return NULL;
}

START_TEST(test_known_rows)
{
	struct summary a, b;
	const struct diff_row *r;
	struct diff d;

	build(&a, "a.dat", spec_a, ARRAY_SIZE(spec_a));
	build(&b, "b.dat", spec_b, ARRAY_SIZE(spec_b));
	diff_compute(&d, &a, &b);
	ck_assert_uint_eq(d.nrows, 1 + 4 + 2);
	r = &d.rows[0];
	ck_assert(r->kind == DIFF_RUN && !r->name && r->in_a && r->in_b);
	ck_assert(r->peak.a == 100 && r->peak.b == 115 && r->peak.change == 15 && r->peak.pct == 15);
	ck_assert(r->exact.a == 101 && r->exact.b == 99 && r->exact.change == -2);
	ck_assert(r->time.a == 4 && r->time.b == 5 && r->time.pct == 25);
	ck_assert(r->increment.a == 10 && r->increment.b == 20 && r->increment.pct == 100);
	/* in both, by the largest change of the peak: load +20, the marker +10, then
	 * parse and ready -2 each, parse first by the change of its increment (0;
	 * a marker has none) */
	ck_assert_str_eq(d.rows[1].name, "load");
	ck_assert(d.rows[1].peak.change == 20 && d.rows[1].peak.pct == 25);
	ck_assert(d.rows[1].count_a == 2 && d.rows[1].count_b == 1);
	ck_assert(d.rows[1].time.a == 1.5 && d.rows[1].time.b == 1);
	ck_assert_str_eq(d.rows[2].name, "a&b<c>\"d\"");  /* +10 */
	ck_assert_str_eq(d.rows[3].name, "parse");
	ck_assert(d.rows[3].peak.pct == -5 && d.rows[3].increment.change == 0);
	ck_assert_str_eq(d.rows[4].name, "ready");
	ck_assert(d.rows[4].kind == DIFF_MARK && d.rows[4].time.change == 0.5);
	/* then those in one profile only, by name */
	ck_assert_str_eq(d.rows[5].name, "new");
	ck_assert(!d.rows[5].in_a && d.rows[5].in_b && isnan(d.rows[5].peak.a) && isnan(d.rows[5].peak.change));
	ck_assert_str_eq(d.rows[6].name, "old");
	ck_assert(d.rows[6].in_a && !d.rows[6].in_b && d.rows[6].peak.a == 100);
	r = row_named(&d, DIFF_FUNC, "parse");
	ck_assert(r->peak.a == 40 && r->peak.b == 38);
	diff_release(&d);
	summary_release(&a);
	summary_release(&b);
}
END_TEST

static const struct {
	struct diff_budget in;
	enum diff_verdict verdict;
	const char *title, *message;
} budget_cases[] = {
	{ { .max_increase = 10 }, DIFF_FAIL, "peak at most +10%",
	  "peak rose from 100.000 MiB in a.dat to 115.000 MiB in b.dat (+15.000 MiB, +15.0%): "
	  "over the budget of +10%" },
	{ { .max_increase = 15 }, DIFF_PASS, "peak at most +15%",
	  "peak rose from 100.000 MiB in a.dat to 115.000 MiB in b.dat (+15.000 MiB, +15.0%): within +15%" },
	{ { .max_increase = 0, .measure = DIFF_MEASURE_EXACT }, DIFF_PASS, "exact peak at most +0%",
	  "exact peak fell from 101.000 MiB in a.dat to 99.000 MiB in b.dat (-2.000 MiB, -2.0%): within +0%" },
	{ { .max_increase = 24.9, .func = "load" }, DIFF_FAIL, "peak of load at most +24.9%",
	  "peak of load rose from 80.000 MiB in a.dat to 100.000 MiB in b.dat (+20.000 MiB, +25.0%): "
	  "over the budget of +24.9%" },
	{ { .max_increase = 25, .func = "load" }, DIFF_PASS, "peak of load at most +25%", NULL },
	{ { .max_increase = -6, .func = "parse" }, DIFF_FAIL, "peak of parse at most -6%", NULL },
	{ { .max_increase = 10, .func = "new" }, DIFF_UNKNOWN, "peak of new at most +10%",
	  "peak of new: no function of that name in a.dat" },
	{ { .max_increase = 10, .func = "old" }, DIFF_UNKNOWN, "peak of old at most +10%",
	  "peak of old: no function of that name in b.dat" },
	{ { .max_increase = 10, .func = "load", .measure = DIFF_MEASURE_EXACT }, DIFF_UNKNOWN,
	  "exact peak of load at most +10%", "exact peak of load: none in a.dat" },
};

START_TEST(test_budgets)
{
	struct diff_budget b = budget_cases[_i].in;
	struct summary sa, sb;
	struct diff d;

	build(&sa, "a.dat", spec_a, ARRAY_SIZE(spec_a));
	build(&sb, "b.dat", spec_b, ARRAY_SIZE(spec_b));
	diff_compute(&d, &sa, &sb);
	ck_assert_uint_eq(diff_check(&d, &b, 1), budget_cases[_i].verdict != DIFF_PASS);
	ck_assert_int_eq(b.verdict, budget_cases[_i].verdict);
	ck_assert_str_eq(b.title, budget_cases[_i].title);
	if (budget_cases[_i].message)
		ck_assert_str_eq(b.message, budget_cases[_i].message);
	diff_budgets_release(&b, 1);
	diff_release(&d);
	summary_release(&sa);
	summary_release(&sb);
}
END_TEST

/* From nothing to something is an infinite increase; nothing to nothing none. */
START_TEST(test_budget_from_zero)
{
	static const struct rec_spec zero[] = { MEM(0, 0), MEM(0, 1) };
	static const struct rec_spec some[] = { MEM(0, 0), MEM(5, 1) };
	struct diff_budget b[] = { { .max_increase = 1000 } };
	struct summary s0, s1;
	struct diff d;

	build(&s0, "zero.dat", zero, ARRAY_SIZE(zero));
	build(&s1, "some.dat", some, ARRAY_SIZE(some));
	diff_compute(&d, &s0, &s1);
	ck_assert(isinf(d.rows[0].peak.pct) && d.rows[0].peak.pct > 0);
	ck_assert_uint_eq(diff_check(&d, b, 1), 1);
	ck_assert_int_eq(b[0].verdict, DIFF_FAIL);
	diff_budgets_release(b, 1);
	diff_release(&d);
	diff_compute(&d, &s0, &s0);
	ck_assert(d.rows[0].peak.pct == 0);
	ck_assert_uint_eq(diff_check(&d, b, 1), 0);
	diff_budgets_release(b, 1);
	diff_release(&d);
	summary_release(&s0);
	summary_release(&s1);
}
END_TEST

START_TEST(test_text_output)
{
	struct diff_budget b[] = { { .max_increase = 10 }, { .max_increase = 10, .func = "new" } };
	struct summary sa, sb;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct diff d;
	static const char *const want[] = {
		"A: a.dat\nB: b.dat\n",
		"     100.000    115.000   +15.000   +15.0%    4.000    5.000   +25.0%   +10.000   +20.000  run\n",
		"      80.000    100.000   +20.000   +25.0%    1.500    1.000   -33.3%   +30.000   +90.000  function load\n",
		"      40.000     38.000    -2.000    -5.0%    2.000    2.500   +25.0%         -         -  marker ready\n",
		"           -    115.000         -        -        -    2.000        -         -   -85.000  function new (only in B)\n",
		"  Exact (kernel's) peak: 101.000 MiB -> 99.000 MiB,    -2.0%\n",
		"  FAIL    peak rose from 100.000 MiB in a.dat to 115.000 MiB in b.dat",
		"  UNKNOWN peak of new: no function of that name in a.dat\n",
	};

	ck_assert_ptr_nonnull(f);
	build(&sa, "a.dat", spec_a, ARRAY_SIZE(spec_a));
	build(&sb, "b.dat", spec_b, ARRAY_SIZE(spec_b));
	diff_compute(&d, &sa, &sb);
	ck_assert_uint_eq(diff_check(&d, b, ARRAY_SIZE(b)), 2);
	diff_print_text(&d, b, ARRAY_SIZE(b), f);
	ck_assert_int_eq(fclose(f), 0);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_msg(strstr(buf, want[i]), "no '%s' in:\n%s", want[i], buf);
	free(buf);
	diff_budgets_release(b, ARRAY_SIZE(b));
	diff_release(&d);
	summary_release(&sa);
	summary_release(&sb);
}
END_TEST

/* ---- JUnit, read by xml.etree ---- */

static const char junit_check_py[] =
	"import sys, xml.etree.ElementTree as ET\n"
	"root = ET.parse(sys.argv[1]).getroot()\n"
	"assert root.tag == 'testsuites', root.tag\n"
	"suites = root.findall('testsuite')\n"
	"assert len(suites) == 1\n"
	"s = suites[0]\n"
	"cases = s.findall('testcase')\n"
	"assert int(s.get('tests')) == len(cases) == int(root.get('tests'))\n"
	"assert int(s.get('failures')) == len([c for c in cases if c.find('failure') is not None])\n"
	"assert int(s.get('errors')) == len([c for c in cases if c.find('error') is not None])\n"
	"print('suite', s.get('name'))\n"
	"for c in cases:\n"
	"    f, e = c.find('failure'), c.find('error')\n"
	"    res = 'failure' if f is not None else 'error' if e is not None else 'pass'\n"
	"    el = f if f is not None else e\n"
	"    if el is not None:\n"
	"        assert el.text.startswith(el.get('message')), (el.text, el.get('message'))\n"
	"    print('case', res, c.get('classname'), repr(c.get('name')),\n"
	"          repr(el.get('message')) if el is not None else '')\n";

START_TEST(test_junit)
{
	struct diff_budget b[] = {
		{ .max_increase = 10 },
		{ .max_increase = 30, .func = "load" },
		{ .max_increase = 10, .func = "a<b>&\"c\"'\001 d" },
		{ .max_increase = 0, .func = "parse" },
	};
	char *dir, *path, *want;
	struct summary sa, sb;
	struct tl_result r;
	struct diff d;
	struct stat st;

	if (!tl_have_python_json_xml())
		return;
	dir = tl_tmpdir();
	path = tl_path(dir, "report.xml");
	build(&sa, "a&<1>.dat", spec_a, ARRAY_SIZE(spec_a));
	build(&sb, "b\".dat", spec_b, ARRAY_SIZE(spec_b));
	diff_compute(&d, &sa, &sb);
	ck_assert_uint_eq(diff_check(&d, b, ARRAY_SIZE(b)), 2);
	ck_assert_int_eq(diff_write_junit(&d, b, ARRAY_SIZE(b), path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_ne(st.st_mode & 0044, 0);   /* readable by others, as files are */
	tl_run(&r, NULL, "python3", "-c", junit_check_py, path);
	ck_assert_msg(r.status == 0, "python3: %s\n%s", r.err, r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "suite mprof diff a&<1>.dat b\".dat\n"));
	want = xasprintf("case failure mprof.budget 'peak at most +10%%' '%s'\n", b[0].message);
	ck_assert_msg(strstr(r.out, want), "no '%s' in:\n%s", want, r.out);
	free(want);
	ck_assert_ptr_nonnull(strstr(r.out, "case pass mprof.budget 'peak of load at most +30%' \n"));
	/* a control byte shows as \x01; the markup characters come back as they were */
	ck_assert_ptr_nonnull(strstr(r.out, "case error mprof.budget 'peak of a<b>&\"c\"\\'\\\\x01 d at most +10%'"));
	ck_assert_ptr_nonnull(strstr(r.out, "case pass mprof.budget 'peak of parse at most +0%'"));
	tl_result_free(&r);
	/* a directory that does not exist: an error naming the file, nothing written */
	free(path);
	path = tl_path(dir, "no/such/report.xml");
	error_set_quiet(true);
	ck_assert_int_eq(diff_write_junit(&d, b, ARRAY_SIZE(b), path), -1);
	error_set_quiet(false);
	want = xasprintf("cannot write '%s'", path);
	ck_assert_msg(str_starts_with(error_last(), want), "%s", error_last());
	free(want);
	diff_budgets_release(b, ARRAY_SIZE(b));
	diff_release(&d);
	summary_release(&sa);
	summary_release(&sb);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* Escaping: every byte either survives or becomes U+FFFD, and the document parses. */
START_TEST(test_xml_and_json_escaping)
{
	static const char nasty[] = "<&>\"'\t\n\r\001\037\177 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
				    "\xff \xc3 \xed\xa0\x80 \xef\xbf\xbe end";
	static const char py[] =
		"import json, sys, xml.etree.ElementTree as ET\n"
		"x = ET.parse(sys.argv[1]).getroot()\n"
		"j = json.load(open(sys.argv[2], encoding='utf-8'))\n"
		"print(ascii(x.get('a')))\n"
		"print(ascii(x.text))\n"
		"print(ascii(j['s']))\n";
	char *dir, *xp, *jp;
	struct tl_result r;
	struct json j;
	FILE *f;

	if (!tl_have_python_json_xml())
		return;
	dir = tl_tmpdir();
	xp = tl_path(dir, "x.xml");
	jp = tl_path(dir, "j.json");
	f = fopen(xp, "w");
	ck_assert_ptr_nonnull(f);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<x a=\"", f);
	xml_put_escaped(f, nasty, sizeof(nasty) - 1, true);
	fputs("\">", f);
	xml_put_escaped(f, nasty, sizeof(nasty) - 1, false);
	fputs("</x>\n", f);
	ck_assert_int_eq(fclose(f), 0);
	f = fopen(jp, "w");
	ck_assert_ptr_nonnull(f);
	json_init(&j, f);
	json_object_begin(&j);
	json_key(&j, "s");
	json_string(&j, nasty, sizeof(nasty) - 1);
	json_object_end(&j);
	json_finish(&j);
	ck_assert_int_eq(fclose(f), 0);
	tl_run(&r, NULL, "python3", "-c", py, xp, jp);
	ck_assert_msg(r.status == 0, "python3: %s", r.err);
	/* XML 1.0 cannot hold \001, \037, \177 is allowed but discouraged: U+FFFD for
	 * all three; invalid UTF-8 (\xff, a cut \xc3, a surrogate) and U+FFFE too. The
	 * attribute keeps its tab and line breaks as character references. */
	ck_assert_str_eq(r.out,
		"'<&>\"\\'\\t\\n\\r\\ufffd\\ufffd\\ufffd \\xe9 \\u20ac \\U0001f600 \\ufffd \\ufffd "
		"\\ufffd\\ufffd\\ufffd \\ufffd end'\n"
		"'<&>\"\\'\\t\\n\\n\\ufffd\\ufffd\\ufffd \\xe9 \\u20ac \\U0001f600 \\ufffd \\ufffd "
		"\\ufffd\\ufffd\\ufffd \\ufffd end'\n"
		"'<&>\"\\'\\t\\n\\r\\x01\\x1f\\x7f \\xe9 \\u20ac \\U0001f600 \\ufffd \\ufffd "
		"\\ufffd\\ufffd\\ufffd \\ufffe end'\n");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(xp);
	free(jp);
	free(dir);
}
END_TEST

static Suite *diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_add_loop_test(tc, test_diff_fixtures, 0, (int)ARRAY_SIZE(pairs));
	tcase_add_test(tc, test_known_rows);
	tcase_add_loop_test(tc, test_budgets, 0, (int)ARRAY_SIZE(budget_cases));
	tcase_add_test(tc, test_budget_from_zero);
	tcase_add_test(tc, test_text_output);
	tcase_add_test(tc, test_junit);
	tcase_add_test(tc, test_xml_and_json_escaping);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_run_suite(diff_suite());
}
