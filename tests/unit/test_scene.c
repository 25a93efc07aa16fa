/* One scene, three views: for every fixture the picture, the terminal and
 * the HTML page show the same title, legend entries (in the same order) and
 * peak values, and the peak is the one 'mprof peak' reports. Labels on the
 * picture never cover each other or the data (checked with pixels), and the
 * picture fits sizes down to 400 x 250. */
#include "testlib.h"
#include "peak.h"
#include "plot_draw.h"
#include "plot_model.h"
#include "plot_text.h"
#include "scene.h"
#include "util.h"
#include "view_html.h"
#include "view_term.h"

#include <cairo.h>
#include <dirent.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fixtures: every .dat the Python tool wrote, and our own ---- */

#define FIXTURES_MAX 64

static char *fixtures[FIXTURES_MAX];
static size_t nfixtures;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && nfixtures < FIXTURES_MAX)
		if (str_ends_with(e->d_name, ".dat") && strcmp(e->d_name, "no-samples.dat"))
			fixtures[nfixtures++] = xasprintf("%s/%s", dir, e->d_name);
	closedir(d);
}

/* SHARED_ROOT's fixtures (else the copies in tests/data), then ours. */
static void find_fixtures(void)
{
	char *dir = tl_shared_fixtures();
	size_t before;

	add_dir(dir);
	if (!nfixtures)
		add_dir(SOURCE_ROOT "/tests/data/python-mprof");
	before = nfixtures;
	add_dir(SOURCE_ROOT "/tests/data/scene");
	qsort(fixtures, before, sizeof(*fixtures), cmp_str);
	qsort(fixtures + before, nfixtures - before, sizeof(*fixtures), cmp_str);
	free(dir);
}

static char *scene_data(const char *name)
{
	return xasprintf("%s/tests/data/scene/%s", SOURCE_ROOT, name);
}

/* ---- the three views of one scene ---- */

struct views {
	struct plot_model m;
	struct plot_options opt;
	struct scene sc;
	char *term, *html;
	struct plot_drawn png;
	cairo_surface_t *img;
};

static char *draw_term(const struct scene *sc, int w, int h)
{
	struct view_term_options t = { .width = w, .height = h, .color = false };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(view_term_write(f, sc, &t), 0);
	fclose(f);
	return buf;
}

static char *draw_html(const struct scene *sc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(view_html_write_stream(f, "page", sc), 0);
	fclose(f);
	return buf;
}

static cairo_surface_t *draw_png(const struct scene *sc, const struct plot_options *opt, struct plot_drawn *d)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, opt->width, opt->height);
	cairo_t *cr = cairo_create(img);

	plot_render(cr, sc, opt, false, d);
	ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	cairo_surface_flush(img);
	return img;
}

static void views_make(struct views *v, const char *path, int w, int h, int tw, int th)
{
	memset(v, 0, sizeof(*v));
	v->opt = (struct plot_options){ .width = w, .height = h, .dpi = 90 };
	ck_assert_msg(plot_model_read(&v->m, path, &v->opt, 0) == 0, "%s: %s", path, error_last());
	ck_assert_int_eq(scene_build(&v->sc, &v->m, 1, &v->opt), 0);
	v->term = draw_term(&v->sc, tw, th);
	v->html = draw_html(&v->sc);
	v->img = draw_png(&v->sc, &v->opt, &v->png);
}

static void views_free(struct views *v)
{
	free(v->term);
	free(v->html);
	plot_drawn_release(&v->png);
	cairo_surface_destroy(v->img);
	scene_release(&v->sc);
	plot_model_release(&v->m);
}

/* s as the page's data writes it (the fixtures' texts need no escaping). */
static char *json_field(const char *key, const char *s)
{
	return xasprintf("\"%s\":\"%s\"", key, s);
}

/* ---- every fixture: one title, one legend, one peak ---- */

