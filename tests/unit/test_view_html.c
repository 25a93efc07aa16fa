/* mprof plot -o FILE.html: the page is self-contained, its data block is
 * valid JSON with what the model holds, text is escaped, big runs stay small.
 * (test_browser.c loads the pages in a real browser.) */
#include "testlib.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run 'mprof plot -o DIR/page.html ARGS... FILES...'; returns the page (NULL
 * when the command failed, with r holding its result). */
static char *make_page(struct tl_result *r, const char *dir, const char *name, const char *const *args,
		       const char *const *files, size_t *len)
{
	const char *argv[24] = { "mprof", "plot", "-o" };
	char *out = tl_path(dir, name), *paths[4] = { NULL }, *page = NULL;
	size_t n = 3;

	argv[n++] = out;
	for (size_t i = 0; args && args[i]; i++)
		argv[n++] = args[i];
	for (size_t i = 0; files[i]; i++)
		argv[n++] = paths[i] = files[i][0] == '/' ? xstrdup(files[i]) : tl_fixture(files[i]);
	argv[n] = NULL;
	tl_run_env(r, NULL, (const char *const[]){ "TZ=UTC", NULL }, 120, argv);
	if (r->status == 0)
		page = tl_read_file(out, len);
	for (size_t i = 0; i < 4; i++)
		free(paths[i]);
	free(out);
	return page;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Nothing that a browser would fetch: no links, no sources, no imports, no
 * address but the SVG namespace. */
static void assert_self_contained(const char *page)
{
	ck_assert_msg(!strstr(page, "<link"), "a <link> in the page");
	ck_assert_msg(!strstr(page, " src="), "a src= in the page");
	ck_assert_msg(!strstr(page, "@import"), "an @import in the page");
	ck_assert_msg(!strstr(page, "url(http"), "a url() in the page");
	ck_assert_msg(!strstr(page, "//cdn"), "a CDN in the page");
	ck_assert_int_eq(count(page, "http"), count(page, "http://www.w3.org/2000/svg"));
	ck_assert_int_eq(count(page, "<script"), 2);    /* the data, the script */
	ck_assert_int_eq(count(page, "</script>"), 2);
	ck_assert(strncmp(page, "<!DOCTYPE html>", 15) == 0);
}

/* Facts about pages' data, read by Python's JSON parser (a strict one): for
 * each page, "== NAME" and one "key=value" line for each fact. */
static char *page_facts(const char *dir, const char *const *names)
{
	static const char script[] =
		"import json, os, re, sys\n"
		"for p in sys.argv[1:]:\n"
		" print('== %s' % os.path.basename(p))\n"
		" t = open(p, encoding='utf-8').read()\n"
		" m = re.search(r'<script type=\"application/json\" id=\"mprof-data\">(.*?)</script>', t, re.S)\n"
		" d = json.loads(m.group(1))\n"
		" s = d['series']\n"
		" print('series=%d' % len(s))\n"
		" print('pids=%s' % ','.join(str(x['pid']) for x in s))\n"
		" print('levels=%s' % ','.join(str(len(x['levels'])) for x in s))\n"
		" print('finest=%d' % max(l['c'] for x in s for l in x['levels']))\n"
		" print('cols=%s' % ','.join('/'.join(str(l['c']) for l in x['levels']) for x in s))\n"
		" print('spans=%d' % len(d['spans']))\n"
		" print('calls=%d' % sum(x[6] for x in d['spans']))\n"
		" print('funcs=%s' % ','.join(f['label'] for f in d['funcs']))\n"
		" print('marks=%s' % ','.join(k[1] for k in d['marks']))\n"
		" print('kpeak=%s' % (s[0]['kpeak'] and round(s[0]['kpeak'][1], 1)))\n"
		" print('peak=%.1f' % s[0]['peak'][1])\n"
		" print('title=%s' % d['title'])\n"
		" print('flame=%s showfuncs=%s window=%s trend=%s' % (d['flame'], d['showfuncs'], d['window'],\n"
		"      s[0]['trend'] is not None))\n";
	const char *argv[40] = { "python3", "-c", script };
	char *paths[36] = { NULL };
	struct tl_result r;
	size_t n = 3;
	char *out;

	for (size_t i = 0; names[i] && i < 36; i++)
		argv[n++] = paths[i] = tl_path(dir, names[i]);
	argv[n] = NULL;
	tl_run_env(&r, NULL, NULL, 120, argv);
	ck_assert_msg(r.status == 0, "a page's data is not valid JSON: %s", r.err);
	out = xstrdup(r.out);
	tl_result_free(&r);
	for (size_t i = 0; i < 36; i++)
		free(paths[i]);
	return out;
}

/* ---- every fixture ---- */

static const struct {
	const char *files[3];
	const char *args[4];
	const char *facts[5];     /* lines of page_facts */
} pages[] = {
	{ { "plain.dat" }, { NULL },
	  { "series=1\n", "pids=0\n", "peak=181.9\n", "title=/usr/bin/python3 fun_profiling_mprof.py\n", "spans=0\n" } },
	{ { "details-nested.dat" }, { NULL },
	  { "spans=5\n", "funcs=grow,churn,churn_phase\n", "peak=149.8\n", "flame=False showfuncs=True" } },
	{ { "details-nested.dat" }, { "--flame" }, { "spans=5\n", "flame=True showfuncs=True" } },
	{ { "details-nested.dat" }, { "-n" }, { "spans=0\n", "flame=False showfuncs=False" } },
	{ { "details-nested.dat" }, { "-w", "0.5,1.0" }, { "window=True" } },
	{ { "details-nested.dat" }, { "-t", "my title" }, { "title=my title\n" } },
	{ { "legacy-5field-func.dat" }, { NULL }, { "spans=5\n", "funcs=grow,churn,churn_phase\n" } },
	{ { "multiprocess.dat" }, { NULL }, { "series=4\n", "pids=0,9383,9384,9385\n" } },
	{ { "include-children.dat" }, { NULL }, { "series=1\n", "peak=382.8\n" } },
	{ { "steps-10ms.dat" }, { "-s" }, { "trend=True\n" } },
	{ { "steps-10ms.dat" }, { NULL }, { "trend=False\n" } },
	{ { "plain.dat", "details-nested.dat" }, { NULL }, { "series=2\n", "pids=0,0\n", "spans=5\n" } },
};

/* All pages first, then one parser run over them (starting Python is the
 * slow part). */
START_TEST(test_pages)
{
	char *dir = tl_tmpdir(), *facts;
	const char *names[ARRAY_SIZE(pages) + 1] = { NULL };
	char name[ARRAY_SIZE(pages)][32];

	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		struct tl_result r;
		size_t len;
		char *page;

		snprintf(name[i], sizeof(name[i]), "page%zu.html", i);
		names[i] = name[i];
		page = make_page(&r, dir, name[i], pages[i].args, pages[i].files, &len);
		ck_assert_msg(page != NULL, "page %zu: exit %d: %s", i, r.status, r.err);
		ck_assert_str_eq(r.out, "");
		assert_self_contained(page);
		ck_assert_uint_lt(len, 200 * 1024); /* small runs make small pages */
		free(page);
		tl_result_free(&r);
	}
	facts = page_facts(dir, names);
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++) {
		char *head = xasprintf("== %s\n", name[i]), *mine = strstr(facts, head), *next;

		ck_assert_msg(mine != NULL, "no facts for %s:\n%s", name[i], facts);
		mine = xstrdup(mine + strlen(head));
		if ((next = strstr(mine, "== ")))
			*next = '\0';
		for (size_t k = 0; k < 5 && pages[i].facts[k]; k++)
			ck_assert_msg(strstr(mine, pages[i].facts[k]), "page %zu: '%s' not in:\n%s", i,
				      pages[i].facts[k], mine);
		free(mine);
		free(head);
	}
	free(facts);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- escaping: names and titles cannot break out of their place ---- */

