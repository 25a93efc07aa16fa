/* mprof plot: the tick chooser, the decimating model, and pictures checked
 * pixel by pixel. */
#include "testlib.h"
#include "output.h"
#include "plot_draw.h"
#include "scene.h"
#include "plot_layout.h"
#include "plot_model.h"
#include "util.h"

#include <cairo.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T0 1795695938.0

/* ---- ticks ---- */

static const struct {
	double lo, hi, px, min_px;
	double step, first;
	int n, decimals;
} ticks[] = {
	{ 0, 100, 400, 40, 10, 0, 11, 0 },
	{ 0, 100, 400, 50, 20, 0, 6, 0 },
	{ 0, 1.5, 900, 60, 0.1, 0, 16, 1 },
	{ 0, 1.5, 900, 120, 0.2, 0, 8, 1 },
	{ -0.05, 1.55, 900, 60, 0.2, 0, 8, 1 },
	{ 0, 250, 405, 40, 50, 0, 6, 0 },
	{ 12.3, 12.9, 300, 50, 0.1, 12.3, 7, 1 },
	{ 0, 0.004, 800, 60, 0.0005, 0, 9, 4 },
	{ 0, 86400, 1000, 60, 10000, 0, 9, 0 },
	{ 1e-9, 3e-9, 500, 50, 2e-10, 1e-9, 11, 10 },
};

START_TEST(test_ticks_choose)
{
	struct plot_ticks t;

	ck_assert(plot_ticks_choose(ticks[_i].lo, ticks[_i].hi, ticks[_i].px, ticks[_i].min_px, &t));
	ck_assert_msg(fabs(t.step - ticks[_i].step) < 1e-12 * ticks[_i].step, "case %d: step %g, want %g",
		      _i, t.step, ticks[_i].step);
	ck_assert_msg(fabs(t.first - ticks[_i].first) < 1e-9 * fmax(1, fabs(ticks[_i].first)),
		      "case %d: first %g, want %g", _i, t.first, ticks[_i].first);
	ck_assert_int_eq(t.n, ticks[_i].n);
	ck_assert_int_eq(t.decimals, ticks[_i].decimals);
	/* every tick inside the range, at least min_px apart */
	ck_assert(plot_tick_value(&t, 0) >= ticks[_i].lo - 1e-12);
	ck_assert(plot_tick_value(&t, t.n - 1) <= ticks[_i].hi + 1e-12);
	ck_assert(t.step * ticks[_i].px / (ticks[_i].hi - ticks[_i].lo) >= ticks[_i].min_px * (1 - 1e-9));
}
END_TEST

