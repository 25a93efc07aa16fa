#include "plot_draw.h"

#include "plot_layout.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rgb {
	double r, g, b;
};

/* Memory lines, in the Python tool's order: k, b, r, g, c, y, m. */
static const struct rgb series_colors[] = {
	{ 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 0 }, { 0, 0.5, 0 },
	{ 0, 0.75, 0.75 }, { 0.75, 0.75, 0 }, { 0.75, 0, 0.75 },
};

/* Functions: the Python tool's c, y, g first, then more, without its red
 * (the peak lines are red). */
static const struct rgb func_colors[] = {
	{ 0, 0.75, 0.75 }, { 0.75, 0.75, 0 }, { 0, 0.5, 0 }, { 0.58, 0.40, 0.74 },
	{ 1, 0.5, 0.05 }, { 0.55, 0.34, 0.29 }, { 0.89, 0.47, 0.76 }, { 0.12, 0.47, 0.71 },
	{ 0.5, 0.5, 0.5 }, { 0.74, 0.74, 0.13 },
};

static const struct rgb peak_color = { 1, 0, 0 };
static const struct rgb kernel_color = { 0.6, 0, 0 };
static const struct rgb mark_color = { 0.30, 0.30, 0.45 };
static const struct rgb grid_color = { 0.69, 0.69, 0.69 };
static const struct rgb text_color = { 0, 0, 0 };

/* Text roles: sizes in points, as matplotlib's defaults. */
static const struct {
	double pt;
	bool bold;
} text_roles[TEXT_ROLE_COUNT] = {
	[TEXT_TITLE] = { 12, false },
	[TEXT_AXIS] = { 10, false },
	[TEXT_TICK] = { 10, false },
	[TEXT_LEGEND] = { 10, false },
	[TEXT_NOTE] = { 9, false },
};

#define FONT_FAMILY "DejaVu Sans"

void plot_func_color(unsigned rank, double rgb[3])
{
	const struct rgb *c = &func_colors[rank % ARRAY_SIZE(func_colors)];

	rgb[0] = c->r;
	rgb[1] = c->g;
	rgb[2] = c->b;
}

struct draw {
	cairo_t *cr;
	double s;      /* pixels per point */
	bool vector;
	const struct plot_layout *lay;
};

/* ---- text ---- */

static void set_font(struct draw *d, enum plot_text_role role)
{
	cairo_select_font_face(d->cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
			       text_roles[role].bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(d->cr, text_roles[role].pt * d->s);
}

static void measure_text(void *ctx, enum plot_text_role role, const char *text, struct text_size *out)
{
	struct draw *d = ctx;
	cairo_text_extents_t te;
	cairo_font_extents_t fe;

	set_font(d, role);
	cairo_text_extents(d->cr, text, &te);
	cairo_font_extents(d->cr, &fe);
	out->width = te.x_advance;
	out->height = fe.ascent + fe.descent;
	out->ascent = fe.ascent;
}

static double text_width(struct draw *d, const char *text)
{
	cairo_text_extents_t te;

	cairo_text_extents(d->cr, text, &te);
	return te.x_advance;
}

/* The longest prefix of text that fits maxw with an ellipsis. Caller frees. */
static char *ellipsize(struct draw *d, const char *text, double maxw)
{
	size_t len = strlen(text), lo = 0, hi = len;
	char *buf = xmalloc(len + 4);

	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;

		while (mid > 0 && (text[mid] & 0xc0) == 0x80)
			mid--;
		if (mid <= lo) {
			break;
		}
		memcpy(buf, text, mid);
		memcpy(buf + mid, "\xe2\x80\xa6", 4);
		if (text_width(d, buf) <= maxw)
			lo = mid;
		else
			hi = mid - 1;
	}
	while (lo > 0 && (text[lo] & 0xc0) == 0x80)
		lo--;
	memcpy(buf, text, lo);
	memcpy(buf + lo, "\xe2\x80\xa6", 4);
	return buf;
}

/* Text with its baseline at y; align 0 left, 0.5 centre, 1 right; maxw > 0
 * cuts it with an ellipsis. Returns the width drawn. */
static double draw_text(struct draw *d, enum plot_text_role role, double x, double y, double align,
			double maxw, const char *text, struct rgb c)
{
	char *cut = NULL;
	double w;

	cairo_save(d->cr);
	set_font(d, role);
	w = text_width(d, text);
	if (maxw > 0 && w > maxw) {
		cut = ellipsize(d, text, maxw);
		text = cut;
		w = text_width(d, text);
	}
	cairo_set_source_rgb(d->cr, c.r, c.g, c.b);
	cairo_move_to(d->cr, x - align * w, y);
	cairo_show_text(d->cr, text);
	cairo_restore(d->cr);
	free(cut);
	return w;
}