START_TEST(test_same_in_every_view)
{
	const char *path = fixtures[_i];
	struct views v;
	const char *tpos, *hpos;
	struct peak p;

	setenv("TZ", "UTC", 1);
	views_make(&v, path, 1260, 540, 200, 60);
	/* the title */
	if (v.sc.title) {
		char *h1 = xasprintf("<h1>%s</h1>", v.sc.title), *js = json_field("title", v.sc.title);

		ck_assert_str_eq(v.png.title, v.sc.title);
		ck_assert_msg(strstr(v.term, v.sc.title), "%s: title not in the terminal:\n%s", path, v.term);
		ck_assert_msg(strstr(v.html, h1) && strstr(v.html, js), "%s: title not in the page", path);
		free(h1);
		free(js);
	}
	/* the legend, entry by entry, in one order */
	ck_assert_uint_eq(v.png.legend.n, v.sc.nlegend);
	tpos = v.term;
	hpos = v.html;
	for (size_t i = 0; i < v.sc.nlegend; i++) {
		const char *text = v.sc.legend[i].text;
		char *js = json_field("text", text);

		ck_assert_str_eq(v.png.legend.v[i], text);
		tpos = strstr(tpos, text);
		ck_assert_msg(tpos, "%s: legend entry '%s' not in the terminal (in order):\n%s", path, text, v.term);
		hpos = strstr(hpos, js);
		ck_assert_msg(hpos, "%s: legend entry '%s' not in the page (in order)", path, text);
		free(js);
	}
	/* the peaks: labelled on the picture or in its legend, in the page's data */
	for (size_t i = 0; i < v.sc.npeaks; i++) {
		const struct scene_peak *pk = &v.sc.peaks[i];
		char *js = json_field("label", pk->label);

		ck_assert_str_eq(v.sc.legend[pk->entry].text, pk->label);
		ck_assert_msg(strstr(v.html, js), "%s: peak '%s' not in the page", path, pk->label);
		free(js);
	}
	/* one sampled peak: mprof peak's */
	ck_assert_int_eq(peak_read(&p, path, NULL), 0);
	ck_assert_uint_ge(v.sc.npeaks, 1);
	ck_assert_int_eq(v.sc.peaks[0].kind, SCENE_PEAK_SAMPLED);
	ck_assert_msg(v.sc.peaks[0].v == p.mem, "%s: the plot's peak %g, mprof peak's %g", path, v.sc.peaks[0].v,
		      p.mem);
	peak_release(&p);
	views_free(&v);
}
END_TEST

/* The tutorial's details profile: a call's end recorded above every sample.
 * The peak is the highest sample in mprof peak and in every view. */
START_TEST(test_peak_is_the_samples)
{
	char *path = scene_data("func-above-samples.dat");
	struct views v;
	struct peak p;

	views_make(&v, path, 1260, 540, 120, 30);
	ck_assert_int_eq(peak_read(&p, path, NULL), 0);
	ck_assert_double_eq(p.mem, 126.785);
	ck_assert_double_eq(v.sc.peaks[0].v, 126.785);
	ck_assert_ptr_nonnull(strstr(v.sc.peaks[0].label, "peak 126.8 MiB at 0.600 s"));
	ck_assert_ptr_nonnull(strstr(v.term, "peak 126.8 MiB"));
	ck_assert_ptr_nonnull(strstr(v.html, "\"label\":\"peak 126.8 MiB"));
	ck_assert_ptr_null(strstr(v.term, "142.8"));
	ck_assert_ptr_null(strstr(v.html, "142.8 MiB"));
	ck_assert_uint_eq(v.png.nlabels, 1);
	ck_assert_str_eq(v.png.labels[0].text, v.sc.peaks[0].label);
	peak_release(&p);
	views_free(&v);
	free(path);
}
END_TEST

static uint32_t px_at(cairo_surface_t *img, int x, int y)
{
	const unsigned char *data = cairo_image_surface_get_data(img);
	int stride = cairo_image_surface_get_stride(img);

	return *(const uint32_t *)(data + (size_t)y * stride + 4 * (size_t)x);
}