START_TEST(test_ticks_labels)
{
	struct plot_ticks t;
	char buf[32];

	ck_assert(plot_ticks_choose(-0.05, 1.55, 900, 60, &t));
	plot_tick_label(&t, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.0"); /* never "-0.0" */
	plot_tick_label(&t, 3, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.6");
	ck_assert(!plot_ticks_choose(1, 1, 100, 10, &t));
	ck_assert(!plot_ticks_choose(0, 1, 0, 10, &t));
}
END_TEST

START_TEST(test_nice_range)
{
	double lo, hi;

	plot_nice_range(10, 100, &lo, &hi);
	ck_assert_double_eq(lo, 0);
	ck_assert_double_eq_tol(hi, 108, 1e-9);
	plot_nice_range(90, 100, &lo, &hi);
	ck_assert(lo < 90 && lo > 80);
	plot_nice_range(5, 5, &lo, &hi);
	ck_assert(lo == 0 && hi > 5);
	plot_nice_range(0, 0, &lo, &hi);
	ck_assert(lo == 0 && hi > 0);
}
END_TEST

/* ---- the model ---- */

static char *write_tmp(const char *dir, const char *name, const char *text)
{
	char *p = tl_path(dir, name);

	tl_write_file(p, text);
	return p;
}

/* n samples 1 ms apart, a random walk, one sample of `spike` MiB at index k */
static char *write_walk(const char *dir, const char *name, long n, long k, double spike, bool shuffled)
{
	char *p = tl_path(dir, name);
	FILE *f = fopen(p, "w");
	double v = 100;
	unsigned seed = 7;
	long *order = malloc(n * sizeof(*order));
	double *vals = malloc(n * sizeof(*vals));

	ck_assert_ptr_nonnull(f);
	for (long i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		v += ((double)(seed >> 16 & 0xff) - 127.5) / 256;
		if (v < 20)
			v = 20;
		vals[i] = i == k ? spike : v;
		order[i] = i;
	}
	if (shuffled)
		for (long i = n - 1; i > 0; i--) {
			long j, t;

			seed = seed * 1103515245u + 12345u;
			j = (long)((seed >> 8) % (unsigned long)(i + 1));
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
	fprintf(f, "CMDLINE walk\n");
	for (long i = 0; i < n; i++)
		fprintf(f, "MEM %.6f %.4f\n", vals[order[i]], T0 + order[i] * 0.001);
	ck_assert_int_eq(fclose(f), 0);
	free(order);
	free(vals);
	return p;
}

START_TEST(test_model_peak_and_columns)
{
	char *dir = tl_tmpdir(), *p = write_walk(dir, "w.dat", 200000, 123457, 5000, false);
	struct plot_model m;
	struct plot_options cfg = { 0 };
	struct plot_column cols[1000];
	size_t total = 0, nb = 0;
	double t0, t1, lo, hi;

	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), 0);
	ck_assert_uint_eq(m.main.n, 200000);
	ck_assert_double_eq(m.main.peak.v, 5000);
	ck_assert_double_eq_tol(m.main.peak.t, 123.457, 1e-6);
	ck_assert_double_eq_tol(m.t_abs, T0, 1e-6);
	plot_model_extent(&m, &t0, &t1, &lo, &hi);
	ck_assert_double_eq_tol(t0, 0, 1e-9);
	ck_assert_double_eq_tol(t1, 199.999, 1e-6);
	ck_assert_double_eq(hi, 5000);
	ck_assert(lo >= 20 && lo < 100);
	/* memory is bounded by the buckets, not by the samples */
	for (size_t i = 0; i < m.grid.nbuckets; i++) {
		const struct plot_bucket *b = plot_series_bucket(&m, &m.main, i);

		if (b) {
			total += b->n;
			nb++;
		}
	}
	ck_assert_uint_eq(total, 200000);
	ck_assert_uint_le(nb, m.grid.nbuckets);
	ck_assert_uint_ge(nb, m.grid.nbuckets / 4);
	/* a one-sample spike survives decimation into 1000 columns */
	plot_series_columns(&m, &m.main, 0, 200, cols, 1000);
	ck_assert_double_eq(cols[617].max, 5000);
	ck_assert(cols[616].max < 1000 && cols[618].max < 1000);
	total = 0;
	for (size_t i = 0; i < 1000; i++)
		total += cols[i].n;
	ck_assert_uint_eq(total, 200000);
	ck_assert_double_eq_tol(cols[0].tfirst, 0, 1e-9);
	plot_model_release(&m);
	tl_rmrf(dir);
	free(p);
	free(dir);
}
END_TEST

/* Records in any order give the same picture. */
START_TEST(test_model_any_order)
{
	char *dir = tl_tmpdir();
	char *a = write_walk(dir, "a.dat", 50000, 30050, 900, false);
	char *b = write_walk(dir, "b.dat", 50000, 30050, 900, true);
	struct plot_model ma, mb;
	struct plot_options cfg = { 0 };
	struct plot_column ca[500], cb[500];

	ck_assert_int_eq(plot_model_read(&ma, a, &cfg, 0), 0);
	ck_assert_int_eq(plot_model_read(&mb, b, &cfg, 0), 0);
	ck_assert_double_eq(ma.main.peak.t, mb.main.peak.t);
	ck_assert_double_eq(ma.t_abs, mb.t_abs);
	ck_assert_uint_eq(ma.main.n, mb.main.n);
	ck_assert_double_eq(ma.main.first.t, mb.main.first.t);
	ck_assert_double_eq(ma.main.last.t, mb.main.last.t);
	ck_assert_double_eq(ma.main.lo, mb.main.lo);
	/* the buckets may be placed differently, by less than a column */
	plot_series_columns(&ma, &ma.main, 0, 50, ca, 500);
	plot_series_columns(&mb, &mb.main, 0, 50, cb, 500);
	for (int i = 1; i < 499; i++) {
		ck_assert(ca[i].max <= fmax(cb[i - 1].max, fmax(cb[i].max, cb[i + 1].max)));
		ck_assert(cb[i].max <= fmax(ca[i - 1].max, fmax(ca[i].max, ca[i + 1].max)));
		ck_assert(ca[i].min >= fmin(cb[i - 1].min, fmin(cb[i].min, cb[i + 1].min)));
		ck_assert(abs((int)ca[i].n - (int)cb[i].n) <= 100);
	}
	ck_assert_double_eq(ca[300].max, 900);
	ck_assert_double_eq(cb[300].max, 900);
	plot_model_release(&ma);
	plot_model_release(&mb);
	tl_rmrf(dir);
	free(a);
	free(b);
	free(dir);
}
END_TEST

START_TEST(test_model_records)
{
	char *dir = tl_tmpdir();
	char *p = write_tmp(dir, "r.dat",
			    "FUNC pkg.mod.f 30 1010.0 40 1011.0 0\n"
			    "FUNC other.f 30 1012.0 35 1012.5 1\n"
			    "FUNC other.f 30 1013.0 35 1013.5 1 unfinished\n"
			    "FUNC .block\\x20one 20 1001.0 25 1002.0 0\n"
			    "CMDLINE ./prog 'a b'\n"
			    "MEM 10 1000.0\n"
			    "MEM 50 1005.0\n"
			    "MEM 20 1020.0\n"
			    "CHLD 77 5 1001.0\n"
			    "CHLD 77 9 1002.0\n"
			    "CHLDCMD 77 worker\\x20\\xff\n"
			    "CHLDPEAK 77 12 1003\n"
			    "PEAK 64 1020\n"
			    "MARK phase\\x202 30 1006.0\n"
			    "EXIT 1020.5 signal 9\n");
	struct plot_model m;
	struct plot_options cfg = { 0 };
	const struct plot_func *f = NULL, *g = NULL, *blk = NULL;

	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), 0);
	ck_assert_str_eq(m.cmdline, "./prog 'a b'");
	ck_assert_double_eq_tol(m.t_abs, 1000, 1e-9);
	/* FUNC ends place brackets; they are not samples (the peak is the samples', as in mprof peak) */
	ck_assert_uint_eq(m.main.n, 3);
	ck_assert_double_eq(m.main.peak.v, 50);
	ck_assert(m.main.kernel_peak.set);
	ck_assert_double_eq(m.main.kernel_peak.v, 64);
	ck_assert_uint_eq(m.nchildren, 1);
	ck_assert_int_eq(m.children[0].pid, 77);
	ck_assert_uint_eq(m.children[0].n, 2);
	ck_assert_str_eq(m.children[0].name, "worker \xef\xbf\xbd");
	ck_assert_double_eq(m.children[0].kernel_peak.v, 12);
	ck_assert_uint_eq(m.nmarks, 1);
	ck_assert_str_eq(m.marks[0].label, "phase 2");
	ck_assert_double_eq_tol(m.marks[0].t, 6, 1e-9);
	ck_assert(m.has_exit);
	ck_assert_str_eq(m.exit_how, "signal");
	ck_assert_int_eq(m.exit_status, 9);
	ck_assert_uint_eq(m.nfuncs, 3);
	ck_assert_uint_eq(m.nspans, 4);
	ck_assert_int_eq(m.max_level, 1);
	for (size_t i = 0; i < m.nfuncs; i++) {
		if (!strcmp(m.funcs[i].name, "pkg.mod.f"))
			f = &m.funcs[i];
		else if (!strcmp(m.funcs[i].name, "other.f"))
			g = &m.funcs[i];
		else if (!strcmp(m.funcs[i].name, ".block one"))
			blk = &m.funcs[i];
	}
	ck_assert(f && g && blk);
	/* labels as the Python tool's: ambiguous last parts get longer */
	ck_assert_str_eq(f->label, "mod.f");
	ck_assert_str_eq(g->label, "other.f");
	ck_assert_str_eq(blk->label, "block one");
	ck_assert_uint_eq(g->calls, 2);
	ck_assert_double_eq_tol(g->total, 1.0, 1e-9);
	ck_assert(g->unfinished && !f->unfinished);
	/* spans come sorted for drawing: outer levels first, by start */
	ck_assert_int_eq(m.spans[0].level, 0);
	ck_assert_double_eq_tol(m.spans[0].t0, 1, 1e-9);
	ck_assert(m.spans[3].unfinished);
	plot_model_release(&m);
	tl_rmrf(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(test_model_legacy_levels)
{
	char *dir = tl_tmpdir();
	char *p = tl_fixture("legacy-5field-func.dat");
	struct plot_model m;
	struct plot_options cfg = { 0 };
	int levels[3] = { 0 };

	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), 0);
	ck_assert_uint_eq(m.nspans, 5);
	for (size_t i = 0; i < m.nspans; i++) {
		ck_assert_int_ge(m.spans[i].level, 0);
		ck_assert_int_le(m.spans[i].level, 2);
		levels[m.spans[i].level]++;
	}
	/* the same nesting as the file with levels: 2 at 0, 1 at 1, 2 at 2 */
	ck_assert_int_eq(levels[0], 2);
	ck_assert_int_eq(levels[1], 1);
	ck_assert_int_eq(levels[2], 2);
	plot_model_release(&m);
	tl_rmrf(dir);
	free(p);
	free(dir);
}
END_TEST

