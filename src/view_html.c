#include "view_html.h"
#include "util.h"
#include "view_html_assets.h" /* view_html_css, view_html_js: generated from view_html.{css,js} */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Column levels: each series is embedded at several resolutions, 4x finer
 * each, from at most LEVEL_FIRST columns to as fine as the model's buckets
 * (or the samples) allow, within a budget of columns for the whole page. */
#define LEVEL_FIRST 1024
#define LEVEL_MIN 16
#define SERIES_COLS_MAX (1u << 17)
#define PAGE_COLS_BUDGET (1u << 18)
#define COL_BYTES 10
#define QMAX 65534      /* quantised values: 0..QMAX; 0xffff marks an empty column */
#define SPANS_MAX 20000 /* more calls than this are merged where they touch at page scale */

/* Colours of the memory lines: the first profile black as in the PNG, then
 * overlays and children. */
static const char *const series_colors[] = {
	"#000000", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
	"#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e",
};

/* ---- output helpers ---- */

static void put_json_string(FILE *f, const char *s)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; s && *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		/* never "</script>" or "<!--" inside the data block */
		case '<': fputs("\\u003c", f); break;
		case '>': fputs("\\u003e", f); break;
		case '&': fputs("\\u0026", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
	}
	putc('"', f);
}

static void put_html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: putc(*s, f);
		}
	}
}

/* A number for JSON: finite, short, exact enough for a plot. */
static void put_num(FILE *f, double v)
{
	if (!isfinite(v))
		v = 0;
	fprintf(f, "%.10g", v);
}

static void put_point(FILE *f, const char *key, const struct plot_point *p)
{
	fprintf(f, ",\"%s\":", key);
	if (!p->set) {
		fputs("null", f);
		return;
	}
	putc('[', f);
	put_num(f, p->t);
	putc(',', f);
	put_num(f, p->v);
	putc(']', f);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		putc(b64[v >> 18], f);
		putc(b64[(v >> 12) & 63], f);
		putc(b64[(v >> 6) & 63], f);
		putc(b64[v & 63], f);
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		putc(b64[v >> 18], f);
		putc(b64[(v >> 12) & 63], f);
		putc(i + 1 < n ? b64[(v >> 6) & 63] : '=', f);
		putc('=', f);
	}
}