/* ---- brackets of calls in a child process ---- */

/* A -M profile: the program holds 10 MiB, its child 4242 holds 100 MiB, and
 * the child ran __main__.work (FUNC with the child's pid, with the memory
 * that mprof measured in the program). The bracket is on the child's line:
 * in the model, in the page's data and in the picture. */
START_TEST(test_child_call_on_child_line)
{
	char *path = scene_data("child-brackets.dat");
	const struct plot_rect *pr;
	struct scene_rgb c;
	struct views v;
	double ysum = 0, y100, y10;
	long n = 0;

	views_make(&v, path, 1260, 540, 120, 30);
	ck_assert_uint_eq(v.m.nspans, 1);
	ck_assert_int_eq(v.m.spans[0].pid, 4242);
	ck_assert_double_eq_tol(v.m.spans[0].m0, 100, 1e-3);
	ck_assert_double_eq_tol(v.m.spans[0].m1, 100, 1e-3);
	ck_assert_msg(strstr(v.html, ",100,100,1,0]"), "the page's span is not at 100 MiB");
	/* the picture: the bracket's pixels, in the function's colour */
	c = v.sc.funcs[0].color;
	pr = &v.png.plot;
	for (int y = (int)pr->y; y < (int)(pr->y + pr->h); y++)
		for (int x = (int)pr->x; x < (int)(pr->x + pr->w); x++) {
			uint32_t p = px_at(v.img, x, y);

			if (abs((int)((p >> 16) & 0xff) - (int)lround(c.r * 255)) < 4 &&
			    abs((int)((p >> 8) & 0xff) - (int)lround(c.g * 255)) < 4 &&
			    abs((int)(p & 0xff) - (int)lround(c.b * 255)) < 4) {
				ysum += y;
				n++;
			}
		}
	ck_assert_int_gt(n, 10);
	y100 = pr->y + pr->h * (v.sc.yhi - 100) / (v.sc.yhi - v.sc.ylo);
	y10 = pr->y + pr->h * (v.sc.yhi - 10) / (v.sc.yhi - v.sc.ylo);
	ck_assert_msg(fabs(ysum / n - y100) < pr->h / 20, "bracket at y %.1f; 100 MiB at %.1f, 10 MiB at %.1f",
		      ysum / n, y100, y10);
	views_free(&v);
	free(path);
}
END_TEST

/* An attach to a process whose kernel peak (200.75 MiB) predates the run,
 * which then held 1 to 1.2 MiB: that mark is mprof peak's "before attach",
 * never the plot's axis or a peak of any view. */
START_TEST(test_peak_before_attach_not_on_axis)
{
	char *path = scene_data("attach-peak-before.dat");
	struct views v;
	struct peak p;

	views_make(&v, path, 1260, 540, 120, 30);
	ck_assert_int_eq(peak_read(&p, path, NULL), 0);
	ck_assert_double_eq(p.before_attach, 200.75);
	ck_assert_msg(v.sc.hi < 2 && v.sc.yhi < 10, "memory shown to %g, axis to %g", v.sc.hi, v.sc.yhi);
	for (size_t i = 0; i < v.sc.npeaks; i++)
		ck_assert_msg(v.sc.peaks[i].v < 2, "a peak at %g MiB", v.sc.peaks[i].v);
	ck_assert_ptr_null(strstr(v.term, "200."));
	ck_assert_ptr_null(strstr(v.html, "200.7"));
	peak_release(&p);
	views_free(&v);
	free(path);
}
END_TEST

/* ---- labels: never over each other, never over the data ---- */

/* A pixel of data: not the background, not the grid, not (a blend of) the
 * red of the peak guides. */