/* A million FUNC records: merged by pixels, counted exactly, not quadratic. */
START_TEST(test_model_many_funcs)
{
	char *dir = tl_tmpdir(), *p = tl_path(dir, "f.dat");
	FILE *f = fopen(p, "w");
	struct plot_model m;
	struct plot_options cfg = { 0 };
	const long n = 1000000;
	size_t calls = 0;

	ck_assert_ptr_nonnull(f);
	for (long i = 0; i < n; i++)
		fprintf(f, "FUNC m.%s 1 %.4f 2 %.4f 0\n", i % 3 ? "a" : "b", T0 + i * 0.001,
			T0 + i * 0.001 + 0.0005);
	fprintf(f, "MEM 1 %.4f\n", T0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), 0);
	ck_assert_uint_eq(m.nfuncs, 2);
	ck_assert_uint_eq(m.funcs[0].calls + m.funcs[1].calls, (size_t)n);
	ck_assert_uint_lt(m.nspans, (size_t)n / 20);
	for (size_t i = 0; i < m.nspans; i++)
		calls += m.spans[i].calls;
	ck_assert_uint_eq(calls, (size_t)n);
	plot_model_release(&m);
	tl_rmrf(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(test_model_window)
{
	char *dir = tl_tmpdir();
	/* FUNC first, later than the first sample: the window still counts
	 * from the first sample */
	char *p = write_tmp(dir, "w.dat",
			    "FUNC f 5 1003.5 6 1004.5 0\n"
			    "FUNC g 5 1008.5 6 1009.0 0\n"
			    "MEM 1 1000\nMEM 2 1001\nMEM 3 1002\nMEM 9 1003\nMEM 4 1004\nMEM 5 1005\n"
			    "MEM 6 1006\nMEM 7 1010\n"
			    "CHLD 5 1 1000\nCHLD 5 2 1010\n"
			    "MARK early 1 1000.5\nMARK inside 1 1004\n");
	struct plot_model m;
	struct plot_options cfg = { .window = true, .w0 = 2.5, .w1 = 5.5 };

	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), 0);
	ck_assert_double_eq_tol(m.t_abs, 1000, 1e-9);
	/* 3, 4, 5 s (the FUNC f ends at 3.5 and 4.5 are not samples) */
	ck_assert_uint_eq(m.main.n, 3);
	ck_assert_double_eq(m.main.peak.v, 9);
	ck_assert(m.main.before.set && m.main.after.set);
	ck_assert_double_eq_tol(m.main.before.t, 2, 1e-9);
	ck_assert_double_eq_tol(m.main.after.t, 6, 1e-9);
	ck_assert_uint_eq(m.nspans, 1);
	ck_assert_uint_eq(m.nmarks, 1);
	ck_assert_str_eq(m.marks[0].label, "inside");
	/* a child crossing the window without a sample in it */
	ck_assert_uint_eq(m.children[0].n, 0);
	ck_assert(m.children[0].before.set && m.children[0].after.set);
	plot_model_release(&m);

	cfg.w0 = 100;
	cfg.w1 = 200;
	error_set_quiet(true);
	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "no memory samples in the window"));
	error_set_quiet(false);
	tl_rmrf(dir);
	free(p);
	free(dir);
}
END_TEST

START_TEST(test_model_errors)
{
	char *p = tl_fixture("no-samples.dat");
	struct plot_model m;
	struct plot_options cfg = { 0 };
	char *dir = tl_tmpdir(), *bad = write_tmp(dir, "bad.dat", "MEM 1 2\nMEM x 3\n");

	error_set_quiet(true);
	ck_assert_int_eq(plot_model_read(&m, p, &cfg, 0), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "no memory samples"));
	ck_assert_int_eq(plot_model_read(&m, bad, &cfg, 0), -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "bad.dat:2:"));
	ck_assert_int_eq(plot_model_read(&m, "/nonexistent/x.dat", &cfg, 0), -1);
	error_set_quiet(false);
	tl_rmrf(dir);
	free(bad);
	free(dir);
	free(p);
}
END_TEST

START_TEST(test_display_text)
{
	char *s;

	s = plot_display_text("a\\x20b\\x0a\\xc3\\xa9", strlen("a\\x20b\\x0a\\xc3\\xa9"), true);
	ck_assert_str_eq(s, "a b\xef\xbf\xbd\xc3\xa9");
	free(s);
	s = plot_display_text("bad\xff\x01 ok", 8, false);
	ck_assert_str_eq(s, "bad\xef\xbf\xbd\xef\xbf\xbd ok");
	free(s);
}
END_TEST