/* A label on a white box, so it reads over lines. */
static void draw_boxed_text(struct draw *d, double x, double y, double align, const char *text, struct rgb c)
{
	struct text_size ts;
	double pad = 2 * d->s;

	measure_text(d, TEXT_NOTE, text, &ts);
	cairo_save(d->cr);
	cairo_rectangle(d->cr, x - align * ts.width - pad, y - ts.ascent - pad, ts.width + 2 * pad,
			ts.height + 2 * pad);
	cairo_set_source_rgba(d->cr, 1, 1, 1, 0.7);
	cairo_fill(d->cr);
	cairo_restore(d->cr);
	draw_text(d, TEXT_NOTE, x, y, align, 0, text, c);
}

/* ---- helpers ---- */

static double snap(const struct draw *d, double v)
{
	return d->vector ? v : floor(v) + 0.5;
}

static void set_color(cairo_t *cr, struct rgb c, double a)
{
	if (a >= 1)
		cairo_set_source_rgb(cr, c.r, c.g, c.b);
	else
		cairo_set_source_rgba(cr, c.r, c.g, c.b, a);
}

static void set_dash(struct draw *d, double on, double off)
{
	double dash[2] = { on * d->s, off * d->s };

	cairo_set_dash(d->cr, dash, 2, 0);
}

static double X(const struct draw *d, double t)
{
	return plot_axis_map(&d->lay->x, t);
}

static double Y(const struct draw *d, double v)
{
	return plot_axis_map(&d->lay->y, v);
}

static void clip_plot(struct draw *d)
{
	const struct plot_rect *p = &d->lay->plot;

	cairo_rectangle(d->cr, p->x, p->y, p->w, p->h);
	cairo_clip(d->cr);
}

static void format_mib(double v, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.*f MiB", v >= 10 ? 1 : v >= 1 ? 2 : 3, v);
}

static void format_secs(double t, double range, char *buf, size_t cap)
{
	int dec = range >= 100 ? 1 : range >= 1 ? 3 : 4;

	snprintf(buf, cap, "%.*f s", dec, t);
}

/* ---- the scene: what is drawn, before layout ---- */

enum legend_kind { LEG_LINE, LEG_BRACKET, LEG_BOX, LEG_NONE };

struct legend_item {
	char *text;
	struct rgb color;
	enum legend_kind kind;
	bool marker;
	double sort_key; /* functions: total time, to keep the largest when room is short */
};

struct scene {
	const struct plot_model *models;
	size_t n;
	const struct plot_options *opt;
	bool funcs, flame, peaks;
	unsigned *rank;          /* functions of models[0]: colour rank */
	struct legend_item *items;
	size_t nitems, cap;
	double t0, t1, lo, hi;
};

static void legend_add(struct scene *sc, char *text, struct rgb c, enum legend_kind kind, bool marker,
		       double key)
{
	xgrow((void **)&sc->items, &sc->cap, sc->nitems + 1, sizeof(*sc->items));
	sc->items[sc->nitems++] = (struct legend_item){ text, c, kind, marker, key };
}

static bool want_markers(const struct plot_series *s, double plot_w)
{
	return s->n * 5.0 <= plot_w;
}

static char *slope_text(const struct plot_series *s)
{
	double a, b;

	if (!plot_series_trend(s, &a, &b))
		return xstrdup("");
	return xasprintf(" slope %.5f MiB/s", b);
}

static struct rgb series_color(size_t i)
{
	return series_colors[i % ARRAY_SIZE(series_colors)];
}

