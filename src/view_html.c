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

static void color_hex(struct scene_rgb rgb, char out[8])
{
	const double v[3] = { rgb.r, rgb.g, rgb.b };
	int c[3];

	for (int i = 0; i < 3; i++)
		c[i] = (int)lrint((v[i] < 0 ? 0 : v[i] > 1 ? 1 : v[i]) * 255);
	snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

static void put_color(FILE *f, const char *key, struct scene_rgb rgb)
{
	char hex[8];

	color_hex(rgb, hex);
	fprintf(f, ",\"%s\":\"%s\"", key, hex);
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
	const struct scene *sc;
	size_t cap;          /* finest level's columns for each series */
};

/* A series' value range and its columns at every level, as members of an
 * object, each after a comma. */
static void put_columns(FILE *f, const struct plot_model *m, const struct plot_series *s, size_t cap)
{
	double t0, t1;

	series_range(s, &t0, &t1);
	/* the column range exactly as the columns were cut: 10 digits can make
	 * a short one (a child seen once, late in a long run) empty */
	fprintf(f, ",\"q\":[%.10g,%.10g],\"ct\":[%.17g,%.17g]", s->lo, s->peak.v, t0, t1);
	put_levels(f, m, s, cap);
}

/* A memory line: its points, its peaks, its columns at every level. */
static void put_series(struct page *pg, size_t index)
{
	FILE *f = pg->f;
	const struct scene_line *ln = &pg->sc->lines[index];
	const struct plot_series *s = ln->series;
	const struct plot_model *m = &pg->sc->models[ln->model];
	const char *label = pg->sc->legend[ln->entry].text;

	fprintf(f, "%s\n{\"file\":%zu,\"pid\":%ld", index ? "," : "", ln->model, s->pid);
	put_color(f, "color", ln->color);
	fprintf(f, ",\"n\":%zu,\"label\":", s->n);
	put_json_string(f, label);
	fputs(",\"title\":", f);
	put_json_string(f, !s->pid && m->path ? m->path : label);
	put_point(f, "first", &s->first);
	put_point(f, "last", &s->last);
	put_point(f, "peak", &s->peak);
	put_point(f, "kpeak", &s->kernel_peak);
	put_point(f, "before", &s->before);
	put_point(f, "after", &s->after);
	fputs(",\"trend\":", f);
	if (ln->trend)
		fprintf(f, "[%.10g,%.10g]", ln->a, ln->b);
	else
		fputs("null", f);
	put_columns(f, m, s, pg->cap);
	putc('}', f);
}

/* A band of the breakdown: its kind, and the columns of the stacked series
 * above and below it ("lo" null: from 0). */
static void put_stack(struct page *pg, size_t index)
{
	FILE *f = pg->f;
	const struct scene_stack *b = &pg->sc->stacks[index];
	const struct plot_model *m = &pg->sc->models[b->model];

	fprintf(f, "%s\n{\"file\":%zu", index ? "," : "", b->model);
	put_color(f, "color", b->color);
	fputs(",\"label\":", f);
	put_json_string(f, pg->sc->legend[b->entry].text);
	fprintf(f, ",\"up\":{\"n\":%zu", b->upper->n);
	put_columns(f, m, b->upper, pg->cap);
	fputs("},\"lo\":", f);
	if (b->lower) {
		fprintf(f, "{\"n\":%zu", b->lower->n);
		put_columns(f, m, b->lower, pg->cap);
		putc('}', f);
	} else {
		fputs("null", f);
	}
	putc('}', f);
}

/* Memory pressure (null: none): the lane's top, its text, and the stall
 * rates' columns. */
static void put_pressure(struct page *pg)
{
	const struct scene_pressure *p = &pg->sc->pressure;
	const struct plot_model *m = &pg->sc->models[p->model];
	FILE *f = pg->f;

	fputs(",\"pressure\":", f);
	if (!p->some) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"hi\":%.10g,\"label\":", p->hi);
	put_json_string(f, p->label);
	put_color(f, "csome", scene_pressure_some_color);
	put_color(f, "cfull", scene_pressure_full_color);
	fprintf(f, ",\"some\":{\"n\":%zu", p->some->n);
	put_columns(f, m, p->some, pg->cap);
	fprintf(f, "},\"full\":{\"n\":%zu", p->full->n);
	put_columns(f, m, p->full, pg->cap);
	fputs("}}", f);
}

static void put_stacks(struct page *pg)
{
	fputs(",\"stacks\":[", pg->f);
	for (size_t i = 0; i < pg->sc->nstacks; i++)
		put_stack(pg, i);
	putc(']', pg->f);
}

static void put_all_series(struct page *pg)
{
	fputs(",\"series\":[", pg->f);
	for (size_t i = 0; i < pg->sc->nlines; i++)
		put_series(pg, i);
	putc(']', pg->f);
}