START_TEST(test_format_start)
{
	char buf[96];

	setenv("TZ", "UTC", 1);
	tzset();
	plot_format_start(1795695938.8861, buf, sizeof(buf));
	ck_assert_str_eq(buf, "26 / 11 / 2026 - start at 12:25:38.886");
	plot_format_start(1795695938.9996, buf, sizeof(buf));
	ck_assert_str_eq(buf, "26 / 11 / 2026 - start at 12:25:39.000");
}
END_TEST

START_TEST(test_output_format)
{
	enum output_format f;

	ck_assert_int_eq(output_format_of("a.png", &f), 0);
	ck_assert_int_eq(f, OUTPUT_PNG);
	ck_assert_int_eq(output_format_of("dir.x/A.SVG", &f), 0);
	ck_assert_int_eq(f, OUTPUT_SVG);
	ck_assert_int_eq(output_format_of("a.pdf", &f), 0);
	ck_assert_int_eq(f, OUTPUT_PDF);
	ck_assert_int_eq(output_format_of("a.bmp", &f), -1);
	ck_assert_int_eq(output_format_of("dir.png/a", &f), -1);
	ck_assert_int_eq(output_format_of("png", &f), -1);
}
END_TEST

/* ---- pictures ---- */

/* A function's colour as doubles, by its colour rank. */
static void plot_func_color(unsigned rank, double rgb[3])
{
	struct scene_rgb c = scene_func_color(rank);

	rgb[0] = c.r;
	rgb[1] = c.g;
	rgb[2] = c.b;
}

/* The scene's title for models. Caller frees. */
static char *plot_title(const struct plot_model *m, size_t n, const struct plot_options *opt)
{
	struct scene sc;
	char *t;

	ck_assert_int_eq(scene_build(&sc, m, n, opt), 0);
	t = sc.title ? xstrdup(sc.title) : NULL;
	scene_release(&sc);
	return t;
}

struct image {
	cairo_surface_t *s;
	int w, h, stride;
	const unsigned char *data;
};

static void image_load(struct image *im, const char *path)
{
	im->s = cairo_image_surface_create_from_png(path);
	ck_assert_msg(cairo_surface_status(im->s) == CAIRO_STATUS_SUCCESS, "%s: not a PNG", path);
	im->w = cairo_image_surface_get_width(im->s);
	im->h = cairo_image_surface_get_height(im->s);
	im->stride = cairo_image_surface_get_stride(im->s);
	im->data = cairo_image_surface_get_data(im->s);
}

static void pixel(const struct image *im, int x, int y, int rgb[3])
{
	uint32_t p = *(const uint32_t *)(im->data + (size_t)y * im->stride + 4 * (size_t)x);

	rgb[0] = (p >> 16) & 0xff;
	rgb[1] = (p >> 8) & 0xff;
	rgb[2] = p & 0xff;
}

static bool near(const int rgb[3], int r, int g, int b, int tol)
{
	return abs(rgb[0] - r) <= tol && abs(rgb[1] - g) <= tol && abs(rgb[2] - b) <= tol;
}

static bool is_dark(const int rgb[3])
{
	return rgb[0] < 80 && rgb[1] < 80 && rgb[2] < 80;
}

/* The plot frame: the columns with the longest dark vertical runs. */
struct frame {
	int left, right, top, bottom;
};

static void find_frame(const struct image *im, struct frame *f)
{
	int best = 0;
	int *run = calloc(im->w, sizeof(int));
	int *start = calloc(im->w, sizeof(int));

	for (int x = 0; x < im->w; x++) {
		int cur = 0, cs = 0;

		for (int y = 0; y < im->h; y++) {
			int c[3];

			pixel(im, x, y, c);
			if (is_dark(c)) {
				if (!cur)
					cs = y;
				cur++;
				if (cur > run[x]) {
					run[x] = cur;
					start[x] = cs;
				}
			} else {
				cur = 0;
			}
		}
		if (run[x] > best)
			best = run[x];
	}
	f->left = -1;
	for (int x = 0; x < im->w; x++)
		if (run[x] >= best - 2) {
			if (f->left < 0) {
				f->left = x;
				f->top = start[x];
				f->bottom = start[x] + run[x] - 1;
			}
			f->right = x;
		}
	free(run);
	free(start);
	ck_assert_int_gt(f->right - f->left, im->w / 3);
	ck_assert_int_gt(f->bottom - f->top, im->h / 3);
}

/* The column (vertical) or row inside the frame with the most pixels of
 * colour (r, g, b); their number in *count. */
static int densest_line(const struct image *im, const struct frame *f, bool vertical, int r, int g,
			int b, int *count)
{
	int lo = vertical ? f->left : f->top, hi = vertical ? f->right : f->bottom;
	int across_lo = vertical ? f->top : f->left, across_hi = vertical ? f->bottom : f->right;
	int best = -1, bestn = 0;

	for (int i = lo + 2; i < hi - 1; i++) {
		int n = 0;

		for (int j = across_lo + 2; j < across_hi - 1; j++) {
			int c[3];

			pixel(im, vertical ? i : j, vertical ? j : i, c);
			n += near(c, r, g, b, 40);
		}
		if (n > bestn) {
			bestn = n;
			best = i;
		}
	}
	*count = bestn;
	return best;
}

static int densest_column(const struct image *im, const struct frame *f, int r, int g, int b, int *count)
{
	return densest_line(im, f, true, r, g, b, count);
}

static int densest_row(const struct image *im, const struct frame *f, int r, int g, int b, int *count)
{
	return densest_line(im, f, false, r, g, b, count);
}

/* Pixels of colour c in the columns [x - 2, x + 2] of the frame. */
static int colour_near_x(const struct image *im, const struct frame *f, double x, int r, int g, int b)
{
	int n = 0;

	for (int cx = (int)lround(x) - 2; cx <= (int)lround(x) + 2; cx++)
		for (int y = f->top + 1; y < f->bottom; y++) {
			int c[3];

			if (cx <= f->left || cx >= f->right)
				continue;
			pixel(im, cx, y, c);
			n += near(c, r, g, b, 12);
		}
	return n;
}

static double frame_x(const struct frame *f, double t, double lo, double hi)
{
	return f->left + (t - lo) / (hi - lo) * (f->right - f->left);
}