static void scene_legend(struct scene *sc, const char *const *names, double plot_w_guess)
{
	size_t color = 0;

	for (size_t i = 0; i < sc->n; i++) {
		const struct plot_model *m = &sc->models[i];
		char start[96];
		char *slope = sc->opt->slope ? slope_text(&m->main) : xstrdup("");

		plot_format_start(m->t_abs, start, sizeof(start));
		if (sc->n > 1 && names)
			legend_add(sc, xasprintf("%s: %s%s", names[i], start, slope), series_color(color), LEG_LINE,
				   !sc->flame && want_markers(&m->main, plot_w_guess), 0);
		else
			legend_add(sc, xasprintf("%s%s", start, slope), series_color(color), LEG_LINE,
				   !sc->flame && want_markers(&m->main, plot_w_guess), 0);
		free(slope);
		color++;
		for (size_t k = 0; k < m->nchildren; k++) {
			const struct plot_series *c = &m->children[k];

			if (!c->n)
				continue;
			slope = sc->opt->slope ? slope_text(c) : xstrdup("");
			if (c->name)
				legend_add(sc, xasprintf("child %ld (%s)%s", c->pid, c->name, slope),
					   series_color(color), LEG_LINE, want_markers(c, plot_w_guess), 0);
			else
				legend_add(sc, xasprintf("child %ld%s", c->pid, slope), series_color(color),
					   LEG_LINE, want_markers(c, plot_w_guess), 0);
			free(slope);
			color++;
		}
	}
	if (sc->funcs) {
		const struct plot_model *m = &sc->models[0];
		size_t n;
		size_t *ix = plot_model_func_order(m, &n);

		for (size_t r = 0; r < n; r++) {
			const struct plot_func *f = &m->funcs[ix[r]];
			double rgb[3];
			char *text;

			sc->rank[ix[r]] = (unsigned)r;
			plot_func_color((unsigned)r, rgb);
			if (f->calls == 1)
				text = xasprintf("%s %.3fs%s", f->label, f->total, f->unfinished ? " (unfinished)" : "");
			else
				text = xasprintf("%s %zu calls %.3fs%s", f->label, f->calls, f->total,
						 f->unfinished ? " (unfinished)" : "");
			legend_add(sc, text, (struct rgb){ rgb[0], rgb[1], rgb[2] },
				   sc->flame ? LEG_BOX : LEG_BRACKET, false, f->total);
		}
		free(ix);
	}
}

static int cmp_item_key(const void *pa, const void *pb)
{
	const struct legend_item *a = pa, *b = pb;

	return a->sort_key > b->sort_key ? -1 : a->sort_key < b->sort_key;
}

static void scene_ranges(struct scene *sc)
{
	bool first = true;

	for (size_t i = 0; i < sc->n; i++) {
		const struct plot_model *m = &sc->models[i];
		double t0, t1, lo, hi;

		plot_model_extent(m, &t0, &t1, &lo, &hi);
		if (m->main.kernel_peak.set && m->main.kernel_peak.v > hi)
			hi = m->main.kernel_peak.v;
		for (size_t k = 0; k < m->nchildren; k++)
			if (m->children[k].n && m->children[k].kernel_peak.set &&
			    m->children[k].kernel_peak.v > hi)
				hi = m->children[k].kernel_peak.v;
		if (first || t0 < sc->t0)
			sc->t0 = t0;
		if (first || t1 > sc->t1)
			sc->t1 = t1;
		if (first || lo < sc->lo)
			sc->lo = lo;
		if (first || hi > sc->hi)
			sc->hi = hi;
		first = false;
	}
	if (sc->opt->window) {
		sc->t0 = sc->opt->w0;
		sc->t1 = sc->opt->w1;
	}
}

/* ---- drawing ---- */

static void draw_background(struct draw *d)
{
	cairo_save(d->cr);
	cairo_set_source_rgb(d->cr, 1, 1, 1);
	cairo_paint(d->cr);
	cairo_restore(d->cr);
}

