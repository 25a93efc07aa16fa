/* mprof plot with the records of --breakdown, --python-heap and --gpu: the
 * model stacks the kinds of memory, the scene makes a band per kind (only
 * with --breakdown) and its own line for the Python heap and the GPU (no
 * peak of their own); the PNG shows the bands stacked at their heights.
 * The cgroup's breakdown (CGROUP) stacks the same way; its memory pressure
 * (CGPRESSURE) is a lane of stall rates under the plot. */
#include "testlib.h"
#include "breakdown.h"
#include "plot_model.h"
#include "scene.h"
#include "util.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1795000000.0
#define ANON 20.0
#define FILEB 30.0
#define SHMEM 10.0

/* 10 s at 0.1 s: anon, file, shmem held; a Python heap and GPU line */
static char *write_kinds(const char *dir, bool extras)
{
	char *p = tl_path(dir, "kinds.dat");
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./kinds\n");
	for (int i = 0; i <= 100; i++) {
		double t = T0 + i * 0.1;

		fprintf(f, "MEM %.6f %.4f\nKIND %.6f %.6f %.6f 0 %.4f\n", ANON + FILEB + SHMEM, t, ANON, FILEB, SHMEM, t);
		if (extras)
			fprintf(f, "PYHEAP %.6f %.4f\nGPU %.6f %.4f\n", 5.0 + i * 0.1, t, 80.0, t);
	}
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

START_TEST(test_scene_bands)
{
	char *dir = tl_tmpdir(), *p = write_kinds(dir, true);
	struct plot_options opt = { .breakdown = _i == 1 };
	struct plot_model m;
	struct scene sc;
	size_t lines = 0, bands = 0;

	ck_assert_int_eq(plot_model_read(&m, p, &opt, 0), 0);
	/* stacked: each series is the sum of the kinds up to it */
	ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_ANON].peak.v, ANON, 1e-6);
	ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_FILE].peak.v, ANON + FILEB, 1e-6);
	ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_SHMEM].peak.v, ANON + FILEB + SHMEM, 1e-6);
	ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_SWAP].peak.v, ANON + FILEB + SHMEM, 1e-6);
	ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_PYHEAP].peak.v, 15.0, 1e-6);
	ck_assert_uint_eq(m.extra[PLOT_EXTRA_GPU].n, 101);
	ck_assert_int_eq(scene_build(&sc, &m, 1, &opt), 0);
	ck_assert_uint_eq(sc.nstacks, _i == 1 ? MEM_KIND_COUNT : 0);
	for (size_t i = 0; i < sc.nlegend; i++) {
		const struct scene_entry *e = &sc.legend[i];

		if (e->key == SCENE_KEY_STACK) {
			ck_assert_str_eq(e->text, mem_kind_name((int)bands));
			ck_assert_uint_eq(e->ref, bands++);
			ck_assert_uint_gt(lines, 0); /* after the lines */
		}
		lines += e->key == SCENE_KEY_LINE;
	}
	ck_assert_uint_eq(lines, 3);
	ck_assert_uint_eq(sc.nlines, 3);
	ck_assert(!sc.lines[0].aux && sc.lines[1].aux && sc.lines[2].aux);
	ck_assert_str_eq(sc.legend[sc.lines[1].entry].text, "Python heap (tracemalloc)");
	ck_assert_str_eq(sc.legend[sc.lines[2].entry].text, "GPU memory");
	/* the program's peak only, none of the others */
	for (size_t i = 0; i < sc.npeaks; i++)
		ck_assert_uint_eq(sc.peaks[i].line, 0);
	ck_assert_double_ge(sc.hi, 80.0); /* the GPU line is shown whole */
	if (_i == 1)
		ck_assert_double_eq(sc.lo, 0);
	scene_release(&sc);
	plot_model_release(&m);
	free(p);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A colour at alpha over white. */
static void color_rgb(struct scene_rgb c, double alpha, int out[3])
{
	double v[3] = { c.r, c.g, c.b };

	for (int k = 0; k < 3; k++)
		out[k] = (int)lround(255 * (1 - alpha) + 255 * v[k] * alpha);
}

static bool near(const unsigned char *px, const int rgb[3])
{
	/* cairo's ARGB32, little-endian: B G R A */
	return abs(px[2] - rgb[0]) <= 6 && abs(px[1] - rgb[1]) <= 6 && abs(px[0] - rgb[2]) <= 6;
}