START_TEST(test_escaping)
{
	char *dir = tl_tmpdir(), *dat = tl_path(dir, "x.dat"), *page, *facts;
	const char *files[] = { dat, NULL };
	struct tl_result r;

	tl_write_file(dat, "CMDLINE ./x '</script><b>&\"'\n"
			   "MEM 1.0 100.0\nMEM 2.0 100.5\nMEM 1.5 101.0\n"
			   "FUNC m.</script>\\x20\\xe2\\x80\\xa8 1.0 100.1 2.0 100.6 0\n"
			   "MARK <!--x 1.5 100.7\n");
	page = make_page(&r, dir, "page.html", NULL, files, NULL);
	ck_assert_msg(page != NULL, "exit %d: %s", r.status, r.err);
	assert_self_contained(page);
	ck_assert_ptr_nonnull(strstr(page, "<title>./x '&lt;/script&gt;&lt;b&gt;&amp;&quot;'</title>"));
	ck_assert_ptr_null(strstr(page, "<!--x"));
	facts = page_facts(dir, (const char *const[]){ "page.html", NULL });
	ck_assert_msg(strstr(facts, "title=./x '</script><b>&\"'\n"), "%s", facts);
	ck_assert_msg(strstr(facts, "funcs=</script> \u2028\n"), "%s", facts);
	ck_assert_msg(strstr(facts, "marks=<!--x\n"), "%s", facts);
	free(facts);
	free(page);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
	free(dat);
}
END_TEST