static void draw_grid(struct draw *d)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;

	cairo_save(cr);
	set_color(cr, grid_color, 1);
	cairo_set_line_width(cr, 0.8 * d->s);
	for (int i = 0; i < l->x.ticks.n; i++) {
		double x = snap(d, X(d, plot_tick_value(&l->x.ticks, i)));

		if (x < l->plot.x || x > l->plot.x + l->plot.w)
			continue;
		cairo_move_to(cr, x, l->plot.y);
		cairo_line_to(cr, x, l->plot.y + l->plot.h + l->lanes.h);
	}
	for (int i = 0; i < l->y.ticks.n; i++) {
		double y = snap(d, Y(d, plot_tick_value(&l->y.ticks, i)));

		cairo_move_to(cr, l->plot.x, y);
		cairo_line_to(cr, l->plot.x + l->plot.w, y);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

static void draw_axes(struct draw *d, const char *title)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double x0 = snap(d, l->plot.x), y0 = snap(d, l->plot.y);
	double x1 = snap(d, l->plot.x + l->plot.w), y1 = snap(d, l->plot.y + l->plot.h + l->lanes.h);
	struct text_size ts;
	char buf[64];

	cairo_save(cr);
	set_color(cr, text_color, 1);
	cairo_set_line_width(cr, 0.8 * d->s);
	cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
	if (l->lanes.h > 0) {
		double ys = snap(d, l->plot.y + l->plot.h);

		cairo_move_to(cr, x0, ys);
		cairo_line_to(cr, x1, ys);
	}
	for (int i = 0; i < l->x.ticks.n; i++) {
		double x = snap(d, X(d, plot_tick_value(&l->x.ticks, i)));

		if (x < l->plot.x - 0.5 || x > l->plot.x + l->plot.w + 0.5)
			continue;
		cairo_move_to(cr, x, y1);
		cairo_line_to(cr, x, y1 + l->tick_len);
	}
	for (int i = 0; i < l->y.ticks.n; i++) {
		double y = snap(d, Y(d, plot_tick_value(&l->y.ticks, i)));

		cairo_move_to(cr, x0, y);
		cairo_line_to(cr, x0 - l->tick_len, y);
	}
	cairo_stroke(cr);
	cairo_restore(cr);

	measure_text(d, TEXT_TICK, "0", &ts);
	for (int i = 0; i < l->x.ticks.n; i++) {
		double x = X(d, plot_tick_value(&l->x.ticks, i));

		if (x < l->plot.x - 0.5 || x > l->plot.x + l->plot.w + 0.5)
			continue;
		plot_tick_label(&l->x.ticks, i, buf, sizeof(buf));
		draw_text(d, TEXT_TICK, x, y1 + l->tick_len + 3 * d->s + ts.ascent, 0.5, 0, buf, text_color);
	}
	for (int i = 0; i < l->y.ticks.n; i++) {
		double y = Y(d, plot_tick_value(&l->y.ticks, i));

		plot_tick_label(&l->y.ticks, i, buf, sizeof(buf));
		draw_text(d, TEXT_TICK, x0 - l->tick_len - 3 * d->s, y + ts.ascent * 0.4, 1, 0, buf, text_color);
	}
	draw_text(d, TEXT_AXIS, l->plot.x + l->plot.w / 2, l->xlabel_y, 0.5, 0, "time (in seconds)", text_color);
	cairo_save(cr);
	cairo_translate(cr, l->ylabel_x, l->plot.y + l->plot.h / 2);
	cairo_rotate(cr, -M_PI / 2);
	draw_text(d, TEXT_AXIS, 0, 0, 0.5, 0, "memory used (in MiB)", text_color);
	cairo_restore(cr);
	if (title && *title)
		draw_text(d, TEXT_TITLE, l->title_x, l->title_y, 0.5, l->fig.w - 8 * d->s, title, text_color);
}

/* v where the segment from a to b crosses time t */
static double cross_at(const struct plot_point *a, const struct plot_point *b, double t)
{
	if (b->t == a->t)
		return b->v;
	return a->v + (b->v - a->v) * (t - a->t) / (b->t - a->t);
}

static void path_point(struct draw *d, bool *started, double t, double v)
{
	if (*started)
		cairo_line_to(d->cr, X(d, t), Y(d, v));
	else
		cairo_move_to(d->cr, X(d, t), Y(d, v));
	*started = true;
}

static void draw_plus(struct draw *d, double x, double y)
{
	double r = 3.5 * d->s;

	cairo_move_to(d->cr, x - r, y);
	cairo_line_to(d->cr, x + r, y);
	cairo_move_to(d->cr, x, y - r);
	cairo_line_to(d->cr, x, y + r);
}

static void draw_series(struct draw *d, const struct plot_model *m, const struct plot_series *s,
			struct rgb c, bool markers, bool slope)
{
	const struct plot_layout *l = d->lay;
	size_t ncols = (size_t)ceil(l->plot.w);
	struct plot_column *cols = xmalloc(ncols * sizeof(*cols));
	cairo_t *cr = d->cr;
	bool started = false;
	struct plot_point lo_edge = s->n ? s->first : s->after, hi_edge = s->n ? s->last : s->before;