/* Rows of each band's colour in the column at x, and the lowest and highest
 * of them. */
static void column_runs(cairo_surface_t *s, int x, int count[MEM_KIND_COUNT], int top[MEM_KIND_COUNT],
			int bottom[MEM_KIND_COUNT])
{
	int h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s);
	const unsigned char *data = cairo_image_surface_get_data(s);

	for (int k = 0; k < MEM_KIND_COUNT; k++) {
		int rgb[3];

		color_rgb(scene_kind_color(k), SCENE_STACK_ALPHA, rgb);
		count[k] = 0;
		top[k] = h;
		bottom[k] = -1;
		for (int y = 0; y < h; y++)
			if (near(data + (size_t)y * stride + 4 * (size_t)x, rgb)) {
				count[k]++;
				top[k] = y < top[k] ? y : top[k];
				bottom[k] = y > bottom[k] ? y : bottom[k];
			}
	}
}

START_TEST(test_png_stacked)
{
	char *dir = tl_tmpdir(), *p = write_kinds(dir, false), *png = tl_path(dir, "k.png");
	int count[MEM_KIND_COUNT], top[MEM_KIND_COUNT], bottom[MEM_KIND_COUNT];
	struct tl_result r;
	cairo_surface_t *s;
	int w;

	tl_run(&r, dir, "mprof", "plot", "-n", "--breakdown", "-o", png, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	s = cairo_image_surface_create_from_png(png);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	w = cairo_image_surface_get_width(s);
	/* a column inside the plot (the legend is at the right), between two
	 * vertical grid lines (at whole seconds) */
	column_runs(s, w * 37 / 100, count, top, bottom);
	ck_assert_msg(count[MEM_KIND_ANON] > 50 && count[MEM_KIND_FILE] > 50 && count[MEM_KIND_SHMEM] > 20,
		      "bands: %d %d %d", count[0], count[1], count[2]);
	ck_assert_int_eq(count[MEM_KIND_SWAP], 0);
	/* stacked from the bottom: anon, then file, then shared memory */
	ck_assert_int_lt(bottom[MEM_KIND_FILE], top[MEM_KIND_ANON]);
	ck_assert_int_lt(bottom[MEM_KIND_SHMEM], top[MEM_KIND_FILE]);
	/* at their heights (grid lines across them take a few rows) */
	ck_assert_msg(fabs((double)(bottom[0] - top[0]) / (bottom[1] - top[1]) - ANON / FILEB) < 0.05,
		      "anon %d rows, file %d rows", bottom[0] - top[0], bottom[1] - top[1]);
	ck_assert_msg(fabs((double)(bottom[2] - top[2]) / (bottom[1] - top[1]) - SHMEM / FILEB) < 0.05,
		      "shmem %d rows, file %d rows", bottom[2] - top[2], bottom[1] - top[1]);
	cairo_surface_destroy(s);
	/* without --breakdown: no band */
	tl_run(&r, dir, "mprof", "plot", "-n", "-o", png, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	s = cairo_image_surface_create_from_png(png);
	column_runs(s, w * 37 / 100, count, top, bottom);
	ck_assert_int_eq(count[MEM_KIND_ANON] + count[MEM_KIND_FILE] + count[MEM_KIND_SHMEM], 0);
	cairo_surface_destroy(s);
	free(p);
	free(png);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- the cgroup's breakdown (CGROUP) ---- */

#define CG_ANON 20.0
#define CG_FILE 40.0 /* shared memory included */
#define CG_SHMEM 10.0
#define CG_KERNEL 8.0
#define CG_KINDS 5 /* anon, file less shmem, shmem, kernel, sock */

static const char *const cg_names[CG_KINDS] = { "cgroup anon", "cgroup file", "cgroup shmem", "cgroup kernel",
						 "cgroup sock" };
/* the heights of the bands, stacked in this order */
static const double cg_height[CG_KINDS] = { CG_ANON, CG_FILE - CG_SHMEM, CG_SHMEM, CG_KERNEL, 0 };

/* 10 s at 0.1 s: a program of 30 MiB in a cgroup charged for more */
static char *write_cgroup(const char *dir)
{
	char *p = tl_path(dir, "cg.dat");
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./job\n");
	for (int i = 0; i <= 100; i++) {
		double t = T0 + i * 0.1;

		fprintf(f, "MEM 30 %.4f\nCGROUP %.3f %.3f %.3f %.3f %.3f 0 %.3f %.3f %.4f\n", t,
			CG_ANON + CG_FILE + CG_KERNEL, CG_ANON, CG_FILE, CG_KERNEL, CG_SHMEM, 20.0, 10.0, t);
	}
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

START_TEST(test_scene_cgroup)
{
	char *dir = tl_tmpdir(), *p = write_cgroup(dir);
	struct plot_options opt = { .breakdown = _i == 1 };
	struct plot_model m;
	struct scene sc;
	double sum = 0;

	ck_assert_int_eq(plot_model_read(&m, p, &opt, 0), 0);
	for (int k = 0; k < CG_KINDS; k++) {
		sum += cg_height[k];
		ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_CG_ANON + k].peak.v, sum, 1e-6);
		ck_assert_uint_eq(m.extra[PLOT_EXTRA_CG_ANON + k].n, 101);
	}
	ck_assert_uint_eq(m.extra[PLOT_EXTRA_ANON].n, 0); /* no KIND: no band of the program */
	ck_assert_int_eq(scene_build(&sc, &m, 1, &opt), 0);
	ck_assert_uint_eq(sc.nstacks, _i == 1 ? CG_KINDS : 0);
	for (size_t i = 0; i < sc.nstacks; i++) {
		const struct scene_stack *b = &sc.stacks[i];

		ck_assert_str_eq(sc.legend[b->entry].text, cg_names[i]);
		ck_assert_ptr_eq(b->upper, &m.extra[PLOT_EXTRA_CG_ANON + i]);
		ck_assert_ptr_eq(b->lower, i ? &m.extra[PLOT_EXTRA_CG_ANON + i - 1] : NULL);
		for (size_t k = 0; k < i; k++) /* a colour each */
			ck_assert(memcmp(&b->color, &sc.stacks[k].color, sizeof(b->color)) != 0);
	}
	ck_assert_uint_eq(sc.nlines, 2); /* the program, the cgroup */
	ck_assert_double_ge(sc.hi, CG_ANON + CG_FILE + CG_KERNEL);
	scene_release(&sc);
	plot_model_release(&m);
	free(p);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Rows of a colour (at alpha over white) in the column at x, and the lowest
 * and highest of them. */
static int color_rows(cairo_surface_t *s, int x, struct scene_rgb c, double alpha, int *top, int *bottom)
{
	int h = cairo_image_surface_get_height(s), stride = cairo_image_surface_get_stride(s), n = 0, rgb[3];
	const unsigned char *data = cairo_image_surface_get_data(s);

	color_rgb(c, alpha, rgb);
	*top = h;
	*bottom = -1;
	for (int y = 0; y < h; y++)
		if (near(data + (size_t)y * stride + 4 * (size_t)x, rgb)) {
			n++;
			*top = y < *top ? y : *top;
			*bottom = y > *bottom ? y : *bottom;
		}
	return n;
}

START_TEST(test_png_cgroup)
{
	char *dir = tl_tmpdir(), *p = write_cgroup(dir), *png = tl_path(dir, "cg.png");
	struct plot_options opt = { .breakdown = true };
	int count[CG_KINDS], top[CG_KINDS], bottom[CG_KINDS], x;
	struct scene_rgb colors[CG_KINDS];
	struct plot_model m;
	struct tl_result r;
	struct scene sc;
	cairo_surface_t *s;

	ck_assert_int_eq(plot_model_read(&m, p, &opt, 0), 0);
	ck_assert_int_eq(scene_build(&sc, &m, 1, &opt), 0);
	ck_assert_uint_eq(sc.nstacks, CG_KINDS);
	for (int k = 0; k < CG_KINDS; k++)
		colors[k] = sc.stacks[k].color;
	scene_release(&sc);
	plot_model_release(&m);
	tl_run(&r, dir, "mprof", "plot", "-n", "--breakdown", "-o", png, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	s = cairo_image_surface_create_from_png(png);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	x = cairo_image_surface_get_width(s) * 37 / 100;
	for (int k = 0; k < CG_KINDS; k++)
		count[k] = color_rows(s, x, colors[k], SCENE_STACK_ALPHA, &top[k], &bottom[k]);
	ck_assert_msg(count[0] > 40 && count[1] > 40 && count[2] > 15 && count[3] > 10, "bands: %d %d %d %d",
		      count[0], count[1], count[2], count[3]);
	ck_assert_int_eq(count[4], 0); /* no sock */
	/* stacked from the bottom, at their heights (grid lines take a few rows) */
	for (int k = 1; k < 4; k++) {
		ck_assert_int_lt(bottom[k], top[k - 1]);
		ck_assert_msg(fabs((double)(bottom[k] - top[k]) / (bottom[0] - top[0]) - cg_height[k] / CG_ANON) < 0.08,
			      "%s: %d rows, anon %d rows", cg_names[k], bottom[k] - top[k], bottom[0] - top[0]);
	}
	cairo_surface_destroy(s);
	/* without --breakdown: no band */
	tl_run(&r, dir, "mprof", "plot", "-n", "-o", png, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	s = cairo_image_surface_create_from_png(png);
	for (int k = 0; k < CG_KINDS; k++)
		ck_assert_int_eq(color_rows(s, x, colors[k], SCENE_STACK_ALPHA, &top[k], &bottom[k]), 0);
	cairo_surface_destroy(s);
	free(p);
	free(png);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The HTML page's data, read by Python's JSON parser: a stack per kind of
 * the cgroup, named, each band's top at its stacked height. */
static const char html_py[] =
	"import json, re, sys\n"
	"t = open(sys.argv[1], encoding='utf-8').read()\n"
	"m = re.search(r'<script type=\"application/json\" id=\"mprof-data\">(.*?)</script>', t, re.S)\n"
	"d = json.loads(m.group(1))\n"
	"for b in d['stacks']:\n"
	"    print('%s %d %s' % (b['label'], b['up']['n'], b['lo'] is None))\n";

START_TEST(test_html_cgroup)
{
	char *dir = tl_tmpdir(), *p = write_cgroup(dir), *html = tl_path(dir, "cg.html");
	struct tl_result r;

	tl_run(&r, dir, "mprof", "plot", "--breakdown", "-o", html, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	tl_run(&r, dir, "python3", "-c", html_py, html);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "cgroup anon 101 True\ncgroup file 101 False\ncgroup shmem 101 False\n"
				"cgroup kernel 101 False\ncgroup sock 101 False\n");
	tl_result_free(&r);
	free(p);
	free(html);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- memory pressure (CGPRESSURE): a lane under the plot ---- */

/* 10 s at 0.1 s; no stall for 5 s, then some at 500 ms/s, full at 250 */
static char *write_pressure(const char *dir, bool pressure)
{
	char *p = tl_path(dir, "psi.dat");
	FILE *f = fopen(p, "w");
	double some = 0, full = 0;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "CMDLINE ./job\n");
	for (int i = 0; i <= 100; i++) {
		double t = T0 + i * 0.1;

		if (i > 50) {
			some += 500 * 100; /* us in 0.1 s */
			full += 250 * 100;
		}
		fprintf(f, "MEM 30 %.4f\nCGROUP 40 30 8 2 0 0 5 3 %.4f\n", t, t);
		if (pressure)
			fprintf(f, "CGPRESSURE %.0f %.0f %.4f\n", some, full, t);
	}
	ck_assert_int_eq(fclose(f), 0);
	return p;
}

START_TEST(test_scene_pressure)
{
	char *dir = tl_tmpdir(), *p = write_pressure(dir, _i == 1);
	struct plot_options opt = { 0 };
	struct plot_model m;
	struct scene sc;

	ck_assert_int_eq(plot_model_read(&m, p, &opt, 0), 0);
	ck_assert_int_eq(scene_build(&sc, &m, 1, &opt), 0);
	if (_i == 1) {
		/* a rate from the second record on */
		ck_assert_uint_eq(m.extra[PLOT_EXTRA_PSI_SOME].n, 100);
		ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_PSI_SOME].peak.v, 500, 1e-3);
		ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_PSI_FULL].peak.v, 250, 1e-3);
		ck_assert_double_eq_tol(m.extra[PLOT_EXTRA_PSI_SOME].first.v, 0, 1e-9);
		ck_assert_ptr_eq(sc.pressure.some, &m.extra[PLOT_EXTRA_PSI_SOME]);
		ck_assert_double_eq_tol(sc.pressure.hi, 500, 1e-3);
		ck_assert_str_eq(sc.pressure.label, "memory stall (some, full): peak 500.0 ms/s");
		ck_assert_double_lt(sc.hi, 100); /* the rates are not memory */
	} else {
		ck_assert_uint_eq(m.extra[PLOT_EXTRA_PSI_SOME].n, 0);
		ck_assert_ptr_null(sc.pressure.some);
	}
	scene_release(&sc);
	plot_model_release(&m);
	free(p);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_png_pressure)
{
	char *dir = tl_tmpdir(), *p = write_pressure(dir, true), *png = tl_path(dir, "psi.png");
	const struct scene_rgb some = scene_pressure_some_color, full = scene_pressure_full_color;
	int st, sb, ft, fb, x0, x1, ns, nf;
	struct tl_result r;
	cairo_surface_t *s;

	tl_run(&r, dir, "mprof", "plot", "-n", "-o", png, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	s = cairo_image_surface_create_from_png(png);
	ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	/* the plot spans about 5% to 68% of the width: 0-5 s left, 5-10 s right */
	x0 = cairo_image_surface_get_width(s) * 22 / 100;
	x1 = cairo_image_surface_get_width(s) * 52 / 100;
	ck_assert_int_eq(color_rows(s, x0, some, SCENE_PRESSURE_SOME_ALPHA, &st, &sb), 0);
	ck_assert_int_eq(color_rows(s, x0, full, 1, &ft, &fb), 0);
	ns = color_rows(s, x1, some, SCENE_PRESSURE_SOME_ALPHA, &st, &sb);
	nf = color_rows(s, x1, full, 1, &ft, &fb);
	ck_assert_msg(ns > 5 && nf > 5, "some %d rows, full %d rows", ns, nf);
	/* full (250) over the lower half of some (500), down to the same floor,
	 * under the whole plot */
	ck_assert_int_lt(sb, ft);
	ck_assert_msg(abs(ns - nf) <= 2, "some %d rows, full %d rows", ns, nf);
	ck_assert_int_gt(st, cairo_image_surface_get_height(s) / 2);
	cairo_surface_destroy(s);
	/* without CGPRESSURE: no lane */
	free(p);
	p = write_pressure(dir, false);
	tl_run(&r, dir, "mprof", "plot", "-n", "-o", png, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	s = cairo_image_surface_create_from_png(png);
	ck_assert_int_eq(color_rows(s, x1, some, SCENE_PRESSURE_SOME_ALPHA, &st, &sb), 0);
	ck_assert_int_eq(color_rows(s, x1, full, 1, &ft, &fb), 0);
	cairo_surface_destroy(s);
	free(p);
	free(png);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

static const char html_psi_py[] =
	"import json, re, sys\n"
	"for a in sys.argv[1:]:\n"
	"    t = open(a, encoding='utf-8').read()\n"
	"    m = re.search(r'<script type=\"application/json\" id=\"mprof-data\">(.*?)</script>', t, re.S)\n"
	"    p = json.loads(m.group(1))['pressure']\n"
	"    print('none' if p is None else '%.1f %d %d %.1f %s' % (p['hi'], p['some']['n'], p['full']['n'],\n"
	"          p['full']['q'][1], p['label']))\n";

START_TEST(test_html_pressure)
{
	char *dir = tl_tmpdir(), *p = write_pressure(dir, true);
	char *h1 = tl_path(dir, "a.html"), *h2 = tl_path(dir, "b.html");
	struct tl_result r;

	tl_run(&r, dir, "mprof", "plot", "-o", h1, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	free(p);
	p = write_pressure(dir, false);
	tl_run(&r, dir, "mprof", "plot", "-o", h2, p);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	tl_run(&r, dir, "python3", "-c", html_psi_py, h1, h2);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "500.0 100 100 250.0 memory stall (some, full): peak 500.0 ms/s\nnone\n");
	tl_result_free(&r);
	free(p);
	free(h1);
	free(h2);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plot_kinds");
	TCase *tc = tcase_create("plot_kinds");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_scene_bands, 0, 2);
	tcase_add_test(tc, test_png_stacked);
	tcase_add_loop_test(tc, test_scene_cgroup, 0, 2);
	tcase_add_test(tc, test_png_cgroup);
	tcase_add_test(tc, test_html_cgroup);
	tcase_add_loop_test(tc, test_scene_pressure, 0, 2);
	tcase_add_test(tc, test_png_pressure);
	tcase_add_test(tc, test_html_pressure);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