static bool is_data(uint32_t p)
{
	int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

	if (r > 245 && g > 245 && b > 245)
		return false;
	if (abs(r - 176) < 8 && abs(g - 176) < 8 && abs(b - 176) < 8)
		return false;
	return !(r > g + 8 && abs(g - b) < 16);
}

static const struct {
	const char *file;
	int w, h;
	size_t want_labels;   /* at least this many placed */
} crowded[] = {
	{ "crowded-labels.dat", 1260, 540, 3 },
	{ "crowded-labels.dat", 900, 400, 3 },
	{ "crowded-labels.dat", 600, 300, 1 },
	{ "crowded-labels.dat", 400, 250, 0 },
	{ "func-above-samples.dat", 600, 300, 1 },
	{ "exit-status.dat", 500, 300, 0 },
};

START_TEST(test_labels_apart)
{
	char *path = scene_data(crowded[_i].file);
	struct views v;
	struct plot_drawn bare = { .no_labels = true };
	cairo_surface_t *img;

	views_make(&v, path, crowded[_i].w, crowded[_i].h, 80, 24);
	ck_assert_uint_ge(v.png.nlabels, crowded[_i].want_labels);
	for (size_t i = 0; i < v.png.nlabels; i++) {
		const struct plot_rect *a = &v.png.labels[i].box, *p = &v.png.plot;

		ck_assert_msg(a->x >= p->x && a->y >= p->y && a->x + a->w <= p->x + p->w && a->y + a->h <= p->y + p->h,
			      "label '%s' outside the plot", v.png.labels[i].text);
		for (size_t k = 0; k < i; k++)
			ck_assert_msg(!plot_rects_overlap(a, &v.png.labels[k].box), "%dx%d: '%s' over '%s'",
				      crowded[_i].w, crowded[_i].h, v.png.labels[i].text, v.png.labels[k].text);
	}
	/* the same picture without the labels: nothing but background, grid
	 * and guides where they went */
	img = draw_png(&v.sc, &v.opt, &bare);
	ck_assert_uint_eq(bare.nlabels, v.png.nlabels);
	for (size_t i = 0; i < bare.nlabels; i++) {
		const struct plot_rect *a = &bare.labels[i].box;
		int n = 0;

		for (int y = (int)ceil(a->y); y < (int)floor(a->y + a->h); y++)
			for (int x = (int)ceil(a->x); x < (int)floor(a->x + a->w); x++)
				n += is_data(px_at(img, x, y));
		ck_assert_msg(n == 0, "%dx%d: label '%s' covers %d pixels of data", crowded[_i].w, crowded[_i].h,
			      bare.labels[i].text, n);
	}
	cairo_surface_destroy(img);
	plot_drawn_release(&bare);
	views_free(&v);
	free(path);
}
END_TEST

/* The terminal: labels over nothing either. */
START_TEST(test_term_labels_apart)
{
	char *path = scene_data("crowded-labels.dat");
	struct views v;

	views_make(&v, path, 1260, 540, 80, 24);
	/* each label whole on its own, never cut by another */
	for (size_t i = 0; i < v.sc.npeaks; i++) {
		const char *l = strstr(v.term, v.sc.peaks[i].label);

		ck_assert_msg(l, "'%s' not in:\n%s", v.sc.peaks[i].label, v.term);
	}
	views_free(&v);
	free(path);
}
END_TEST

/* ---- small pictures: everything inside, cut with an ellipsis at most ---- */

static const struct {
	int w, h;
} sizes[] = { { 400, 250 }, { 480, 270 }, { 600, 300 }, { 800, 350 }, { 1000, 300 } };