static void color_hex(const double rgb[3], char out[8])
{
	int c[3];

	for (int i = 0; i < 3; i++) {
		double v = rgb[i] < 0 ? 0 : rgb[i] > 1 ? 1 : rgb[i];

		c[i] = (int)lrint(v * 255);
	}
	snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* ---- series as column levels ---- */

static size_t pow2_ceil(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static size_t pow2_floor(size_t n)
{
	size_t p = 1;

	while (p * 2 <= n)
		p <<= 1;
	return p;
}

static uint16_t quantise(double v, double lo, double hi)
{
	double q;

	if (!(hi > lo))
		return 0;
	q = (v - lo) / (hi - lo) * QMAX;
	return (uint16_t)(q < 0 ? 0 : q > QMAX ? QMAX : lrint(q));
}

static uint8_t fraction(double t, double c0, double cw)
{
	double x = cw > 0 ? (t - c0) / cw * 255 : 0;

	return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : lrint(x));
}

/* The column range of a series: every bucket's midpoint falls in [t0, t1). */
static void series_range(const struct plot_series *s, double *t0, double *t1)
{
	double span = s->last.t - s->first.t;

	*t0 = s->first.t;
	*t1 = s->last.t + (span > 0 ? span * 1e-7 : 1e-6);
}

/* The finest level worth embedding: about one column per bucket, within cap.
 * (Levels stop sooner once every sample has a column of its own.) */
static size_t series_top_cols(const struct plot_model *m, const struct plot_series *s, size_t cap)
{
	double t0, t1, want;

	series_range(s, &t0, &t1);
	want = m->grid.width > 0 ? (t1 - t0) / m->grid.width + 1 : 1;
	if (want > (double)cap)
		want = (double)cap;
	if (want < LEVEL_MIN)
		want = LEVEL_MIN;
	return pow2_ceil((size_t)want);
}

/* Returns the most samples in one column. */
static uint32_t put_level(FILE *f, const struct plot_model *m, const struct plot_series *s, size_t ncols,
		      struct plot_column *cols, unsigned char *buf)
{
	double t0, t1, cw;
	uint32_t most = 0;
	size_t used = 0, len = 0;
	bool sparse;

	series_range(s, &t0, &t1);
	cw = (t1 - t0) / (double)ncols;
	plot_series_columns(m, s, t0, t1, cols, ncols);
	for (size_t i = 0; i < ncols; i++)
		used += cols[i].n > 0;
	/* mostly empty: only the columns with samples, each after its index */
	sparse = used * (COL_BYTES + 4) < ncols * COL_BYTES;
	for (size_t i = 0; i < ncols; i++) {
		const struct plot_column *c = &cols[i];
		unsigned char *o = &buf[len];
		double c0 = t0 + (double)i * cw;
		uint16_t q[4];

		if (c->n > most)
			most = c->n;
		if (!c->n) {
			if (sparse)
				continue;
			memset(o, 0, COL_BYTES);
			o[0] = o[1] = 0xff;
			len += COL_BYTES;
			continue;
		}
		if (sparse) {
			for (int k = 0; k < 4; k++)
				o[k] = (unsigned char)(i >> (8 * k));
			o += 4;
			len += 4;
		}
		q[0] = quantise(c->min, s->lo, s->peak.v);
		q[1] = quantise(c->max, s->lo, s->peak.v);
		q[2] = quantise(c->first, s->lo, s->peak.v);
		q[3] = quantise(c->last, s->lo, s->peak.v);
		for (int k = 0; k < 4; k++) {
			o[2 * k] = (unsigned char)(q[k] & 0xff);
			o[2 * k + 1] = (unsigned char)(q[k] >> 8);
		}
		o[8] = fraction(c->tfirst, c0, cw);
		o[9] = fraction(c->tlast, c0, cw);
		len += COL_BYTES;
	}
	fprintf(f, "{\"c\":%zu,\"%s\":\"", ncols, sparse ? "s" : "d");
	put_base64(f, buf, len);
	fputs("\"}", f);
	return most;
}

static void put_levels(FILE *f, const struct plot_model *m, const struct plot_series *s, size_t cap)
{
	size_t top = series_top_cols(m, s, cap), c = top < LEVEL_FIRST ? top : LEVEL_FIRST;
	struct plot_column *cols = xmalloc(top * sizeof(*cols));
	unsigned char *buf = xmalloc(top * COL_BYTES);

	fputs(",\"levels\":[", f);
	for (bool first = true;; first = false) {
		if (!first)
			putc(',', f);
		/* two samples a column are drawn exactly: no need to go finer */
		if (put_level(f, m, s, c, cols, buf) <= 2 || c >= top)
			break;
		c = c * 4 < top ? c * 4 : top;
	}
	putc(']', f);
	free(cols);
	free(buf);
}

struct page {
	FILE *f;
	const struct plot_model *models;
	size_t nmodels;
	const char *const *names;
	const struct plot_options *opt;
	size_t nseries;
	size_t cap;          /* finest level's columns for each series */
	size_t *func_base;   /* index of each model's first function in the page's list */
};

static void put_series(struct page *pg, size_t file, const struct plot_series *s, size_t index,
		       const char *label, const char *title)
{
	FILE *f = pg->f;
	const struct plot_model *m = &pg->models[file];
	double t0, t1, a, b;

	if (index)
		putc(',', f);
	fprintf(f, "\n{\"file\":%zu,\"pid\":%ld,\"color\":\"%s\",\"n\":%zu,\"label\":", file, s->pid,
		series_colors[index % ARRAY_SIZE(series_colors)], s->n);
	put_json_string(f, label);
	fputs(",\"title\":", f);
	put_json_string(f, title);
	put_point(f, "first", &s->first);
	put_point(f, "last", &s->last);
	put_point(f, "peak", &s->peak);
	put_point(f, "kpeak", &s->kernel_peak);
	put_point(f, "before", &s->before);
	put_point(f, "after", &s->after);
	fputs(",\"trend\":", f);
	if (pg->opt->slope && s->pid == 0 && plot_series_trend(s, &a, &b))
		fprintf(f, "[%.10g,%.10g]", a, b);
	else
		fputs("null", f);
	series_range(s, &t0, &t1);
	/* the column range exactly as the columns were cut: 10 digits can make
	 * a short one (a child seen once, late in a long run) empty */
	fprintf(f, ",\"q\":[%.10g,%.10g],\"ct\":[%.17g,%.17g]", s->lo, s->peak.v, t0, t1);
	put_levels(f, m, s, pg->cap);
	putc('}', f);
}

static const char *base_name(const char *path)
{
	const char *p = strrchr(path, '/');

	return p && p[1] ? p + 1 : path;
}

static const char *model_name(const struct page *pg, size_t i)
{
	if (pg->names && pg->names[i])
		return pg->names[i];
	return base_name(pg->models[i].path ? pg->models[i].path : "profile");
}

static void put_all_series(struct page *pg)
{
	size_t index = 0;
	char start[64];

	fputs(",\"series\":[", pg->f);
	for (size_t i = 0; i < pg->nmodels; i++) {
		const struct plot_model *m = &pg->models[i];
		char *label;

		plot_format_start(m->t_abs, start, sizeof(start));
		if (pg->nmodels > 1)
			label = xasprintf("%s - %s", model_name(pg, i), start);
		else
			label = xstrdup(start);
		put_series(pg, i, &m->main, index++, label, m->path ? m->path : label);
		free(label);
	}
	for (size_t i = 0; i < pg->nmodels; i++) {
		const struct plot_model *m = &pg->models[i];

		for (size_t k = 0; k < m->nchildren; k++) {
			const struct plot_series *c = &m->children[k];
			char *label;

			if (!c->n)
				continue;
			label = c->name ? xasprintf("child %ld (%s)", c->pid, c->name)
					: xasprintf("child %ld", c->pid);
			if (pg->nmodels > 1) {
				char *l = xasprintf("%s: %s", model_name(pg, i), label);

				free(label);
				label = l;
			}
			put_series(pg, i, c, index++, label, label);
			free(label);
		}
	}
	putc(']', pg->f);
}

/* ---- functions, calls, markers ---- */

static void put_funcs(struct page *pg)
{
	FILE *f = pg->f;
	size_t index = 0, ranked = 0;

	fputs(",\"funcs\":[", f);
	for (size_t i = 0; i < pg->nmodels; i++) {
		const struct plot_model *m = &pg->models[i];
		size_t ncalled;
		size_t *order = plot_model_func_order(m, &ncalled);
		unsigned *rank = xmalloc((m->nfuncs + 1) * sizeof(*rank));

		for (size_t k = 0; k < m->nfuncs; k++)
			rank[order[k]] = (unsigned)(ranked + k);
		pg->func_base[i] = index;
		for (size_t k = 0; k < m->nfuncs; k++) {
			const struct plot_func *fn = &m->funcs[k];
			double rgb[3];
			char hex[8];

			plot_func_color(rank[k], rgb);
			color_hex(rgb, hex);
			fprintf(f, "%s\n{\"file\":%zu,\"calls\":%zu,\"total\":", index++ ? "," : "", i, fn->calls);
			put_num(f, fn->total);
			fprintf(f, ",\"color\":\"%s\",\"unfinished\":%s,\"name\":", hex,
				fn->unfinished ? "true" : "false");
			put_json_string(f, fn->name);
			fputs(",\"label\":", f);
			put_json_string(f, fn->label);
			putc('}', f);
		}
		ranked += m->nfuncs;
		free(order);
		free(rank);
	}
	putc(']', f);
}

/* Calls in draw order (by level, then start). Past SPANS_MAX for the page,
 * calls of one function at one level that lie closer than gap seconds are
 * merged into one (its calls counted), the gap doubling until they fit. */
struct span_group {
	size_t func;          /* index in the page's list */
	int32_t level;
	double t0, t1;
	float m0, m1;
	uint64_t calls;
	bool unfinished;
};

static size_t group_spans(const struct page *pg, double gap, struct span_group **out, size_t *cap)
{
	size_t n = 0, nopen = 0;
	size_t *open = NULL; /* by function: group index + 1, at the current level */

	for (size_t i = 0; i < pg->nmodels; i++)
		nopen += pg->models[i].nfuncs;
	open = xcalloc(nopen + 1, sizeof(*open));
	for (size_t i = 0; i < pg->nmodels; i++) {
		const struct plot_model *m = &pg->models[i];
		int32_t level = INT32_MIN;

		for (size_t k = 0; k < m->nspans; k++) {
			const struct plot_span *s = &m->spans[k];
			size_t fn = pg->func_base[i] + s->func;
			struct span_group *g;

			if (s->level != level) {
				memset(open, 0, (nopen + 1) * sizeof(*open));
				level = s->level;
			}
			g = open[fn] ? &(*out)[open[fn] - 1] : NULL;
			if (g && gap > 0 && s->t0 - g->t1 <= gap) {
				if (s->t1 > g->t1) {
					g->t1 = s->t1;
					g->m1 = s->m1;
				}
				g->calls += s->calls ? s->calls : 1;
				g->unfinished |= s->unfinished;
				continue;
			}
			xgrow((void **)out, cap, n + 1, sizeof(**out));
			(*out)[n] = (struct span_group){
				.func = fn, .level = s->level, .t0 = s->t0, .t1 = s->t1, .m0 = s->m0, .m1 = s->m1,
				.calls = s->calls ? s->calls : 1, .unfinished = s->unfinished,
			};
			open[fn] = ++n;
		}
	}
	free(open);
	return n;
}

static void put_spans(struct page *pg, double t0, double t1)
{
	FILE *f = pg->f;
	struct span_group *g = NULL;
	size_t cap = 0, n;
	double gap = 0;

	for (;;) {
		n = group_spans(pg, gap, &g, &cap);
		if (n <= SPANS_MAX || gap > t1 - t0)
			break;
		gap = gap > 0 ? gap * 2 : (t1 - t0) / 8192;
	}
	fputs(",\"spans\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s[%zu,%d,", i ? "," : "", g[i].func, (int)g[i].level);
		put_num(f, g[i].t0);
		putc(',', f);
		put_num(f, g[i].t1);
		fprintf(f, ",%.6g,%.6g,%" PRIu64 ",%d]", (double)g[i].m0, (double)g[i].m1, g[i].calls,
			g[i].unfinished);
		if (i % 8 == 7)
			putc('\n', f);
	}
	putc(']', f);
	free(g);
}