	plot_series_columns(m, s, l->x.lo, l->x.hi, cols, ncols);
	cairo_save(cr);
	clip_plot(d);
	set_color(cr, c, 1);
	cairo_set_line_width(cr, 1.5 * d->s);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	if (s->before.set && lo_edge.set)
		path_point(d, &started, l->x.lo, cross_at(&s->before, &lo_edge, l->x.lo));
	for (size_t i = 0; i < ncols; i++) {
		const struct plot_column *k = &cols[i];

		if (!k->n)
			continue;
		path_point(d, &started, k->tfirst, k->first);
		if (k->n > 2) {
			double tm = (k->tfirst + k->tlast) / 2;

			path_point(d, &started, tm, k->first <= k->last ? k->min : k->max);
			path_point(d, &started, tm, k->first <= k->last ? k->max : k->min);
		}
		if (k->n > 1)
			path_point(d, &started, k->tlast, k->last);
	}
	if (s->after.set && hi_edge.set)
		path_point(d, &started, l->x.hi, cross_at(&hi_edge, &s->after, l->x.hi));
	cairo_stroke(cr);
	if (markers) {
		cairo_set_line_width(cr, 1 * d->s);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
		for (size_t i = 0; i < ncols; i++) {
			if (!cols[i].n)
				continue;
			draw_plus(d, X(d, cols[i].tfirst), Y(d, cols[i].first));
			if (cols[i].n > 1)
				draw_plus(d, X(d, cols[i].tlast), Y(d, cols[i].last));
		}
		cairo_stroke(cr);
	}
	if (slope) {
		double a, b;

		if (plot_series_trend(s, &a, &b)) {
			set_dash(d, 4, 3);
			cairo_set_line_width(cr, 1 * d->s);
			cairo_move_to(cr, X(d, s->first.t), Y(d, a + b * s->first.t));
			cairo_line_to(cr, X(d, s->last.t), Y(d, a + b * s->last.t));
			cairo_stroke(cr);
		}
	}
	cairo_restore(cr);
	free(cols);
}

static void draw_bracket(struct draw *d, double t, double v, double dir, double scale)
{
	const struct plot_layout *l = d->lay;
	double x = X(d, t), y = Y(d, v);
	double hs = l->plot.w / 60 * scale * dir, vs = l->plot.h / 20 * scale;

	cairo_move_to(d->cr, x + hs, y - vs);
	cairo_line_to(d->cr, x, y - vs);
	cairo_line_to(d->cr, x, y + vs);
	cairo_line_to(d->cr, x + hs, y + vs);
}

static double level_scale(int level)
{
	return level <= 0 ? 1 : fmax(0.4, 1 - 0.2 * level);
}

static void draw_brackets(struct draw *d, const struct scene *sc)
{
	const struct plot_model *m = &sc->models[0];
	cairo_t *cr = d->cr;

	cairo_save(cr);
	clip_plot(d);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
	for (size_t i = 0; i < m->nspans; i++) {
		const struct plot_span *sp = &m->spans[i];
		double rgb[3], sc_ = level_scale(sp->level);

		plot_func_color(sc->rank[sp->func], rgb);
		cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
		cairo_set_line_width(cr, (sp->level > 0 ? 1.5 : 2) * d->s);
		draw_bracket(d, sp->t0, sp->m0, 1, sc_);
		cairo_stroke(cr);
		if (sp->unfinished)
			set_dash(d, 2, 2);
		draw_bracket(d, sp->t1, sp->m1, -1, sc_);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
	}
	cairo_restore(cr);
}

static void draw_flame(struct draw *d, const struct scene *sc)
{
	const struct plot_model *m = &sc->models[0];
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	struct text_size note;

	measure_text(d, TEXT_NOTE, "Mg", &note);
	cairo_save(cr);
	cairo_rectangle(cr, l->lanes.x, l->lanes.y, l->lanes.w, l->lanes.h);
	cairo_clip(cr);
	for (size_t i = 0; i < m->nspans; i++) {
		const struct plot_span *sp = &m->spans[i];
		const struct plot_func *f = &m->funcs[sp->func];
		double x0 = fmax(X(d, sp->t0), l->plot.x - 2), x1 = fmin(X(d, sp->t1), l->plot.x + l->plot.w + 2);
		int lane = sp->level < l->nlanes ? sp->level : l->nlanes - 1;
		double y = l->lanes.y + l->lanes.h - (lane + 1) * l->lane_h, rgb[3];
		double w;

		if (x1 < l->plot.x || x0 > l->plot.x + l->plot.w)
			continue;
		if (x1 - x0 < 1)
			x1 = x0 + 1;
		w = x1 - x0;
		plot_func_color(sc->rank[sp->func], rgb);
		cairo_rectangle(cr, x0, y, w, l->lane_h);
		cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.6);
		cairo_fill(cr);
		if (w > 3 * d->s) {
			cairo_save(cr);
			cairo_set_line_width(cr, 1 * d->s);
			cairo_set_source_rgb(cr, rgb[0] * 0.7, rgb[1] * 0.7, rgb[2] * 0.7);
			cairo_rectangle(cr, x0 + 0.5 * d->s, y + 0.5 * d->s, w - d->s, l->lane_h - d->s);
			if (sp->unfinished)
				set_dash(d, 2, 2);
			cairo_stroke(cr);
			cairo_restore(cr);
		}
		if (w > 2.5 * note.height && l->lane_h >= note.height) {
			double left = fmax(x0, l->plot.x) + 3 * d->s;
			double right = fmin(x1, l->plot.x + l->plot.w) - 3 * d->s;

			if (right - left > 1.5 * note.height)
				draw_text(d, TEXT_NOTE, left, y + (l->lane_h + note.ascent) / 2 - 1 * d->s, 0,
					  right - left, f->label, text_color);
		}
	}
	cairo_restore(cr);
}

