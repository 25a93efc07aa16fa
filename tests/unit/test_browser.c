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

static const struct {
	const char *what;
	const char *files[3];     /* fixtures; "@marked", "@big": made here */
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
};

START_TEST(test_selftest)
{
	char *dir = tl_tmpdir(), *page = tl_path(dir, "page.html"), *url, *report, *end;
	const char *argv[16] = { "mprof", "plot", "-o", page };
	char *paths[3] = { NULL };
	struct tl_result r;
	size_t n = 4;

	for (size_t i = 0; i < 3 && cases[_i].args[i]; i++)
		argv[n++] = cases[_i].args[i];
	for (size_t i = 0; i < 3 && cases[_i].files[i]; i++) {
		const char *name = cases[_i].files[i];

		if (!strcmp(name, "@marked"))
			write_marked(paths[i] = tl_path(dir, "marked.dat"));
		else if (!strcmp(name, "@big"))
			write_big(paths[i] = tl_path(dir, "big.dat"));
		else
			paths[i] = tl_fixture(name);
		argv[n++] = paths[i];
	}
	tl_run_env(&r, NULL, (const char *const[]){ "TZ=UTC", NULL }, 120, argv);
	ck_assert_msg(r.status == 0, "%s: exit %d: %s", cases[_i].what, r.status, r.err);
	tl_result_free(&r);

	url = xasprintf("file://%s#selftest", page);
	load(&r, dir, url);
	ck_assert_msg(r.status == 0, "%s: chromium exit %d: %s", cases[_i].what, r.status, r.err);
	report = strstr(r.out, "<pre id=\"selftest\">");
	ck_assert_msg(report != NULL, "%s: no self-test report in the page:\n%.2000s\n%.2000s", cases[_i].what,
		      r.out, r.err);
	report += strlen("<pre id=\"selftest\">");
	end = strstr(report, "</pre>");
	ck_assert_ptr_nonnull(end);
	*end = '\0';
	fprintf(stderr, "%s:\n%s\n", cases[_i].what, report);
	for (size_t k = 0; k < 6 && cases[_i].want[k]; k++)
		ck_assert_msg(strstr(report, cases[_i].want[k]), "%s: '%s' not in the report:\n%s", cases[_i].what,
			      cases[_i].want[k], report);
	ck_assert_msg(strstr(report, "\nerrors: 0"), "%s: script errors:\n%s", cases[_i].what, report);
	ck_assert_msg(!strstr(report, "FAILED"), "%s:\n%s", cases[_i].what, report);
	/* nothing on the console: no error, no uncaught exception, no warning */
	ck_assert_msg(!strstr(r.err, ":CONSOLE"), "%s: console messages:\n%s", cases[_i].what, r.err);

	tl_result_free(&r);
	for (size_t i = 0; i < 3; i++)
		free(paths[i]);
	free(url);
	free(page);
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
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
