/* The HTML view in a real browser: headless Chromium loads each page with
 * #selftest, which makes the page's script drag a zoom, double-click back,
 * hover one element of each kind, toggle a legend entry, and write what it
 * saw into the page; --dump-dom gives us the page. Console messages (errors,
 * uncaught exceptions) go to Chromium's log on standard error: there must be
 * none.
 *
 * Without Chromium the whole suite is skipped (exit 77, which meson shows as
 * SKIP, and one SKIP line in its log); 'make deps' installs it. */
#include "testlib.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *browser;

static char *find_browser(void)
{
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	const char *path = getenv("PATH");

	if (getenv("MPROF_BROWSER") && *getenv("MPROF_BROWSER"))
		return xstrdup(getenv("MPROF_BROWSER"));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *dirs = xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL;

		for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			char *p = xasprintf("%s/%s", d, names[i]);

			if (access(p, X_OK) == 0) {
				free(dirs);
				return p;
			}
			free(p);
		}
		free(dirs);
	}
	return NULL;
}

/* Load url in headless Chromium; r gets the dumped page and Chromium's log. */
static void load(struct tl_result *r, const char *dir, const char *url)
{
	char *profile = tl_path(dir, "chromium-profile"), *user_dir = xasprintf("--user-data-dir=%s", profile);
	char *home = xasprintf("HOME=%s", dir);

	tl_run_env(r, dir, (const char *const[]){ home, NULL }, 150,
		   (const char *const[]){ browser, "--headless", "--no-sandbox", "--disable-gpu",
					  "--disable-quic", "--no-first-run", "--disable-background-networking",
					  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
					  "--enable-logging=stderr", "--v=0", user_dir, "--dump-dom", url, NULL });
	free(home);
	free(user_dir);
	free(profile);
}

/* A profile with children, a marker and the kernel's peak. */
static void write_marked(const char *path)
{
	char *src = tl_fixture("multiprocess.dat"), *text = tl_read_file(src, NULL), *all;

	ck_assert_ptr_nonnull(text);
	all = xasprintf("MARK start\\x20here 10 1795695942.6\nPEAK 190.5 1795695943.0\n%s", text);
	tl_write_file(path, all);
	free(all);
	free(text);
	free(src);
}

/* A breakdown: anonymous memory rising, a mapped file, shared memory. */
static void write_kinds(const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./kinds\n");
	for (int i = 0; i < 100; i++) {
		double anon = 10 + i * 0.5, file = i < 50 ? 5 : 30, shm = i < 70 ? 0 : 8, t = 1700000000.0 + i * 0.1;

		fprintf(f, "MEM %.6f %.4f\nKIND %.6f %.6f %.6f 0 %.4f\n", anon + file + shm, t, anon, file, shm, t);
	}
	ck_assert_int_eq(fclose(f), 0);
}