static void put_marks(struct page *pg)
{
	FILE *f = pg->f;
	size_t written = 0;

	fputs(",\"marks\":[", f);
	for (size_t i = 0; i < pg->nmodels; i++) {
		const struct plot_model *m = &pg->models[i];

		for (size_t k = 0; k < m->nmarks; k++) {
			const struct plot_mark *mk = &m->marks[k];

			fprintf(f, "%s\n[%zu,", written++ ? "," : "", i);
			put_json_string(f, mk->label);
			putc(',', f);
			put_num(f, mk->t);
			fprintf(f, ",%.6g,%u]", (double)mk->mem, (unsigned)mk->count);
		}
	}
	putc(']', f);
}

static void put_files(struct page *pg)
{
	FILE *f = pg->f;
	char start[64];

	fputs(",\"files\":[", f);
	for (size_t i = 0; i < pg->nmodels; i++) {
		const struct plot_model *m = &pg->models[i];

		plot_format_start(m->t_abs, start, sizeof(start));
		fprintf(f, "%s\n{\"series\":%zu,\"path\":", i ? "," : "", i);
		put_json_string(f, m->path ? m->path : "");
		fputs(",\"name\":", f);
		put_json_string(f, model_name(pg, i));
		fputs(",\"cmdline\":", f);
		put_json_string(f, m->cmdline ? m->cmdline : "");
		fputs(",\"start\":", f);
		put_json_string(f, start);
		if (m->has_exit) {
			fputs(",\"exit\":", f);
			fprintf(f, "[\"%s\",%d]", m->exit_how, m->exit_status);
		}
		putc('}', f);
	}
	putc(']', f);
}