static void draw_marks(struct draw *d, const struct plot_model *m)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	struct text_size ts;
	double row_end[3] = { -1e9, -1e9, -1e9 };

	if (!m->nmarks)
		return;
	cairo_save(cr);
	clip_plot(d);
	set_color(cr, mark_color, 1);
	cairo_set_line_width(cr, 1 * d->s);
	set_dash(d, 1, 2);
	for (size_t i = 0; i < m->nmarks; i++) {
		double x = snap(d, X(d, m->marks[i].t));

		cairo_move_to(cr, x, l->plot.y);
		cairo_line_to(cr, x, l->plot.y + l->plot.h);
	}
	cairo_stroke(cr);
	measure_text(d, TEXT_NOTE, "Mg", &ts);
	for (size_t i = 0; i < m->nmarks; i++) {
		const struct plot_mark *k = &m->marks[i];
		double x = X(d, k->t) + 3 * d->s;
		char *text = k->count > 1 ? xasprintf("%s (+%u)", k->label, k->count - 1) : xstrdup(k->label);
		struct text_size w;

		measure_text(d, TEXT_NOTE, text, &w);
		if (x + w.width > l->plot.x + l->plot.w)
			x = X(d, k->t) - 3 * d->s - w.width;
		for (int r = 0; r < 3; r++)
			if (x > row_end[r]) {
				draw_boxed_text(d, x, l->plot.y + 4 * d->s + ts.ascent + r * ts.height * 1.3, 0,
						text, mark_color);
				row_end[r] = x + w.width + 4 * d->s;
				break;
			}
		free(text);
	}
	cairo_restore(cr);
}

/* Dashed lines at the highest sample, inside the axes, with the value. */
static void draw_peak(struct draw *d, const struct plot_point *p, const char *what, bool label)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double x = X(d, p->t), y = Y(d, p->v), lx, ly;
	char mib[32], secs[32], *text;
	struct text_size ts;

	if (x < l->plot.x || x > l->plot.x + l->plot.w)
		return;
	cairo_save(cr);
	clip_plot(d);
	if (!label) {
		set_color(cr, peak_color, 1);
		cairo_set_line_width(cr, 1.2 * d->s);
		set_dash(d, 4, 2.5);
		cairo_move_to(cr, l->plot.x, snap(d, y));
		cairo_line_to(cr, l->plot.x + l->plot.w, snap(d, y));
		cairo_move_to(cr, snap(d, x), l->plot.y);
		cairo_line_to(cr, snap(d, x), l->plot.y + l->plot.h);
		cairo_stroke(cr);
		cairo_restore(cr);
		return;
	}
	format_mib(p->v, mib, sizeof(mib));
	format_secs(p->t, l->x.hi - l->x.lo, secs, sizeof(secs));
	text = xasprintf("%s %s at %s", what, mib, secs);
	measure_text(d, TEXT_NOTE, text, &ts);
	lx = x + 4 * d->s;
	if (lx + ts.width > l->plot.x + l->plot.w - 2 * d->s)
		lx = x - 4 * d->s - ts.width;
	ly = y - 6 * d->s;
	if (ly - ts.ascent < l->plot.y + 2 * d->s)
		ly = y + 6 * d->s + ts.ascent;
	draw_boxed_text(d, lx, ly, 0, text, peak_color);
	free(text);
	cairo_restore(cr);
}

/* The kernel's exact high-water mark, when the samples missed it. */
static void draw_kernel_peak(struct draw *d, const struct plot_series *s, struct rgb c, bool label)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double y, xr = l->plot.x + l->plot.w, r = 5 * d->s;
	char mib[32], smp[32], *text;

	if (!s->kernel_peak.set || !s->n || s->kernel_peak.v <= s->peak.v + 1e-9)
		return;
	y = Y(d, s->kernel_peak.v);
	cairo_save(cr);
	clip_plot(d);
	if (label)
		goto label;
	set_color(cr, c, 1);
	cairo_set_line_width(cr, 1 * d->s);
	set_dash(d, 2.5, 1.5);
	cairo_move_to(cr, l->plot.x, snap(d, y));
	cairo_line_to(cr, xr, snap(d, y));
	cairo_stroke(cr);
	cairo_set_dash(cr, NULL, 0, 0);
	cairo_move_to(cr, xr, y);
	cairo_line_to(cr, xr - 1.6 * r, y - r);
	cairo_line_to(cr, xr - 1.6 * r, y + r);
	cairo_close_path(cr);
	cairo_fill(cr);
	cairo_restore(cr);
	return;