/* ---- peaks and the legend, as the scene has them ---- */

static void put_peaks(struct page *pg)
{
	static const char *const kinds[] = {
		[SCENE_PEAK_SAMPLED] = "peak", [SCENE_PEAK_CHILDREN] = "children", [SCENE_PEAK_KERNEL] = "kernel",
	};
	FILE *f = pg->f;

	fputs(",\"peaks\":[", f);
	for (size_t i = 0; i < pg->sc->npeaks; i++) {
		const struct scene_peak *p = &pg->sc->peaks[i];

		fprintf(f, "%s\n{\"kind\":\"%s\",\"series\":%zu,\"t\":", i ? "," : "", kinds[p->kind], p->line);
		put_num(f, p->t);
		fputs(",\"v\":", f);
		put_num(f, p->v);
		fputs(",\"sampled\":", f);
		put_num(f, p->sampled);
		put_color(f, "color", p->color);
		fputs(",\"label\":", f);
		put_json_string(f, p->label);
		fputs(",\"short\":", f);
		put_json_string(f, p->short_label);
		putc('}', f);
	}
	putc(']', f);
}

/* Interval peaks: per band, blocks [t0, t1, from, to] where an interval went
 * above the line, over BAND_COLS columns of the band's line (bounded). */
#define BAND_COLS 4096

static void put_band(struct page *pg, const struct scene_band *b)
{
	const struct scene_line *ln = &pg->sc->lines[b->line];
	struct plot_column *cols = xmalloc(BAND_COLS * sizeof(*cols));
	double t0, t1, prev_t = NAN, prev_v = 0;
	FILE *f = pg->f;
	bool first = true;

	series_range(ln->series, &t0, &t1);
	if (!(t1 > t0))
		t1 = t0 + 1;
	plot_series_columns(&pg->sc->models[ln->model], ln->series, t0, t1 + (t1 - t0) * 1e-9, cols, BAND_COLS);
	fprintf(f, "\n{\"series\":%zu", b->line);
	put_color(f, "color", b->color);
	fputs(",\"b\":[", f);
	for (size_t i = 0; i < BAND_COLS; i++) {
		const struct plot_column *k = &cols[i];
		double base = isnan(prev_t) || prev_v < k->max ? k->max : prev_v;

		if (!k->n)
			continue;
		if (k->ipeak > base) {
			fputs(first ? "[" : ",[", f);
			put_num(f, isnan(prev_t) ? k->tfirst : prev_t);
			putc(',', f);
			put_num(f, k->tlast);
			fprintf(f, ",%.6g,%.6g]", base, k->ipeak);
			first = false;
		}
		prev_t = k->tlast;
		prev_v = k->last;
	}
	fputs("]}", f);
	free(cols);
}

static void put_bands(struct page *pg)
{
	fputs(",\"bands\":[", pg->f);
	for (size_t i = 0; i < pg->sc->nbands; i++) {
		if (i)
			putc(',', pg->f);
		put_band(pg, &pg->sc->bands[i]);
	}
	fprintf(pg->f, "],\"bandhover\":\"%s\"", SCENE_BAND_HOVER);
}

static void put_legend(struct page *pg)
{
	static const char *const keys[] = {
		[SCENE_KEY_LINE] = "s", [SCENE_KEY_PEAK] = "k", [SCENE_KEY_KERNEL] = "k",
		[SCENE_KEY_FUNC] = "f", [SCENE_KEY_MARKS] = "m", [SCENE_KEY_STACK] = "x",
		[SCENE_KEY_BAND] = "b",
	};
	static const char *const kinds[] = {
		[SCENE_KEY_LINE] = "line", [SCENE_KEY_PEAK] = "peak", [SCENE_KEY_KERNEL] = "kernel",
		[SCENE_KEY_FUNC] = "func", [SCENE_KEY_MARKS] = "marks", [SCENE_KEY_STACK] = "stack",
		[SCENE_KEY_BAND] = "band",
	};
	FILE *f = pg->f;

	fputs(",\"legend\":[", f);
	for (size_t i = 0; i < pg->sc->nlegend; i++) {
		const struct scene_entry *e = &pg->sc->legend[i];

		fprintf(f, "%s\n{\"key\":\"%s%zu\",\"kind\":\"%s\"", i ? "," : "", keys[e->key], e->ref, kinds[e->key]);
		put_color(f, "color", e->color);
		fputs(",\"text\":", f);
		put_json_string(f, e->text);
		putc('}', f);
	}
	putc(']', f);
}

/* ---- functions, calls, markers ---- */