static const char *page_title(const struct page *pg)
{
	if (pg->opt->title)
		return pg->opt->title;
	if (pg->nmodels == 1 && pg->models[0].cmdline)
		return pg->models[0].cmdline;
	return pg->nmodels > 1 ? "mprof: profiles overlaid" : "mprof";
}

static void put_data(struct page *pg)
{
	FILE *f = pg->f;
	double t0 = 0, t1 = 0, lo = 0, hi = 0;
	int max_level = -1;

	for (size_t i = 0; i < pg->nmodels; i++) {
		double a, b, c, d;

		plot_model_extent(&pg->models[i], &a, &b, &c, &d);
		if (!i || a < t0)
			t0 = a;
		if (!i || b > t1)
			t1 = b;
		if (!i || c < lo)
			lo = c;
		if (!i || d > hi)
			hi = d;
		if (pg->models[i].max_level > max_level)
			max_level = pg->models[i].max_level;
		pg->nseries++;
		for (size_t k = 0; k < pg->models[i].nchildren; k++)
			pg->nseries += pg->models[i].children[k].n > 0;
	}
	if (pg->opt->window) {
		t0 = pg->opt->w0;
		t1 = pg->opt->w1;
	}
	pg->cap = pow2_floor(PAGE_COLS_BUDGET / (pg->nseries ? pg->nseries : 1));
	if (pg->cap > SERIES_COLS_MAX)
		pg->cap = SERIES_COLS_MAX;
	if (pg->cap < LEVEL_FIRST)
		pg->cap = LEVEL_FIRST;

	fputs("{\"title\":", f);
	put_json_string(f, page_title(pg));
	fprintf(f, ",\"flame\":%s,\"showfuncs\":%s,\"window\":%s,\"maxlevel\":%d,\"ext\":[",
		pg->opt->flame && !pg->opt->no_funcs ? "true" : "false", pg->opt->no_funcs ? "false" : "true",
		pg->opt->window ? "true" : "false", max_level < 0 ? 0 : max_level);
	put_num(f, t0);
	putc(',', f);
	put_num(f, t1);
	fprintf(f, ",%.10g,%.10g]", lo, hi);
	put_files(pg);
	put_all_series(pg);
	put_funcs(pg);
	if (pg->opt->no_funcs)
		fputs(",\"spans\":[]", f);
	else
		put_spans(pg, t0, t1);
	put_marks(pg);
	fputs("}\n", f);
}