label:
	format_mib(s->kernel_peak.v, mib, sizeof(mib));
	format_mib(s->peak.v, smp, sizeof(smp));
	if (s->pid)
		text = xasprintf("child %ld kernel peak %s (samples: %s)", s->pid, mib, smp);
	else
		text = xasprintf("kernel peak %s (samples: %s)", mib, smp);
	draw_boxed_text(d, xr - 2.2 * r, y - 4 * d->s, 1, text, c);
	free(text);
	cairo_restore(cr);
}

static void draw_legend_sample(struct draw *d, const struct legend_item *it, double x, double y)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double w = l->legend_sample, h = l->legend_row * 0.55;

	cairo_save(cr);
	set_color(cr, it->color, 1);
	switch (it->kind) {
	case LEG_LINE:
		cairo_set_line_width(cr, 1.5 * d->s);
		cairo_move_to(cr, x, y);
		cairo_line_to(cr, x + w, y);
		cairo_stroke(cr);
		if (it->marker) {
			cairo_set_line_width(cr, 1 * d->s);
			draw_plus(d, x + w / 2, y);
			cairo_stroke(cr);
		}
		break;
	case LEG_BRACKET:
		cairo_set_line_width(cr, 2 * d->s);
		cairo_move_to(cr, x + w * 0.35, y - h / 2);
		cairo_line_to(cr, x + w * 0.15, y - h / 2);
		cairo_line_to(cr, x + w * 0.15, y + h / 2);
		cairo_line_to(cr, x + w * 0.35, y + h / 2);
		cairo_move_to(cr, x + w * 0.65, y - h / 2);
		cairo_line_to(cr, x + w * 0.85, y - h / 2);
		cairo_line_to(cr, x + w * 0.85, y + h / 2);
		cairo_line_to(cr, x + w * 0.65, y + h / 2);
		cairo_stroke(cr);
		break;
	case LEG_BOX:
		set_color(cr, it->color, 0.6);
		cairo_rectangle(cr, x + w * 0.1, y - h / 2, w * 0.8, h);
		cairo_fill(cr);
		break;
	case LEG_NONE:
		break;
	}
	cairo_restore(cr);
}

static void draw_legend(struct draw *d, const struct scene *sc)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	struct text_size ts;
	double x, y;
	size_t shown = l->legend_shown;

	if (!sc->nitems || l->legend.w <= 0)
		return;
	cairo_save(cr);
	cairo_rectangle(cr, snap(d, l->legend.x), snap(d, l->legend.y), round(l->legend.w), round(l->legend.h));
	cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
	cairo_set_line_width(cr, 1 * d->s);
	cairo_stroke(cr);
	cairo_restore(cr);
	measure_text(d, TEXT_LEGEND, "Mg", &ts);
	x = l->legend.x + l->legend_pad;
	y = l->legend.y + l->legend_pad + l->legend_row / 2;
	for (size_t i = 0; i < shown && i < sc->nitems; i++, y += l->legend_row) {
		draw_legend_sample(d, &sc->items[i], x, y);
		draw_text(d, TEXT_LEGEND, x + l->legend_sample + l->legend_pad, y + ts.ascent / 2 - ts.height * 0.12,
			  0, l->legend_text_max, sc->items[i].text, text_color);
	}
	if (shown < sc->nitems) {
		char *more = xasprintf("\xe2\x80\xa6 and %zu more", sc->nitems - shown);

		draw_text(d, TEXT_LEGEND, x + l->legend_sample + l->legend_pad, y + ts.ascent / 2 - ts.height * 0.12,
			  0, l->legend_text_max, more, text_color);
		free(more);
	}
}

/* Peak lines under the memory lines (labels false), their labels over them. */
static void draw_peaks(struct draw *d, const struct scene *sc, bool labels)
{
	size_t color = 0;

	for (size_t i = 0; i < sc->n; i++) {
		const struct plot_model *m = &sc->models[i];
		const struct plot_series *top = NULL;

		draw_kernel_peak(d, &m->main, kernel_color, labels);
		color++;
		for (size_t k = 0; k < m->nchildren; k++) {
			const struct plot_series *c = &m->children[k];

			if (!c->n)
				continue;
			draw_kernel_peak(d, c, series_color(color++), labels);
			if (!top || c->peak.v > top->peak.v)
				top = c;
		}
		if (sc->n == 1 && top)
			draw_peak(d, &top->peak, "children's peak", labels);
	}
	if (sc->peaks)
		draw_peak(d, &sc->models[0].main.peak, "peak", labels);
}