static void put_funcs(struct page *pg)
{
	FILE *f = pg->f;

	fputs(",\"funcs\":[", f);
	for (size_t i = 0; i < pg->sc->nfuncs; i++) {
		const struct scene_func *sf = &pg->sc->funcs[i];
		const struct plot_func *fn = sf->func;

		fprintf(f, "%s\n{\"file\":%zu,\"calls\":%zu,\"total\":", i ? "," : "", sf->model, fn->calls);
		put_num(f, fn->total);
		put_color(f, "color", sf->color);
		fprintf(f, ",\"unfinished\":%s,\"name\":", fn->unfinished ? "true" : "false");
		put_json_string(f, fn->name);
		fputs(",\"label\":", f);
		put_json_string(f, fn->label);
		putc('}', f);
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

	nopen = pg->sc->nfuncs;
	open = xcalloc(nopen + 1, sizeof(*open));
	for (size_t i = 0; i < pg->sc->nmodels; i++) {
		const struct plot_model *m = &pg->sc->models[i];
		int32_t level = INT32_MIN;

		for (size_t k = 0; k < m->nspans; k++) {
			const struct plot_span *s = &m->spans[k];
			size_t fn = pg->sc->func_base[i] + s->func;
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
			XGROW(*out, *cap, n + 1);
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
	for (size_t i = 0; i < pg->sc->nmodels; i++) {
		const struct plot_model *m = &pg->sc->models[i];

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
	size_t line = 0;
	char start[64];

	fputs(",\"files\":[", f);
	for (size_t i = 0; i < pg->sc->nmodels; i++) {
		const struct plot_model *m = &pg->sc->models[i];

		while (line < pg->sc->nlines && pg->sc->lines[line].model != i)
			line++;
		plot_format_start(m->t_abs, start, sizeof(start));
		fprintf(f, "%s\n{\"series\":%zu,\"path\":", i ? "," : "", line);
		put_json_string(f, m->path ? m->path : "");
		fputs(",\"cmdline\":", f);
		put_json_string(f, m->cmdline ? m->cmdline : "");
		fputs(",\"start\":", f);
		put_json_string(f, start);
		if (m->has_exit)
			fprintf(f, ",\"exit\":[\"%s\",%d]", m->exit_how, m->exit_status);
		putc('}', f);
	}
	putc(']', f);
}

static void put_data(struct page *pg)
{
	const struct scene *sc = pg->sc;
	FILE *f = pg->f;

	pg->cap = pow2_floor(PAGE_COLS_BUDGET / (sc->nlines ? sc->nlines : 1));
	if (pg->cap > SERIES_COLS_MAX)
		pg->cap = SERIES_COLS_MAX;
	if (pg->cap < LEVEL_FIRST)
		pg->cap = LEVEL_FIRST;

	fputs("{\"title\":", f);
	put_json_string(f, sc->title ? sc->title : "");
	fprintf(f, ",\"flame\":%s,\"showfuncs\":%s,\"window\":%s,\"maxlevel\":%d,\"ext\":[",
		sc->flame ? "true" : "false", sc->show_funcs ? "true" : "false", sc->window ? "true" : "false",
		sc->max_level < 0 ? 0 : sc->max_level);
	put_num(f, sc->t0);
	putc(',', f);
	put_num(f, sc->t1);
	fprintf(f, ",%.10g,%.10g]", sc->lo, sc->hi);
	put_files(pg);
	put_all_series(pg);
	put_stacks(pg);
	put_pressure(pg);
	put_peaks(pg);
	put_bands(pg);
	put_funcs(pg);
	if (sc->show_funcs)
		put_spans(pg, sc->t0, sc->t1);
	else
		fputs(",\"spans\":[]", f);
	put_marks(pg);
	put_legend(pg);
	fputs("}\n", f);
}

static int refresh_secs;

void view_html_set_refresh(int secs)
{
	refresh_secs = secs;
}

int view_html_write_stream(FILE *f, const char *name, const struct scene *sc)
{
	struct page pg = { .f = f, .sc = sc };
	const char *title = sc->title ? sc->title : "mprof";

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n"
	      "<meta name=\"generator\" content=\"mprof\">\n", f);
	if (refresh_secs > 0)
		fprintf(f, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh_secs);
	fputs("<title>", f);
	put_html_text(f, title);
	fputs("</title>\n<style>\n", f);
	fputs(view_html_css, f);
	fputs("</style>\n</head>\n<body>\n<div id=\"head\"><h1>", f);
	put_html_text(f, sc->title);
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
	if (fflush(f) != 0 || ferror(f))
		return error_errno("cannot write '%s'", name);
	return 0;
}

int view_html_write(const char *path, const struct scene *sc)
{
	FILE *f;
	int rc;

	if (!strcmp(path, "-"))
		return view_html_write_stream(stdout, "standard output", sc);
	f = fopen(path, "w");
	if (!f)
		return error_errno("cannot create '%s'", path);
	rc = view_html_write_stream(f, path, sc);
	if (fclose(f) != 0 && rc == 0)
		rc = error_errno("cannot write '%s'", path);
	if (rc < 0)
		unlink(path);
	return rc;
}