START_TEST(test_small_sizes)
{
	for (size_t f = 0; f < nfixtures; f++) {
		struct views v;
		const struct plot_rect *t, *lg, *p;

		views_make(&v, fixtures[f], sizes[_i].w, sizes[_i].h, 80, 24);
		t = &v.png.title_box;
		lg = &v.png.legend_box;
		p = &v.png.plot;
		if (v.png.title)
			ck_assert_msg(t->x >= 0 && t->x + t->w <= sizes[_i].w, "%s %dx%d: title from %.0f to %.0f",
				      fixtures[f], sizes[_i].w, sizes[_i].h, t->x, t->x + t->w);
		ck_assert_msg(lg->x >= 0 && lg->y >= 0 && lg->x + lg->w <= sizes[_i].w + 1 &&
			      lg->y + lg->h <= sizes[_i].h + 1, "%s %dx%d: legend outside", fixtures[f], sizes[_i].w,
			      sizes[_i].h);
		ck_assert_msg(!plot_rects_overlap(lg, p), "%s: legend over the plot", fixtures[f]);
		ck_assert_msg(p->w >= sizes[_i].w * 0.4 && p->h >= sizes[_i].h * 0.25, "%s %dx%d: plot %.0fx%.0f",
			      fixtures[f], sizes[_i].w, sizes[_i].h, p->w, p->h);
		views_free(&v);
	}
}
END_TEST

/* At 600 x 300 the details profile's legend shows whole, and its title too. */
START_TEST(test_600x300_whole)
{
	char *path = tl_fixture("details-nested.dat");
	struct views v;

	views_make(&v, path, 600, 300, 80, 24);
	ck_assert_str_eq(v.png.title, v.sc.title);
	ck_assert_uint_eq(v.png.legend.n, v.sc.nlegend);
	for (size_t i = 0; i < v.sc.nlegend; i++)
		ck_assert_str_eq(v.png.legend.v[i], v.sc.legend[i].text);
	views_free(&v);
	free(path);
}
END_TEST

/* ---- how the program ended, hidden kernel peaks, entries with no room ---- */

START_TEST(test_exit_status_everywhere)
{
	char *path = scene_data("exit-status.dat");
	struct views v;
	char *more;
	size_t shown = 0;

	views_make(&v, path, 1260, 540, 50, 16);
	ck_assert_str_eq(v.sc.title, "./prog --fail (exit status 3)");
	ck_assert_str_eq(v.png.title, v.sc.title);
	ck_assert_ptr_nonnull(strstr(v.term, "./prog --fail (exit status 3)"));
	ck_assert_ptr_nonnull(strstr(v.html, "<h1>./prog --fail (exit status 3)</h1>"));
	/* the kernel's mark is under the samples: no view draws it */
	for (size_t i = 0; i < v.sc.npeaks; i++)
		ck_assert_int_ne(v.sc.peaks[i].kind, SCENE_PEAK_KERNEL);
	ck_assert_ptr_null(strstr(v.html, "\"kind\":\"kernel\""));
	ck_assert_ptr_null(strstr(v.term, "kernel peak"));
	/* 12 children do not fit the terminal's legend: it says how many are left out */
	while (shown < v.sc.nlegend && strstr(v.term, v.sc.legend[shown].text))
		shown++;
	ck_assert_uint_lt(shown, v.sc.nlegend);
	more = scene_more_text(v.sc.nlegend - shown);
	ck_assert_msg(strstr(v.term, more), "'%s' not in:\n%s", more, v.term);
	free(more);
	views_free(&v);
	free(path);
}
END_TEST

/* ---- text in scripts the plot's font lacks ---- */

static const char cjk_profile[] =
	"CMDLINE ./\xe5\xad\x97 \xf0\x9f\x9a\x80\n"  /* 字 🚀 */
	"MEM 1 100\nMEM 2 100.5\nMEM 1 101\n"
	"FUNC m.\\xe6\\xbc\\xa2\\xe5\\xad\\x97 1 100.1 2 100.4 0\n"  /* 漢字 */
	"FUNC m.\\xe3\\x81\\x8b\\xe3\\x81\\xaa 1 100.5 2 100.9 0\n"; /* かな */

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* With only the plot's own font: one warning a missing script, naming the
 * package whose font has it. */