static const char *const utc_env[] = { "TZ=UTC", NULL };

static void plot_ok(const char *dir, const char *const argv[])
{
	struct tl_result r;

	tl_run_env(&r, dir, utc_env, 60, argv);
	ck_assert_msg(r.status == 0, "%s %s: status %d: %s", argv[1], argv[2], r.status, r.err);
	tl_result_free(&r);
}

/* 10 s at 0.1 s of 10 MiB, one sample of 100 MiB at 5 s */
static char *write_spike(const char *dir, const char *extra)
{
	char *p = tl_path(dir, "spike.dat");
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./spike\n");
	for (int i = 0; i <= 100; i++)
		fprintf(f, "MEM %.6f %.4f\n", i == 50 ? 100.0 : 10.0, T0 + i * 0.1);
	fputs(extra, f);
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

START_TEST(test_png_peak_lines)
{
	char *dir = tl_tmpdir(), *p = write_spike(dir, ""), *png = tl_path(dir, "o.png");
	struct image im;
	struct frame fr;
	int nx, ny, x, y;
	double lo, hi, want_y;

	/* with and without a window the spike is in the middle of the x axis */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, "-w", "0,10", p, NULL });
		else
			plot_ok(dir, (const char *const[]){ "mprof", "plot", "--out", png, p, NULL });
		image_load(&im, png);
		ck_assert_int_eq(im.w, 1260);
		ck_assert_int_eq(im.h, 540);
		find_frame(&im, &fr);
		x = densest_column(&im, &fr, 255, 0, 0, &nx);
		y = densest_row(&im, &fr, 255, 0, 0, &ny);
		ck_assert_int_gt(nx, (fr.bottom - fr.top) / 3);
		ck_assert_int_gt(ny, (fr.right - fr.left) / 3);
		ck_assert_msg(abs(x - (fr.left + fr.right) / 2) <= 2, "peak at x %d, frame %d..%d", x, fr.left,
			      fr.right);
		plot_nice_range(10, 100, &lo, &hi);
		want_y = fr.bottom - (100 - lo) / (hi - lo) * (fr.bottom - fr.top);
		ck_assert_msg(fabs(y - want_y) <= 2, "peak at y %d, want %.1f", y, want_y);
		/* the dashed lines stay inside the axes */
		for (int cx = 0; cx < fr.left - 1; cx++) {
			int c[3];

			pixel(&im, cx, y, c);
			ck_assert_msg(!near(c, 255, 0, 0, 40), "red at %d,%d outside the axes", cx, y);
		}
		cairo_surface_destroy(im.s);
	}
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST

static const struct {
	const char *window; /* NULL: none */
	double lo, hi;      /* the x range it gives */
} bracket_windows[] = {
	{ "0,10", 0, 10 },
	{ "1,9", 1, 9 },
	{ "1.5,6.5", 1.5, 6.5 },
};