/* ---- failures leave no page ---- */

START_TEST(test_no_samples)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "page.html");
	const char *files[] = { "no-samples.dat", NULL };
	struct tl_result r;

	ck_assert_ptr_null(make_page(&r, dir, "page.html", NULL, files, NULL));
	ck_assert_int_eq(r.status, EXIT_FAIL);
	ck_assert_ptr_nonnull(strstr(r.err, "no memory samples"));
	ck_assert_int_ne(access(out, F_OK), 0);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
	free(out);
}
END_TEST

START_TEST(test_unwritable)
{
	char *f = tl_fixture("plain.dat");
	struct tl_result r;

	tl_run(&r, NULL, "mprof", "plot", "-o", "/nonexistent-dir/x.html", f);
	ck_assert_int_eq(r.status, EXIT_FAIL);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot create '/nonexistent-dir/x.html'"));
	tl_result_free(&r);
	free(f);
}
END_TEST

/* ---- a big run: 300000 samples, fifty thousand calls ---- */

#define BIG_SAMPLES 300000
#define BIG_CALLS 50000

START_TEST(test_big)
{
	char *dir = tl_tmpdir(), *dat = tl_path(dir, "big.dat"), *page, *facts;
	const char *files[] = { dat, NULL };
	FILE *f = fopen(dat, "w");
	struct tl_result r;
	double v = 100;
	size_t len;
	int finest = 0;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./big\n");
	for (long i = 0; i < BIG_SAMPLES; i++) {
		v += ((i * 7919) % 13 - 6) * 0.05;
		fprintf(f, "MEM %.6f %.4f\n", v < 1 ? 1 : v, 1700000000.0 + i * 0.001);
	}
	for (long i = 0; i < BIG_CALLS; i++)
		fprintf(f, "FUNC m.f%ld 100.0 %.4f 101.0 %.4f 0\n", i % 3, 1700000000.0 + i * 0.02,
			1700000000.0 + i * 0.02 + 0.01);
	ck_assert_int_eq(fclose(f), 0);

	page = make_page(&r, dir, "page.html", NULL, files, &len);
	ck_assert_msg(page != NULL, "exit %d: %s", r.status, r.err);
	assert_self_contained(page);
	ck_assert_uint_lt(len, 5u << 20);
	facts = page_facts(dir, (const char *const[]){ "page.html", NULL });
	/* coarse to fine, down to far more columns than a screen's pixels */
	ck_assert_msg(strstr(facts, "cols=1024/4096/16384/65536"), "%s", facts);
	ck_assert(sscanf(strstr(facts, "finest="), "finest=%d", &finest) == 1);
	ck_assert_int_ge(finest, 65536);
	/* calls merged where they touch at page scale, none lost */
	ck_assert_msg(strstr(facts, "calls=50000\n"), "%s", facts);
	ck_assert_msg(!strstr(facts, "spans=50000\n"), "%s", facts);
	free(facts);
	free(page);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
	free(dat);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("view_html");
	TCase *tc = tcase_create("page");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pages);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_no_samples);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_big);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