static void write_big(const char *path)
{
	FILE *f = fopen(path, "w");
	double v = 100;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./big\n");
	for (long i = 0; i < 300000; i++) {
		v += ((i * 7919) % 13 - 6) * 0.05;
		fprintf(f, "MEM %.6f %.4f\n", v < 1 ? 1 : v, 1700000000.0 + i * 0.001);
	}
	for (long i = 0; i < 2000; i++)
		fprintf(f, "FUNC m.f%ld 100.0 %.4f 101.0 %.4f 0\n", i % 3, 1700000000.0 + i * 0.5,
			1700000000.0 + i * 0.5 + 0.2);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- generated -M profiles ----
 * Children of every kind of life: the whole run, starting late, ending
 * early, both, one sample only, and a random stretch; runs of 2 samples to
 * 60000, and one of many hours (times far from 0). Our style (header,
 * CHLD at the parent's sample time, CHLDCMD, CHLDPEAK) or the Python tool's
 * (CHLD a little after MEM, nothing else). */

static const struct gen_case {
	const char *what;
	int samples;
	double interval;  /* seconds */
	int children;
	bool python;
} gen_cases[] = {
	{ "2 samples, 1 child", 2, 0.1, 1, false },
	{ "3 samples, 2 children", 3, 0.1, 2, true },
	{ "7 samples, 3 children", 7, 0.05, 3, false },
	{ "40 samples, 4 children", 40, 0.1, 4, true },
	{ "40 samples, 6 children", 40, 0.02, 6, false },
	{ "300 samples, 9 children", 300, 0.1, 9, true },
	{ "300 samples, 5 children", 300, 0.01, 5, false },
	{ "1000 samples, 12 children", 1000, 0.05, 12, true },
	{ "5000 samples, 3 children", 5000, 0.1, 3, false },
	{ "5000 samples, 8 children", 5000, 0.01, 8, true },
	{ "60000 samples, 4 children", 60000, 0.001, 4, false },
	{ "7 hours, 6 children", 2500, 10, 6, false },
	{ "4 hours, 6 children", 1500, 10, 6, true },
};

static uint32_t rnd(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*state >> 33);
}

static double rnd01(uint64_t *state)
{
	return rnd(state) / 2147483648.0;
}

/* The samples (first, last) that child k of n lives in. */
static void child_life(const struct gen_case *g, int k, uint64_t *st, int *first, int *last)
{
	int n = g->samples, end = n - 1;
	double a = rnd01(st), b = rnd01(st);

	switch ((k + g->children) % 6) {
	case 0: *first = 0; *last = end; break;                                    /* whole run */
	case 1: *first = (int)(end * (0.9 + 0.1 * a)); *last = end; break;         /* starts late */
	case 2: *first = 0; *last = (int)(end * 0.1 * a); break;                   /* ends early */
	case 3: *first = (int)(end * (0.2 + 0.3 * a)); *last = *first + (int)(end * 0.1 * b); break;
	case 4: *first = *last = k % 3 == 0 ? 0 : k % 3 == 1 ? end : (int)(end * a); break; /* one sample */
	default:
		*first = (int)(end * (a < b ? a : b));
		*last = (int)(end * (a < b ? b : a));
	}
}

/* Write a -M profile for gen_cases[i]; returns the number of children. */
static int write_generated(const char *path, size_t i)
{
	const struct gen_case *g = &gen_cases[i];
	uint64_t st = 0x9e3779b97f4a7c15ULL * (i + 1);
	int first[16], last[16];
	double t = 1795000000.0 + 1000.0 * (double)i, v, cv[16] = { 0 };
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_le(g->children, 16);
	fprintf(f, "CMDLINE ./gen %s\n", g->what);
	if (!g->python)
		fprintf(f, "MPROF 1 0.1.0 backend=rss interval=%g mode=multiprocess pid=4000\n", g->interval);
	for (int k = 0; k < g->children; k++)
		child_life(g, k, &st, &first[k], &last[k]);
	for (int n = 0; n < g->samples; n++) {
		/* the program between 1 and 8 MiB, each child in its own band */
		v = 4.5 + 2.5 * sin(n * 0.37) + rnd01(&st);
		fprintf(f, "MEM %.6f %.4f\n", v, t);
		for (int k = 0; k < g->children; k++) {
			if (n < first[k] || n > last[k])
				continue;
			cv[k] = 10.0 + 7.3 * k + 3.0 * rnd01(&st);
			fprintf(f, "CHLD %d %.6f %.4f\n", 5000 + k, cv[k], g->python ? t + 0.0004 * (k + 1) : t);
			if (!g->python && n == first[k])
				fprintf(f, "CHLDCMD %d worker\\x20%d\n", 5000 + k, k);
			if (!g->python && n == last[k])
				fprintf(f, "CHLDPEAK %d %.6f %.4f\n", 5000 + k, cv[k] + 0.5, t);
		}
		t += g->interval * (1 + 0.1 * rnd01(&st));
	}
	ck_assert_int_eq(fclose(f), 0);
	return g->children;
}

static const struct {
	const char *what;
	const char *files[3];     /* fixtures; "@marked", "@big", "@kinds": made here; "=NAME": tests/data/NAME */
	const char *args[3];
	const char *want[6];      /* lines (or starts of lines) of the self-test's report */
} cases[] = {
	{ "brackets", { "details-nested.dat" }, { NULL },
	  { "hover span: __main__.grow | duration 0.621 s (91.90 ms \u2192 0.713 s) | memory 21.76 MiB \u2192 "
	    "101.8 MiB (+80.04 MiB)", "zoom: ok", "reset: ok", "legend: ok" } },
	{ "flame", { "details-nested.dat" }, { "--flame" },
	  { "hover span: __main__.grow | duration 0.621 s", "click to zoom to this call", "zoom: ok", "reset: ok" } },
	{ "children, marker, kernel peak", { "@marked" }, { NULL },
	  { "hover series: child 9383 | from 54.40 ms to 1.045 s", "hover mark: marker start here | at 0.128 s",
	    "hover peak: peak 21.29 MiB", "hover kpeak: kernel peak 190.5 MiB", "zoom: ok", "legend: ok" } },
	{ "overlay in a window", { "plain.dat", "details-nested.dat" }, { "-w", "0.5,1.2" },
	  { "series: 2", "hover series: plain.dat", "hover span: __main__.grow", "axis before: 0.6 0.8 1.0 1.2\n",
	    "zoom: ok", "reset: ok" } },
	{ "300000 samples", { "@big" }, { NULL }, { "series: 1", "zoom: ok", "reset: ok", "legend: ok" } },
	{ "breakdown", { "@kinds" }, { "--breakdown" },
	  { "stacks: 4", "hover stack: anon 1", "zoom: ok", "reset: ok", "legend: ok" } },
	{ "cgroup breakdown", { "=term/cgroup.dat" }, { "--breakdown" },
	  { "stacks: 5", "hover stack: cgroup anon", "zoom: ok", "reset: ok", "legend: ok" } },
	{ "memory pressure", { "=term/pressure.dat" }, { NULL },
	  { "pressure: 2", "zoom: ok", "reset: ok", "legend: ok" } },
	{ "interval peaks", { "=term/ipeak-spikes.dat" }, { NULL },
	  { "hover band: highest in this interval | 33.20 MiB (sample 1.25 MiB) | 100.00 ms \u2192 0.200 s",
	    "zoom: ok", "reset: ok", "legend: ok" } },
};

/* Plot "mprof plot -o DIR/page.html ARGS..." and load the page with
 * #selftest: each of want (NULL-terminated) must be in the report, nothing
 * FAILED, no script error, nothing on the console. */
static void check_page(const char *dir, const char *what, const char *const *args, const char *const *want)
{
	char *page = tl_path(dir, "page.html"), *url, *report, *end;
	const char *argv[16] = { "mprof", "plot", "-o", page };
	struct tl_result r;
	size_t n = 4;

	for (size_t i = 0; args[i]; i++) {
		ck_assert_uint_lt(n, ARRAY_SIZE(argv) - 1);
		argv[n++] = args[i];
	}
	tl_run_env(&r, NULL, (const char *const[]){ "TZ=UTC", NULL }, 120, argv);
	ck_assert_msg(r.status == 0, "%s: exit %d: %s", what, r.status, r.err);
	tl_result_free(&r);

	url = xasprintf("file://%s#selftest", page);
	load(&r, dir, url);
	ck_assert_msg(r.status == 0, "%s: chromium exit %d: %s", what, r.status, r.err);
	report = strstr(r.out, "<pre id=\"selftest\">");
	ck_assert_msg(report != NULL, "%s: no self-test report in the page:\n%.2000s\n%.2000s", what, r.out, r.err);
	report += strlen("<pre id=\"selftest\">");
	end = strstr(report, "</pre>");
	ck_assert_ptr_nonnull(end);
	*end = '\0';
	fprintf(stderr, "%s:\n%s\n", what, report);
	for (size_t k = 0; want[k]; k++)
		ck_assert_msg(strstr(report, want[k]), "%s: '%s' not in the report:\n%s", what, want[k], report);
	ck_assert_msg(strstr(report, "\nerrors: 0"), "%s: script errors:\n%s", what, report);
	ck_assert_msg(!strstr(report, "FAILED"), "%s:\n%s", what, report);
	/* nothing on the console: no error, no uncaught exception, no warning */
	ck_assert_msg(!strstr(r.err, ":CONSOLE"), "%s: console messages:\n%s", what, r.err);
	tl_result_free(&r);
	free(url);
	free(page);
}

START_TEST(test_selftest)
{
	char *dir = tl_tmpdir();
	const char *args[8] = { NULL }, *want[8] = { NULL };
	char *paths[3] = { NULL };
	size_t n = 0;

	for (size_t i = 0; i < 3 && cases[_i].args[i]; i++)
		args[n++] = cases[_i].args[i];
	for (size_t i = 0; i < 3 && cases[_i].files[i]; i++) {
		const char *name = cases[_i].files[i];

		if (!strcmp(name, "@marked"))
			write_marked(paths[i] = tl_path(dir, "marked.dat"));
		else if (!strcmp(name, "@big"))
			write_big(paths[i] = tl_path(dir, "big.dat"));
		else if (!strcmp(name, "@kinds"))
			write_kinds(paths[i] = tl_path(dir, "kinds.dat"));
		else if (name[0] == '=')
			paths[i] = tl_data(name + 1);
		else
			paths[i] = tl_fixture(name);
		args[n++] = paths[i];
	}
	for (size_t k = 0; k < 6 && cases[_i].want[k]; k++)
		want[k] = cases[_i].want[k];
	check_page(dir, cases[_i].what, args, want);
	for (size_t i = 0; i < 3; i++)
		free(paths[i]);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Each generated -M profile zooms: by the drag, onto each line, before and
 * after each line; every child's line shows its own tip where it is drawn. */
START_TEST(test_generated)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "gen.dat"), *hover;
	int nchildren = write_generated(path, (size_t)_i);

	hover = xasprintf("hover children: ok %d/%d\n", nchildren, nchildren);
	check_page(dir, gen_cases[_i].what, (const char *const[]){ path, NULL },
		   (const char *const[]){ "data: ok", "zoom: ok", "reset: ok", "zoom windows: ok", hover, "legend: ok",
					 NULL });
	free(hover);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The Python tool's -M fixture, and a -M profile of ours from a real run
 * (children that start late and end early; two alike, whose lines may lie
 * one on the other). */
START_TEST(test_multiprocess_files)
{
	char *dir = tl_tmpdir(), *fixture = tl_fixture("multiprocess.dat"), *own = tl_path(dir, "own.dat"), *text;
	struct tl_result r;

	check_page(dir, "multiprocess.dat", (const char *const[]){ fixture, NULL },
		   (const char *const[]){ "zoom: ok", "zoom windows: ok", "hover children: ok 3/3\n", NULL });
	tl_run(&r, dir, "mprof", "run", "-M", "-T", "0.02", "-o", own, MEMWORK_BIN, "alloc", "4", "sleep", "150",
	       "fork", "2", "8", "200", "sleep", "250", "fork", "1", "24", "150", "sleep", "300", "wait");
	ck_assert_msg(r.status == 0, "mprof run -M: exit %d: %s", r.status, r.err);
	tl_result_free(&r);
	text = tl_read_file(own, NULL);
	ck_assert_int_ge(tl_count_prefix(text, "CHLD "), 3);
	check_page(dir, "mprof run -M", (const char *const[]){ own, NULL },
		   (const char *const[]){ "zoom: ok", "zoom windows: ok", "hover children: ok", NULL });
	free(text);
	free(own);
	free(fixture);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	browser = find_browser();
	if (!browser) {
		tl_skip("the HTML view in a browser: chromium is not installed ('make deps' installs it)");
		return 77;
	}
	s = suite_create("browser");
	tc = tcase_create("selftest");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_selftest, 0, ARRAY_SIZE(cases));
	tcase_add_loop_test(tc, test_generated, 0, ARRAY_SIZE(gen_cases));
	tcase_add_test(tc, test_multiprocess_files);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