int view_html_write_stream(FILE *f, const char *name, const struct plot_model *models, size_t nmodels,
			   const char *const *names, const struct plot_options *opt)
{
	struct page pg = {
		.f = f, .models = models, .nmodels = nmodels, .names = names, .opt = opt,
	};
	const char *title = page_title(&pg);

	if (!nmodels)
		return error("%s: no profile to show", name);
	pg.func_base = xcalloc(nmodels, sizeof(*pg.func_base));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<meta name=\"generator\" content=\"mprof\">\n<title>", f);
	put_html_text(f, title);
	fputs("</title>\n<style>\n", f);
	fputs(view_html_css, f);
	fputs("</style>\n</head>\n<body>\n<div id=\"head\"><h1>", f);
	put_html_text(f, title);
	fputs("</h1>\n<div id=\"bar\"><button id=\"reset\" type=\"button\">Reset zoom</button>"
	      "<span id=\"range\"></span><span id=\"cursor\"></span>"
	      "<span>drag on the plot to zoom, double-click to reset, hover for details, "
	      "click a legend entry to hide or show it</span></div></div>\n"
	      "<div id=\"main\"><div id=\"chart\"><noscript><p>This page draws its plot with JavaScript, "
	      "which is turned off.</p></noscript></div><div id=\"legend\"></div></div>\n"
	      "<div id=\"tip\"></div>\n"
	      "<script type=\"application/json\" id=\"mprof-data\">\n", f);
	put_data(&pg);
	fputs("</script>\n<script>\n", f);
	fputs(view_html_js, f);
	fputs("</script>\n</body>\n</html>\n", f);
	free(pg.func_base);
	if (fflush(f) != 0 || ferror(f))
		return error_errno("cannot write '%s'", name);
	return 0;
}

int view_html_write(const char *path, const struct plot_model *models, size_t nmodels,
		    const char *const *names, const struct plot_options *opt)
{
	FILE *f;
	int rc;

	if (!strcmp(path, "-"))
		return view_html_write_stream(stdout, "standard output", models, nmodels, names, opt);
	f = fopen(path, "w");
	if (!f)
		return error_errno("cannot create '%s'", path);
	rc = view_html_write_stream(f, path, models, nmodels, names, opt);
	if (fclose(f) != 0 && rc == 0)
		rc = error_errno("cannot write '%s'", path);
	if (rc < 0)
		unlink(path);
	return rc;
}