/* The command line (or --title), and how the program ended when that was
 * not a plain exit 0. Caller frees; NULL for none. */
char *plot_title(const struct plot_model *models, size_t nmodels, const struct plot_options *opt)
{
	const struct plot_model *m = &models[0];
	const char *base = opt->title ? opt->title : nmodels == 1 ? m->cmdline : NULL;

	if (nmodels != 1 || opt->title || !m->has_exit)
		return base ? xstrdup(base) : NULL;
	if (!strcmp(m->exit_how, "signal"))
		return xasprintf("%s%s(killed by signal %d)", base ? base : "", base ? " " : "", m->exit_status);
	if (!strcmp(m->exit_how, "exit") && m->exit_status)
		return xasprintf("%s%s(exit status %d)", base ? base : "", base ? " " : "", m->exit_status);
	return base ? xstrdup(base) : NULL;
}

void plot_render(cairo_t *cr, const struct plot_model *models, size_t nmodels,
		 const char *const *names, const struct plot_options *opt, bool vector)
{
	struct draw d = { cr, opt->dpi / 72.0, vector, NULL };
	struct scene sc = { 0 };
	struct plot_layout lay;
	struct plot_layout_input in = { 0 };
	const char **texts;
	char *title = plot_title(models, nmodels, opt);
	cairo_font_options_t *fo = cairo_font_options_create();
	size_t color;

	cairo_save(cr);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);

	sc.models = models;
	sc.n = nmodels;
	sc.opt = opt;
	sc.funcs = nmodels == 1 && !opt->no_funcs && models[0].nspans > 0;
	sc.flame = sc.funcs && opt->flame;
	sc.peaks = nmodels == 1 && !opt->no_funcs;
	sc.rank = xcalloc(models[0].nfuncs + 1, sizeof(*sc.rank));
	scene_ranges(&sc);
	scene_legend(&sc, names, opt->width * 0.7);

	texts = xmalloc((sc.nitems + 1) * sizeof(*texts));
	for (size_t i = 0; i < sc.nitems; i++)
		texts[i] = sc.items[i].text;
	in.width = opt->width;
	in.height = opt->height;
	in.scale = d.s;
	in.title = title;
	in.xlabel = "time (in seconds)";
	in.ylabel = "memory used (in MiB)";
	in.t0 = sc.t0;
	in.t1 = sc.t1;
	plot_nice_range(sc.lo, sc.hi, &in.lo, &in.hi);
	in.pad_x = !opt->window;
	in.lanes = sc.flame ? models[0].max_level + 1 : 0;
	in.legend = texts;
	in.nlegend = sc.nitems;
	plot_layout(&lay, &in, &(struct plot_measure){ measure_text, &d });
	d.lay = &lay;
	if (lay.legend_shown < sc.nitems) {
		/* not all fit: the functions that took longest first */
		size_t nser = 0;

		while (nser < sc.nitems && sc.items[nser].kind == LEG_LINE)
			nser++;
		qsort(sc.items + nser, sc.nitems - nser, sizeof(*sc.items), cmp_item_key);
	}

	draw_background(&d);
	draw_grid(&d);
	if (sc.flame)
		draw_flame(&d, &sc);
	draw_peaks(&d, &sc, false);
	color = 0;
	for (size_t i = 0; i < nmodels; i++) {
		const struct plot_model *m = &models[i];

		draw_series(&d, m, &m->main, series_color(color++), !sc.flame && want_markers(&m->main, lay.plot.w),
			    opt->slope);
		for (size_t k = 0; k < m->nchildren; k++) {
			if (!m->children[k].n)
				continue;
			draw_series(&d, m, &m->children[k], series_color(color++),
				    want_markers(&m->children[k], lay.plot.w), opt->slope);
		}
	}
	if (sc.funcs && !sc.flame)
		draw_brackets(&d, &sc);
	if (nmodels == 1)
		draw_marks(&d, &models[0]);
	draw_peaks(&d, &sc, true);
	draw_axes(&d, title);
	draw_legend(&d, &sc);

	for (size_t i = 0; i < sc.nitems; i++)
		free(sc.items[i].text);
	free(sc.items);
	free(texts);
	free(sc.rank);
	free(title);
	cairo_restore(cr);
}