START_TEST(test_png_brackets)
{
	char *dir = tl_tmpdir();
	char *p = write_spike(dir, "FUNC __main__.f 20.0 1795695940.0 30.0 1795695942.0 0\n"
				   "FUNC __main__.g 40.0 1795695944.0 50.0 1795695946.0 0\n");
	char *png = tl_path(dir, "b.png");
	const double lo = bracket_windows[_i].lo, hi = bracket_windows[_i].hi;
	double fc[3], gc[3];
	int f_rgb[3], g_rgb[3];
	struct image im;
	struct frame fr;

	plot_func_color(0, fc);
	plot_func_color(1, gc);
	for (int k = 0; k < 3; k++) {
		f_rgb[k] = (int)lround(fc[k] * 255);
		g_rgb[k] = (int)lround(gc[k] * 255);
	}
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, "-w", bracket_windows[_i].window, p,
					    NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	/* f from 2 to 4 s in its colour, g from 6 to 8 s in its own */
	for (double t = 2; t <= 8; t += 2) {
		double x = frame_x(&fr, t, lo, hi);
		bool is_f = t < 5;
		int nf = colour_near_x(&im, &fr, x, f_rgb[0], f_rgb[1], f_rgb[2]);
		int ng = colour_near_x(&im, &fr, x, g_rgb[0], g_rgb[1], g_rgb[2]);

		if (t < lo || t > hi) {
			ck_assert_int_eq(nf + ng, 0);
			continue;
		}
		ck_assert_msg((is_f ? nf : ng) >= 20, "window %s: bracket at %g s (x %.0f): %d, %d pixels",
			      bracket_windows[_i].window, t, x, nf, ng);
		ck_assert_int_eq(is_f ? ng : nf, 0);
	}
	/* nothing of f's colour between the brackets */
	ck_assert_int_eq(colour_near_x(&im, &fr, frame_x(&fr, 5, lo, hi), f_rgb[0], f_rgb[1], f_rgb[2]), 0);
	cairo_surface_destroy(im.s);

	/* -n: no brackets at all */
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-n", "-o", png, "-w", bracket_windows[_i].window,
					    p, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	if (lo <= 2)
		ck_assert_int_eq(colour_near_x(&im, &fr, frame_x(&fr, 2, lo, hi), f_rgb[0], f_rgb[1], f_rgb[2]), 0);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST

/* The kernel's peak above the samples, and an instant marker. */
START_TEST(test_png_kernel_peak_and_mark)
{
	char *dir = tl_tmpdir();
	char *p = write_spike(dir, "PEAK 150 1795695948.0\nMARK go 10 1795695940.5\n");
	char *png = tl_path(dir, "k.png");
	struct image im;
	struct frame fr;
	int n, y;
	double lo, hi, want_y;

	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, "-w", "0,10", p, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	y = densest_row(&im, &fr, 153, 0, 0, &n);
	plot_nice_range(10, 150, &lo, &hi);
	want_y = fr.bottom - (150 - lo) / (hi - lo) * (fr.bottom - fr.top);
	ck_assert_int_gt(n, (fr.right - fr.left) / 5);
	ck_assert_msg(fabs(y - want_y) <= 2, "kernel peak at y %d, want %.1f", y, want_y);
	ck_assert_int_gt(colour_near_x(&im, &fr, frame_x(&fr, 2.5, 0, 10), 77, 77, 115), 30);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST

/* --align: two runs whose marker "go" comes 2 s and 6 s after their start,
 * where each one's memory steps up. Aligned on it, both markers are drawn
 * in one column, where both lines rise; without, in two columns 4 s apart. */
static int marker_columns(const struct image *im, const struct frame *f, int *lo, int *hi)
{
	int n = 0;

	*lo = INT_MAX;
	*hi = -1;
	for (int x = f->left + 2; x < f->right - 1; x++) {
		int c = 0;

		for (int y = f->top + 2; y < f->bottom - 1; y++) {
			int rgb[3];

			pixel(im, x, y, rgb);
			c += near(rgb, 77, 77, 115, 12);
		}
		if (c > 30) {
			n++;
			*lo = x < *lo ? x : *lo;
			*hi = x > *hi ? x : *hi;
		}
	}
	return n;
}

START_TEST(test_png_align)
{
	char *dir = tl_tmpdir(), *png = tl_path(dir, "al.png"), *a = tl_path(dir, "a.dat"), *b = tl_path(dir, "b.dat");
	const struct { const char *path; double mem, mark; } runs[] = { { a, 10, 2 }, { b, 20, 6 } };
	struct image im;
	struct frame fr;
	int lo, hi;

	for (size_t k = 0; k < 2; k++) {
		FILE *f = fopen(runs[k].path, "w");

		ck_assert_ptr_nonnull(f);
		for (int i = 0; i <= 100; i++)
			fprintf(f, "MEM %.6f %.4f\n", runs[k].mem + (i * 0.1 >= runs[k].mark - 1e-9 ? 20 : 0),
				T0 + i * 0.1);
		fprintf(f, "MARK go %.6f %.4f\n", runs[k].mem + 20, T0 + runs[k].mark);
		ck_assert_int_eq(fclose(f), 0);
	}
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, a, b, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	ck_assert_int_gt(marker_columns(&im, &fr, &lo, &hi), 0);
	ck_assert_msg(hi - lo > (fr.right - fr.left) / 5, "unaligned markers at x %d and %d", lo, hi);
	cairo_surface_destroy(im.s);
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, "--align", "go", a, b, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	ck_assert_int_gt(marker_columns(&im, &fr, &lo, &hi), 0);
	ck_assert_msg(hi - lo <= 2, "aligned markers at x %d to %d", lo, hi);
	/* both lines rise there: blue (b) and black (a) pixels beside it */
	ck_assert_int_gt(colour_near_x(&im, &fr, (lo + hi) / 2.0, 0, 0, 255), 20);
	ck_assert_int_gt(colour_near_x(&im, &fr, (lo + hi) / 2.0, 0, 0, 0), 20);
	cairo_surface_destroy(im.s);
	{
		struct tl_result r;

		tl_run(&r, dir, "mprof", "plot", "-o", png, "--align", "nosuch", a, b);
		ck_assert_int_eq(r.status, 1);
		ck_assert_msg(strstr(r.err, ": no marker or function 'nosuch' to align on\n"), "%s", r.err);
		tl_result_free(&r);
	}
	tl_rmrf(dir);
	free(png);
	free(a);
	free(b);
	free(dir);
}
END_TEST

/* A one-sample spike among 300k samples is still drawn. */
START_TEST(test_png_decimated_spike)
{
	char *dir = tl_tmpdir(), *p = write_walk(dir, "big.dat", 300000, 150000, 3000, false);
	char *png = tl_path(dir, "d.png");
	struct image im;
	struct frame fr;
	int dark = 0, x;
	double lo, hi, top;

	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-n", "-o", png, "-w", "0,300", p, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	x = (int)lround(frame_x(&fr, 150, 0, 300));
	plot_nice_range(20, 3000, &lo, &hi);
	top = fr.bottom - (3000 - lo) / (hi - lo) * (fr.bottom - fr.top);
	for (int cx = x - 2; cx <= x + 2; cx++)
		for (int y = (int)top - 2; y <= (int)top + 3; y++) {
			int c[3];

			pixel(&im, cx, y, c);
			dark += is_dark(c);
		}
	ck_assert_msg(dark > 0, "no line at the top of the spike (x %d, y %.0f)", x, top);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST


START_TEST(test_title)
{
	struct plot_model m[2];
	struct plot_options opt = { 0 };
	char *t;

	memset(m, 0, sizeof(m));
	m[0].cmdline = "./prog a";
	t = plot_title(m, 1, &opt);
	ck_assert_str_eq(t, "./prog a");
	free(t);
	m[0].has_exit = true;
	strcpy(m[0].exit_how, "signal");
	m[0].exit_status = 9;
	t = plot_title(m, 1, &opt);
	ck_assert_str_eq(t, "./prog a (killed by signal 9)");
	free(t);
	strcpy(m[0].exit_how, "exit");
	m[0].exit_status = 3;
	t = plot_title(m, 1, &opt);
	ck_assert_str_eq(t, "./prog a (exit status 3)");
	free(t);
	m[0].exit_status = 0;
	t = plot_title(m, 1, &opt);
	ck_assert_str_eq(t, "./prog a");
	free(t);
	ck_assert_ptr_null(plot_title(m, 2, &opt));
	opt.title = "mine";
	t = plot_title(m, 2, &opt);
	ck_assert_str_eq(t, "mine");
	free(t);
}
END_TEST

/* Flame rectangles in their function's colour, half transparent, under the plot. */
START_TEST(test_png_flame)
{
	char *dir = tl_tmpdir();
	char *p = write_spike(dir, "FUNC __main__.f 20.0 1795695940.0 30.0 1795695942.0 0\n"
				   "FUNC __main__.g 40.0 1795695940.5 50.0 1795695941.5 1\n");
	char *png = tl_path(dir, "f.png");
	double fc[3], gc[3];
	int f_rgb[3], g_rgb[3], nf = 0, ng = 0, f_y = 0, g_y = 0;
	struct image im;
	struct frame fr;
	double x0, x1;

	plot_func_color(0, fc);
	plot_func_color(1, gc);
	for (int k = 0; k < 3; k++) {
		f_rgb[k] = (int)lround(fc[k] * 255 * 0.6 + 255 * 0.4);
		g_rgb[k] = (int)lround(gc[k] * 255 * 0.6 + 255 * 0.4);
	}
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-f", "-o", png, "-w", "0,10", p, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	x0 = frame_x(&fr, 2, 0, 10);
	x1 = frame_x(&fr, 4, 0, 10);
	for (int y = fr.top; y < fr.bottom; y++)
		for (int x = fr.left; x < fr.right; x++) {
			int c[3];

			pixel(&im, x, y, c);
			if (near(c, f_rgb[0], f_rgb[1], f_rgb[2], 6)) {
				ck_assert_msg(x >= x0 - 2 && x <= x1 + 2, "f's colour at x %d, outside %.0f..%.0f", x,
					      x0, x1);
				nf++;
				f_y = y;
			} else if (near(c, g_rgb[0], g_rgb[1], g_rgb[2], 6)) {
				ng++;
				g_y = y;
			}
		}
	ck_assert_int_gt(nf, 1000);
	ck_assert_int_gt(ng, 500);
	/* level 1 above level 0, both in the lowest part of the frame */
	ck_assert_int_lt(g_y, f_y);
	ck_assert_int_gt(f_y, fr.top + (fr.bottom - fr.top) * 3 / 4);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST

/* A call nested very deep keeps the plot its room: deep levels share a lane. */
START_TEST(test_png_deep_levels)
{
	char *dir = tl_tmpdir();
	char *p = write_tmp(dir, "deep.dat", "MEM 1 100\nMEM 2 101\nFUNC f 1 100 2 101 99999\n");
	char *png = tl_path(dir, "d.png");
	double fc[3];
	int f_rgb[3], n, y_peak, y_flame = -1;
	struct image im;
	struct frame fr;

	plot_func_color(0, fc);
	for (int k = 0; k < 3; k++)
		f_rgb[k] = (int)lround(fc[k] * 255 * 0.6 + 255 * 0.4);
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-f", "-o", png, p, NULL });
	image_load(&im, png);
	find_frame(&im, &fr);
	y_peak = densest_row(&im, &fr, 255, 0, 0, &n);
	for (int y = fr.top; y < fr.bottom && y_flame < 0; y++) {
		int c[3];

		/* its fill or its darker border */
		pixel(&im, (fr.left + fr.right) / 2, y, c);
		if (near(c, f_rgb[0], f_rgb[1], f_rgb[2], 6) || (c[0] < 60 && c[1] > 100 && abs(c[1] - c[2]) < 8))
			y_flame = y;
	}
	ck_assert_int_gt(y_flame, 0);
	ck_assert_int_gt(y_flame - y_peak, im.h / 3);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST

static const struct {
	const char *name;
	const char *args[4];
} fixtures[] = {
	{ "plain.dat", { NULL } },
	{ "details-nested.dat", { NULL } },
	{ "details-nested.dat", { "--flame", NULL } },
	{ "legacy-5field-func.dat", { "-f", NULL } },
	{ "multiprocess.dat", { NULL } },
	{ "multiprocess.dat", { "-s", NULL } },
	{ "include-children.dat", { NULL } },
	{ "steps-10ms.dat", { "--slope", NULL } },
	{ "steps-10ms.dat", { "-w", "0.5,1.5", NULL } },
};

START_TEST(test_fixtures_plot)
{
	char *dir = tl_tmpdir(), *p = tl_fixture(fixtures[_i].name), *png = tl_path(dir, "f.png");
	const char *argv[12] = { "mprof", "plot", "-o", png };
	int n = 4;
	struct image im;
	struct frame fr;

	for (int i = 0; fixtures[_i].args[i]; i++)
		argv[n++] = fixtures[_i].args[i];
	argv[n++] = p;
	argv[n] = NULL;
	plot_ok(dir, argv);
	image_load(&im, png);
	ck_assert_int_eq(im.w, 1260);
	ck_assert_int_eq(im.h, 540);
	find_frame(&im, &fr);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(p);
	free(png);
	free(dir);
}
END_TEST

START_TEST(test_overlay_and_sizes)
{
	char *dir = tl_tmpdir(), *a = tl_fixture("plain.dat"), *b = tl_fixture("details-nested.dat");
	char *png = tl_path(dir, "o.png");
	struct image im;
	struct frame fr;
	int n;

	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, "--width", "800", "--height", "300", a, b,
					    NULL });
	image_load(&im, png);
	ck_assert_int_eq(im.w, 800);
	ck_assert_int_eq(im.h, 300);
	find_frame(&im, &fr);
	/* two lines: black and blue; no peak lines in an overlay */
	densest_column(&im, &fr, 0, 0, 255, &n);
	ck_assert_int_gt(n, 0);
	densest_column(&im, &fr, 255, 0, 0, &n);
	ck_assert_int_eq(n, 0);
	cairo_surface_destroy(im.s);
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", png, "--dpi", "45", a, NULL });
	image_load(&im, png);
	ck_assert_int_eq(im.w, 630);
	ck_assert_int_eq(im.h, 270);
	cairo_surface_destroy(im.s);
	tl_rmrf(dir);
	free(a);
	free(b);
	free(png);
	free(dir);
}
END_TEST

START_TEST(test_vector_outputs)
{
	char *dir = tl_tmpdir(), *p = tl_fixture("details-nested.dat");
	char *svg = tl_path(dir, "o.svg"), *pdf = tl_path(dir, "o.PDF"), *text;
	size_t len;

	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-o", svg, p, NULL });
	text = tl_read_file(svg, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert(str_starts_with(text, "<?xml"));
	ck_assert_ptr_nonnull(strstr(text, "<svg"));
	ck_assert_ptr_nonnull(strstr(text, "width=\"1008\""));
	ck_assert_ptr_nonnull(strstr(text, "</svg>"));
	free(text);
	plot_ok(dir, (const char *const[]){ "mprof", "plot", "-f", "-o", pdf, p, NULL });
	text = tl_read_file(pdf, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert(len > 1000);
	ck_assert(memcmp(text, "%PDF-", 5) == 0);
	ck_assert_ptr_nonnull(memmem(text + len - 16, 16, "%%EOF", 5));
	free(text);
	tl_rmrf(dir);
	free(p);
	free(svg);
	free(pdf);
	free(dir);
}
END_TEST

static const struct {
	const char *args[6];
	int status;
	const char *err;
} bad_runs[] = {
	{ { "-o", "x.bmp", "F" }, 2, "option --output: 'x.bmp': unknown format" },
	{ { "-w", "5", "F" }, 2, "option --window" },
	{ { "-w", "5,1", "F" }, 2, "option --window" },
	{ { "--window", "a,b", "F" }, 2, "option --window" },
	{ { "--width", "10", "F" }, 2, "option --width" },
	{ { "--dpi", "0", "F" }, 2, "option --dpi" },
	{ { "--bogus", "F" }, 2, "unknown option '--bogus'" },
	{ { "-o" }, 2, "needs a value" },
	{ { "NOSAMPLES" }, 1, "no memory samples" },
	{ { "missing.dat" }, 1, "missing.dat" },
	{ { "-o", "/nonexistent/dir/x.png", "F" }, 1, "cannot write '/nonexistent/dir/x.png'" },
};

START_TEST(test_bad_input)
{
	char *dir = tl_tmpdir(), *f = tl_fixture("plain.dat"), *ns = tl_fixture("no-samples.dat");
	const char *argv[10] = { "mprof", "plot" };
	struct tl_result r;
	int n = 2;

	for (int i = 0; bad_runs[_i].args[i]; i++) {
		const char *a = bad_runs[_i].args[i];

		argv[n++] = !strcmp(a, "F") ? f : !strcmp(a, "NOSAMPLES") ? ns : a;
	}
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 60, argv);
	ck_assert_msg(r.status == bad_runs[_i].status, "case %d: status %d: %s", _i, r.status, r.err);
	ck_assert_msg(strstr(r.err, bad_runs[_i].err), "case %d: %s", _i, r.err);
	ck_assert_int_eq(tl_count_prefix(r.err, "mprof"), 1);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(f);
	free(ns);
	free(dir);
}
END_TEST

/* Plotting lives in a module loaded on demand; without it, a clear error and
 * no picture, while the other commands never load it. */
START_TEST(test_module_missing)
{
	char *dir = tl_tmpdir(), *f = tl_fixture("plain.dat"), *png = tl_path(dir, "x.png");
	const char *env[] = { "MPROF_PLUGINDIR=/nonexistent", NULL };
	struct tl_result r;

	tl_run_env(&r, dir, env, 60, (const char *const[]){ "mprof", "plot", "-o", png, f, NULL });
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "plotting is not available") && strstr(r.err, "/nonexistent/mprof-plot.so"),
		      "%s", r.err);
	ck_assert_int_ne(access(png, F_OK), 0);
	tl_result_free(&r);
	tl_run_env(&r, dir, env, 60, (const char *const[]){ "mprof", "peak", f, NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "181.867 MiB"));
	tl_result_free(&r);
	tl_rmrf(dir);
	free(png);
	free(f);
	free(dir);
}
END_TEST

/* No file: the newest profile here; no -o: a PNG beside it, its path printed. */
START_TEST(test_defaults)
{
	char *dir = tl_tmpdir(), *plain = tl_fixture("plain.dat"), *text = tl_read_file(plain, NULL);
	char *old = tl_path(dir, "mprofile_20260101000000.dat"), *new = tl_path(dir, "mprofile_20260102000000.dat");
	char *png = tl_path(dir, "mprofile_20260102000000.png");
	struct tl_result r;

	tl_write_file(old, text);
	tl_write_file(new, text);
	tl_run(&r, dir, "mprof", "plot", "--backend", "Agg");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "mprofile_20260102000000.png\n");
	ck_assert_ptr_nonnull(strstr(r.err, "--backend Agg ignored"));
	ck_assert_int_eq(access(png, R_OK), 0);
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "plot", "0");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "mprofile_20260101000000.png\n");
	tl_result_free(&r);
	tl_run(&r, dir, "mprof", "plot", "--help");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "--window T0,T1"));
	tl_result_free(&r);
	tl_rmrf(dir);
	free(plain);
	free(text);
	free(old);
	free(new);
	free(png);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plot");
	TCase *tc = tcase_create("layout");
	TCase *tm = tcase_create("model");
	TCase *tp = tcase_create("pictures");

	tcase_add_loop_test(tc, test_ticks_choose, 0, ARRAY_SIZE(ticks));
	tcase_add_test(tc, test_ticks_labels);
	tcase_add_test(tc, test_nice_range);
	tcase_add_test(tc, test_output_format);
	suite_add_tcase(s, tc);

	tcase_set_timeout(tm, 120);
	tcase_add_test(tm, test_model_peak_and_columns);
	tcase_add_test(tm, test_model_any_order);
	tcase_add_test(tm, test_model_records);
	tcase_add_test(tm, test_model_legacy_levels);
	tcase_add_test(tm, test_model_many_funcs);
	tcase_add_test(tm, test_model_window);
	tcase_add_test(tm, test_model_errors);
	tcase_add_test(tm, test_display_text);
	tcase_add_test(tm, test_format_start);
	suite_add_tcase(s, tm);

	tcase_set_timeout(tp, 120);
	tcase_add_test(tp, test_png_peak_lines);
	tcase_add_loop_test(tp, test_png_brackets, 0, ARRAY_SIZE(bracket_windows));
	tcase_add_test(tp, test_png_kernel_peak_and_mark);
	tcase_add_test(tp, test_png_align);
	tcase_add_test(tp, test_png_decimated_spike);
	tcase_add_test(tp, test_png_flame);
	tcase_add_test(tp, test_png_deep_levels);
	tcase_add_test(tp, test_title);
	tcase_add_loop_test(tp, test_fixtures_plot, 0, ARRAY_SIZE(fixtures));
	tcase_add_test(tp, test_overlay_and_sizes);
	tcase_add_test(tp, test_vector_outputs);
	tcase_add_test(tp, test_module_missing);
	tcase_add_loop_test(tp, test_bad_input, 0, ARRAY_SIZE(bad_runs));
	tcase_add_test(tp, test_defaults);
	suite_add_tcase(s, tp);
	return tl_run_suite(s);
}