START_TEST(test_missing_font_named_once)
{
	char *dir = tl_tmpdir(), *dat = tl_path(dir, "cjk.dat"), *png = tl_path(dir, "cjk.png");
	char *conf = tl_path(dir, "fonts.conf"), *env_conf = xasprintf("FONTCONFIG_FILE=%s", conf), *text;
	struct tl_result r;

	tl_write_file(dat, cjk_profile);
	text = xasprintf("<?xml version=\"1.0\"?>\n<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>"
			 "<cachedir>%s/cache</cachedir></fontconfig>\n", dir);
	tl_write_file(conf, text);
	tl_run_env(&r, dir, (const char *const[]){ env_conf, NULL }, 60,
		   (const char *const[]){ "mprof", "plot", "-o", png, dat, NULL });
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(count(r.err, "no installed font has"), 2);
	ck_assert_int_eq(count(r.err, "fonts-wqy-microhei"), 1);
	ck_assert_int_eq(count(r.err, "fonts-symbola"), 1);
	tl_result_free(&r);
	free(text);
	free(env_conf);
	free(conf);
	free(png);
	free(dat);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* With the machine's fonts: a warning exactly when no font has the script
 * ('make deps' installs fonts that have them). */
START_TEST(test_fonts_of_this_machine)
{
	char *dir = tl_tmpdir(), *dat = tl_path(dir, "cjk.dat"), *png = tl_path(dir, "cjk.png");
	struct tl_result r;
	bool cjk = plot_text_has_glyph(0x5b57), rocket = plot_text_has_glyph(0x1f680);

	ck_assert(plot_text_has_glyph('A'));
	ck_assert_str_eq(plot_text_package_for(0x5b57), "fonts-wqy-microhei");
	ck_assert_str_eq(plot_text_package_for(0x1f680), "fonts-symbola");
	tl_write_file(dat, cjk_profile);
	tl_run(&r, dir, "mprof", "plot", "-o", png, dat);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(count(r.err, "fonts-wqy-microhei"), !cjk);
	ck_assert_int_eq(count(r.err, "fonts-symbola"), !rocket);
	if (!cjk || !rocket)
		tl_skip("fallback fonts: %s%s not installed here ('make deps' installs them)",
			cjk ? "" : "fonts-wqy-microhei ", rocket ? "" : "fonts-symbola");
	tl_result_free(&r);
	free(png);
	free(dat);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scene");
	TCase *tv = tcase_create("views");
	TCase *tl = tcase_create("labels");
	TCase *tf = tcase_create("fonts");
	int rc;

	find_fixtures();
	tcase_set_timeout(tv, 120);
	tcase_add_loop_test(tv, test_same_in_every_view, 0, (int)nfixtures);
	tcase_add_test(tv, test_peak_is_the_samples);
	tcase_add_test(tv, test_exit_status_everywhere);
	tcase_add_test(tv, test_child_call_on_child_line);
	tcase_add_test(tv, test_peak_before_attach_not_on_axis);
	suite_add_tcase(s, tv);
	tcase_set_timeout(tl, 120);
	tcase_add_loop_test(tl, test_labels_apart, 0, ARRAY_SIZE(crowded));
	tcase_add_test(tl, test_term_labels_apart);
	tcase_add_loop_test(tl, test_small_sizes, 0, ARRAY_SIZE(sizes));
	tcase_add_test(tl, test_600x300_whole);
	suite_add_tcase(s, tl);
	tcase_set_timeout(tf, 120);
	tcase_add_test(tf, test_missing_font_named_once);
	tcase_add_test(tf, test_fonts_of_this_machine);
	suite_add_tcase(s, tf);
	rc = tl_run_suite(s);
	for (size_t i = 0; i < nfixtures; i++)
		free(fixtures[i]);
	/* what cairo and fontconfig keep for the process's life, for valgrind */
	plot_text_release();
	cairo_debug_reset_static_data();
	FcFini();
	return rc;
}
