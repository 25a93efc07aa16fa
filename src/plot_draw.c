#include "plot_draw.h"

#include "plot_text.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct scene_rgb grid_color = { 0.69, 0.69, 0.69 };
static const struct scene_rgb text_color = { 0, 0, 0 };

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

/* Drawing sizes, in points. */
#define LINE_PT 1.5           /* memory lines */
#define MARKER_PT 3.5         /* half the width of a '+' on a sample */
#define MARKERS_MIN_PX 5.0    /* '+' markers while samples are this far apart */
#define LABEL_PAD_PT 2        /* around a label's text, in its box */
#define LABEL_GAP_PT 4        /* between a label and what it labels */
#define ARROW_PT 5            /* the kernel peak's arrow */

struct draw {
	cairo_t *cr;
	double s;      /* pixels per point */
	bool vector;
	const struct scene *sc;
	const struct plot_layout *lay;
	struct plot_drawn *drawn;
};

/* ---- text ---- */

static void set_font(struct draw *d, enum plot_text_role role)
{
	plot_text_font(d->cr, text_roles[role].pt * d->s, text_roles[role].bold);
}

static void measure_text(void *ctx, enum plot_text_role role, const char *text, struct text_size *out)
{
	struct draw *d = ctx;
	double asc, desc;

	cairo_save(d->cr);
	set_font(d, role);
	plot_text_metrics(d->cr, &asc, &desc);
	out->width = plot_text_width(d->cr, text);
	out->height = asc + desc;
	out->ascent = asc;
	cairo_restore(d->cr);
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
		if (mid <= lo)
			break;
		memcpy(buf, text, mid);
		memcpy(buf + mid, "\xe2\x80\xa6", 4);
		if (plot_text_width(d->cr, buf) <= maxw)
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
 * cuts it with an ellipsis. Returns the text drawn (caller frees). */
static char *draw_text(struct draw *d, enum plot_text_role role, double x, double y, double align, double maxw,
		       const char *text, struct scene_rgb c)
{
	char *shown;
	double w;

	cairo_save(d->cr);
	set_font(d, role);
	w = plot_text_width(d->cr, text);
	if (maxw > 0 && w > maxw) {
		shown = ellipsize(d, text, maxw);
		w = plot_text_width(d->cr, shown);
	} else {
		shown = xstrdup(text);
	}
	cairo_set_source_rgb(d->cr, c.r, c.g, c.b);
	cairo_move_to(d->cr, x - align * w, y);
	plot_text_show(d->cr, shown);
	cairo_restore(d->cr);
	return shown;
}

static void draw_text_free(struct draw *d, enum plot_text_role role, double x, double y, double align,
			   double maxw, const char *text, struct scene_rgb c)
{
	free(draw_text(d, role, x, y, align, maxw, text, c));
}

/* ---- helpers ---- */

static double snap(const struct draw *d, double v)
{
	return d->vector ? v : floor(v) + 0.5;
}

static void set_color(cairo_t *cr, struct scene_rgb c, double a)
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

static bool want_markers(const struct draw *d, const struct scene_line *l)
{
	return !(d->sc->flame && !l->series->pid) && l->series->n * MARKERS_MIN_PX <= d->lay->plot.w;
}

/* ---- background, grid, axes ---- */

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

static bool x_inside(const struct plot_layout *l, double x)
{
	return x >= l->plot.x - 0.5 && x <= l->plot.x + l->plot.w + 0.5;
}

static void draw_frame(struct draw *d)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double x0 = snap(d, l->plot.x), y0 = snap(d, l->plot.y);
	double x1 = snap(d, l->plot.x + l->plot.w), y1 = snap(d, l->plot.y + l->plot.h + l->lanes.h);

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

		if (x_inside(l, x)) {
			cairo_move_to(cr, x, y1);
			cairo_line_to(cr, x, y1 + l->tick_len);
		}
	}
	for (int i = 0; i < l->y.ticks.n; i++) {
		double y = snap(d, Y(d, plot_tick_value(&l->y.ticks, i)));

		cairo_move_to(cr, x0, y);
		cairo_line_to(cr, x0 - l->tick_len, y);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

/* The title, cut with an ellipsis where the picture is too narrow. */
static void draw_title(struct draw *d)
{
	const struct plot_layout *l = d->lay;
	struct text_size ts;
	char *t;

	if (!d->sc->title)
		return;
	t = draw_text(d, TEXT_TITLE, l->title_x, l->title_y, 0.5, l->title_w, d->sc->title, text_color);
	if (!d->drawn) {
		free(t);
		return;
	}
	measure_text(d, TEXT_TITLE, t, &ts);
	d->drawn->title = t;
	d->drawn->title_box = (struct plot_rect){ l->title_x - ts.width / 2, l->title_y - ts.ascent, ts.width, ts.height };
}

static void draw_axes(struct draw *d)
{
	const struct plot_layout *l = d->lay;
	double y1 = l->plot.y + l->plot.h + l->lanes.h;
	struct text_size ts;
	char buf[64];

	draw_frame(d);
	measure_text(d, TEXT_TICK, "0", &ts);
	for (int i = 0; i < l->x.ticks.n; i++) {
		double x = X(d, plot_tick_value(&l->x.ticks, i));

		if (!x_inside(l, x))
			continue;
		plot_tick_label(&l->x.ticks, i, buf, sizeof(buf));
		draw_text_free(d, TEXT_TICK, x, y1 + l->tick_len + 3 * d->s + ts.ascent, 0.5, 0, buf, text_color);
	}
	for (int i = 0; i < l->y.ticks.n; i++) {
		double y = Y(d, plot_tick_value(&l->y.ticks, i));

		plot_tick_label(&l->y.ticks, i, buf, sizeof(buf));
		draw_text_free(d, TEXT_TICK, l->plot.x - l->tick_len - 3 * d->s, y + ts.ascent * 0.4, 1, 0, buf,
			       text_color);
	}
	draw_text_free(d, TEXT_AXIS, l->plot.x + l->plot.w / 2, l->xlabel_y, 0.5, 0, d->sc->xlabel, text_color);
	cairo_save(d->cr);
	cairo_translate(d->cr, l->ylabel_x, l->plot.y + l->plot.h / 2);
	cairo_rotate(d->cr, -M_PI / 2);
	draw_text_free(d, TEXT_AXIS, 0, 0, 0.5, l->plot.h, d->sc->ylabel, text_color);
	cairo_restore(d->cr);
	draw_title(d);
}

/* ---- memory lines ---- */

struct point {
	double x, y;
};

struct path {
	struct point *p;
	size_t n, cap;
};

static void path_add(struct path *pa, const struct draw *d, double t, double v)
{
	XGROW(pa->p, pa->cap, pa->n + 1);
	pa->p[pa->n++] = (struct point){ X(d, t), Y(d, v) };
}

/* v where the segment from a to b crosses time t */
static double cross_at(const struct plot_point *a, const struct plot_point *b, double t)
{
	if (b->t == a->t)
		return b->v;
	return a->v + (b->v - a->v) * (t - a->t) / (b->t - a->t);
}

/* A line's points in pixels: per pixel column its first, lowest and highest
 * (in the column's direction) and last sample; to the edges in a window.
 * The '+' markers go on the columns' first and last samples (marks). */
static void line_path(const struct draw *d, const struct scene_line *ln, struct path *pa, struct path *marks)
{
	const struct plot_layout *l = d->lay;
	const struct plot_series *s = ln->series;
	size_t ncols = (size_t)ceil(l->plot.w);
	struct plot_column *cols = xmalloc(ncols * sizeof(*cols));
	struct plot_point lo_edge = s->n ? s->first : s->after, hi_edge = s->n ? s->last : s->before;

	plot_series_columns(&d->sc->models[ln->model], s, l->x.lo, l->x.hi, cols, ncols);
	if (s->before.set && lo_edge.set)
		path_add(pa, d, l->x.lo, cross_at(&s->before, &lo_edge, l->x.lo));
	for (size_t i = 0; i < ncols; i++) {
		const struct plot_column *k = &cols[i];

		if (!k->n)
			continue;
		path_add(pa, d, k->tfirst, k->first);
		path_add(marks, d, k->tfirst, k->first);
		if (k->n > 2) {
			double tm = (k->tfirst + k->tlast) / 2;

			path_add(pa, d, tm, k->first <= k->last ? k->min : k->max);
			path_add(pa, d, tm, k->first <= k->last ? k->max : k->min);
		}
		if (k->n > 1) {
			path_add(pa, d, k->tlast, k->last);
			path_add(marks, d, k->tlast, k->last);
		}
	}
	if (s->after.set && hi_edge.set)
		path_add(pa, d, l->x.hi, cross_at(&hi_edge, &s->after, l->x.hi));
	free(cols);
}

static void draw_plus(struct draw *d, double x, double y)
{
	double r = MARKER_PT * d->s;

	cairo_move_to(d->cr, x - r, y);
	cairo_line_to(d->cr, x + r, y);
	cairo_move_to(d->cr, x, y - r);
	cairo_line_to(d->cr, x, y + r);
}

static void draw_line(struct draw *d, const struct scene_line *ln, const struct path *pa, const struct path *marks)
{
	cairo_t *cr = d->cr;

	cairo_save(cr);
	clip_plot(d);
	set_color(cr, ln->color, 1);
	cairo_set_line_width(cr, LINE_PT * d->s);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
	for (size_t i = 0; i < pa->n; i++)
		(i ? cairo_line_to : cairo_move_to)(cr, pa->p[i].x, pa->p[i].y);
	cairo_stroke(cr);
	if (want_markers(d, ln)) {
		cairo_set_line_width(cr, 1 * d->s);
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
		for (size_t i = 0; i < marks->n; i++)
			draw_plus(d, marks->p[i].x, marks->p[i].y);
		cairo_stroke(cr);
	}
	if (ln->trend) {
		const struct plot_series *s = ln->series;

		set_dash(d, 4, 3);
		cairo_set_line_width(cr, 1 * d->s);
		cairo_move_to(cr, X(d, s->first.t), Y(d, ln->a + ln->b * s->first.t));
		cairo_line_to(cr, X(d, s->last.t), Y(d, ln->a + ln->b * s->last.t));
		cairo_stroke(cr);
	}
	cairo_restore(cr);
}

/* Every line drawn; what it covers noted in occ. */
static void draw_lines(struct draw *d, struct plot_occupancy *occ)
{
	for (size_t i = 0; i < d->sc->nlines; i++) {
		const struct scene_line *ln = &d->sc->lines[i];
		struct path pa = { 0 }, marks = { 0 };
		double half = LINE_PT * d->s;

		line_path(d, ln, &pa, &marks);
		draw_line(d, ln, &pa, &marks);
		for (size_t k = 0; k + 1 < pa.n; k++)
			plot_occ_segment(occ, pa.p[k].x, pa.p[k].y, pa.p[k + 1].x, pa.p[k + 1].y, half, PLOT_OCC_DATA);
		if (pa.n == 1)
			plot_occ_segment(occ, pa.p[0].x, pa.p[0].y, pa.p[0].x, pa.p[0].y, half, PLOT_OCC_DATA);
		for (size_t k = 0; want_markers(d, ln) && k < marks.n; k++) {
			double r = MARKER_PT * d->s;
			struct plot_rect box = { marks.p[k].x - r, marks.p[k].y - r, 2 * r, 2 * r };

			plot_occ_rect(occ, &box, PLOT_OCC_DATA);
		}
		free(pa.p);
		free(marks.p);
	}
}

/* ---- the kinds of memory (--breakdown) ---- */

/* A band between two stacked series, filled: along the upper one's first and
 * last sample of each pixel column, back along the lower one's (the same
 * samples: a KIND record gives all of them at once), or along 0. */
static void draw_stack(struct draw *d, const struct scene_stack *b)
{
	const struct plot_layout *l = d->lay;
	const struct plot_model *m = &d->sc->models[b->model];
	size_t ncols = (size_t)ceil(l->plot.w), n = 0;
	struct plot_column *up = xmalloc(ncols * sizeof(*up)), *lo = xcalloc(ncols, sizeof(*lo));
	cairo_t *cr = d->cr;

	plot_series_columns(m, b->upper, l->x.lo, l->x.hi, up, ncols);
	if (b->lower)
		plot_series_columns(m, b->lower, l->x.lo, l->x.hi, lo, ncols);
	cairo_save(cr);
	clip_plot(d);
	for (size_t i = 0; i < ncols; i++)
		if (up[i].n) {
			(n++ ? cairo_line_to : cairo_move_to)(cr, X(d, up[i].tfirst), Y(d, up[i].first));
			cairo_line_to(cr, X(d, up[i].tlast), Y(d, up[i].last));
		}
	for (size_t i = ncols; i-- > 0;)
		if (up[i].n) {
			cairo_line_to(cr, X(d, up[i].tlast), Y(d, b->lower ? lo[i].last : 0));
			cairo_line_to(cr, X(d, up[i].tfirst), Y(d, b->lower ? lo[i].first : 0));
		}
	if (n) {
		cairo_close_path(cr);
		set_color(cr, b->color, SCENE_STACK_ALPHA);
		cairo_fill(cr);
	}
	cairo_restore(cr);
	free(up);
	free(lo);
}

static void draw_stacks(struct draw *d)
{
	for (size_t i = 0; i < d->sc->nstacks; i++)
		draw_stack(d, &d->sc->stacks[i]);
}

/* ---- interval peaks ---- */

#define BAND_ALPHA 0.28

/* A band's blocks: over each interval whose peak went above the line (per
 * pixel column, from the sample before to the column's last), from the line
 * up to that peak, light, under the lines. */
static void draw_band(struct draw *d, const struct scene_band *b)
{
	const struct plot_layout *l = d->lay;
	const struct scene_line *ln = &d->sc->lines[b->line];
	size_t ncols = (size_t)ceil(l->plot.w);
	struct plot_column *cols = xmalloc(ncols * sizeof(*cols));
	double prev_t = NAN, prev_v = 0;

	plot_series_columns(&d->sc->models[ln->model], ln->series, l->x.lo, l->x.hi, cols, ncols);
	cairo_save(d->cr);
	clip_plot(d);
	set_color(d->cr, b->color, BAND_ALPHA);
	for (size_t i = 0; i < ncols; i++) {
		const struct plot_column *k = &cols[i];
		double base = isnan(prev_t) || prev_v < k->max ? k->max : prev_v;
		double x0 = X(d, isnan(prev_t) ? k->tfirst : prev_t), x1 = X(d, k->tlast);

		if (!k->n)
			continue;
		if (k->ipeak > base) {
			if (x1 - x0 < d->s)
				x0 = x1 - d->s;
			cairo_rectangle(d->cr, x0, Y(d, k->ipeak), x1 - x0, Y(d, base) - Y(d, k->ipeak));
		}
		prev_t = k->tlast;
		prev_v = k->last;
	}
	cairo_fill(d->cr);
	cairo_restore(d->cr);
	free(cols);
}

static void draw_bands(struct draw *d)
{
	for (size_t i = 0; i < d->sc->nbands; i++)
		draw_band(d, &d->sc->bands[i]);
}

/* ---- calls ---- */

static double level_scale(int level)
{
	return level <= 0 ? 1 : fmax(0.4, 1 - 0.2 * level);
}

/* A bracket's corner points: '[' at the start (dir 1), ']' at the end. */
static void bracket_points(const struct draw *d, double t, double v, double dir, int level, struct point p[4])
{
	const struct plot_layout *l = d->lay;
	double x = X(d, t), y = Y(d, v), sc = level_scale(level);
	double hs = l->plot.w / 60 * sc * dir, vs = l->plot.h / 20 * sc;

	p[0] = (struct point){ x + hs, y - vs };
	p[1] = (struct point){ x, y - vs };
	p[2] = (struct point){ x, y + vs };
	p[3] = (struct point){ x + hs, y + vs };
}

static void draw_bracket(struct draw *d, const struct point p[4], struct plot_occupancy *occ)
{
	struct plot_rect box = { fmin(p[0].x, p[1].x), p[1].y, fabs(p[0].x - p[1].x), p[2].y - p[1].y };

	cairo_move_to(d->cr, p[0].x, p[0].y);
	for (int i = 1; i < 4; i++)
		cairo_line_to(d->cr, p[i].x, p[i].y);
	cairo_stroke(d->cr);
	plot_occ_rect(occ, &box, PLOT_OCC_DATA);
}

static void draw_brackets(struct draw *d, struct plot_occupancy *occ)
{
	cairo_t *cr = d->cr;

	cairo_save(cr);
	clip_plot(d);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
	for (size_t k = 0; k < d->sc->nmodels; k++) {
		const struct plot_model *m = &d->sc->models[k];

		for (size_t i = 0; i < m->nspans; i++) {
			const struct plot_span *sp = &m->spans[i];
			struct point p[4];

			set_color(cr, scene_func_of(d->sc, k, sp->func)->color, 1);
			cairo_set_line_width(cr, (sp->level > 0 ? 1.5 : 2) * d->s);
			bracket_points(d, sp->t0, sp->m0, 1, sp->level, p);
			draw_bracket(d, p, occ);
			if (sp->unfinished)
				set_dash(d, 2, 2);
			bracket_points(d, sp->t1, sp->m1, -1, sp->level, p);
			draw_bracket(d, p, occ);
			cairo_set_dash(cr, NULL, 0, 0);
		}
	}
	cairo_restore(cr);
}

/* One call's rectangle in its lane, named when it is wide enough. */
static void draw_flame_span(struct draw *d, size_t model, const struct plot_span *sp, const struct text_size *note)
{
	const struct plot_layout *l = d->lay;
	const struct scene_func *f = scene_func_of(d->sc, model, sp->func);
	double x0 = fmax(X(d, sp->t0), l->plot.x - 2), x1 = fmin(X(d, sp->t1), l->plot.x + l->plot.w + 2);
	int lane = sp->level < l->nlanes ? sp->level : l->nlanes - 1;
	double y = l->lanes.y + l->lanes.h - (lane + 1) * l->lane_h, w;
	struct scene_rgb c = f->color, dark = { c.r * 0.7, c.g * 0.7, c.b * 0.7 };
	cairo_t *cr = d->cr;

	if (x1 < l->plot.x || x0 > l->plot.x + l->plot.w)
		return;
	if (x1 - x0 < 1)
		x1 = x0 + 1;
	w = x1 - x0;
	cairo_rectangle(cr, x0, y, w, l->lane_h);
	set_color(cr, c, 0.6);
	cairo_fill(cr);
	if (w > 3 * d->s) {
		cairo_save(cr);
		cairo_set_line_width(cr, 1 * d->s);
		set_color(cr, dark, 1);
		cairo_rectangle(cr, x0 + 0.5 * d->s, y + 0.5 * d->s, w - d->s, l->lane_h - d->s);
		if (sp->unfinished)
			set_dash(d, 2, 2);
		cairo_stroke(cr);
		cairo_restore(cr);
	}
	if (w > 2.5 * note->height && l->lane_h >= note->height) {
		double left = fmax(x0, l->plot.x) + 3 * d->s, right = fmin(x1, l->plot.x + l->plot.w) - 3 * d->s;

		if (right - left > 1.5 * note->height)
			draw_text_free(d, TEXT_NOTE, left, y + (l->lane_h + note->ascent) / 2 - 1 * d->s, 0,
				       right - left, f->func->label, text_color);
	}
}

static void draw_flame(struct draw *d)
{
	const struct plot_layout *l = d->lay;
	struct text_size note;

	measure_text(d, TEXT_NOTE, "Mg", &note);
	cairo_save(d->cr);
	cairo_rectangle(d->cr, l->lanes.x, l->lanes.y, l->lanes.w, l->lanes.h);
	cairo_clip(d->cr);
	for (size_t k = 0; k < d->sc->nmodels; k++)
		for (size_t i = 0; i < d->sc->models[k].nspans; i++)
			draw_flame_span(d, k, &d->sc->models[k].spans[i], &note);
	cairo_restore(d->cr);
}

/* ---- memory pressure: a lane under the plot ---- */

/* One stall rate filled from the lane's bottom, the highest of each pixel
 * column. */
static void pressure_area(struct draw *d, const struct plot_series *s, struct scene_rgb c, double alpha)
{
	const struct plot_layout *l = d->lay;
	const struct scene_pressure *p = &d->sc->pressure;
	size_t ncols = (size_t)ceil(l->plot.w), n = 0;
	struct plot_column *cols = xmalloc(ncols * sizeof(*cols));
	double base = l->pressure.y + l->pressure.h, scale = (l->pressure.h - d->s) / p->hi, xe = 0;
	cairo_t *cr = d->cr;

	plot_series_columns(&d->sc->models[p->model], s, l->x.lo, l->x.hi, cols, ncols);
	for (size_t i = 0; i < ncols; i++)
		if (cols[i].n) {
			double y = base - cols[i].max * scale;

			if (!n++)
				cairo_move_to(cr, X(d, cols[i].tfirst), base);
			cairo_line_to(cr, X(d, cols[i].tfirst), y);
			cairo_line_to(cr, xe = X(d, cols[i].tlast), y);
		}
	if (n) {
		cairo_line_to(cr, xe, base);
		cairo_close_path(cr);
		set_color(cr, c, alpha);
		cairo_fill(cr);
	}
	free(cols);
}

static void draw_pressure(struct draw *d)
{
	const struct plot_rect *r = &d->lay->pressure;
	const struct scene_pressure *p = &d->sc->pressure;
	struct text_size note;

	if (!p->some || !(r->h > 0))
		return;
	measure_text(d, TEXT_NOTE, "Mg", &note);
	cairo_save(d->cr);
	cairo_rectangle(d->cr, r->x, r->y, r->w, r->h);
	cairo_clip(d->cr);
	pressure_area(d, p->some, scene_pressure_some_color, SCENE_PRESSURE_SOME_ALPHA);
	pressure_area(d, p->full, scene_pressure_full_color, 1);
	draw_text_free(d, TEXT_NOTE, r->x + 3 * d->s, r->y + note.ascent + d->s, 0, r->w, p->label, text_color);
	cairo_restore(d->cr);
	if (d->lay->lanes.h > r->h) { /* the flame lanes under it */
		double y = snap(d, r->y + r->h);

		cairo_save(d->cr);
		set_color(d->cr, text_color, 1);
		cairo_set_line_width(d->cr, 0.8 * d->s);
		cairo_move_to(d->cr, r->x, y);
		cairo_line_to(d->cr, r->x + r->w, y);
		cairo_stroke(d->cr);
		cairo_restore(d->cr);
	}
}

/* ---- guides: markers' and peaks' lines ---- */

static void draw_mark_lines(struct draw *d, struct plot_occupancy *occ)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;

	cairo_save(cr);
	clip_plot(d);
	set_color(cr, scene_mark_color, 1);
	cairo_set_line_width(cr, 1 * d->s);
	set_dash(d, 1, 2);
	for (size_t k = 0; k < d->sc->nmodels; k++)
		for (size_t i = 0; i < d->sc->models[k].nmarks; i++) {
			double x = snap(d, X(d, d->sc->models[k].marks[i].t));

			cairo_move_to(cr, x, l->plot.y);
			cairo_line_to(cr, x, l->plot.y + l->plot.h);
			plot_occ_segment(occ, x, l->plot.y, x, l->plot.y + l->plot.h, d->s, PLOT_OCC_GUIDE);
		}
	cairo_stroke(cr);
	cairo_restore(cr);
}

static bool peak_visible(const struct draw *d, const struct scene_peak *p)
{
	const struct plot_layout *l = d->lay;
	double x = X(d, p->t);

	return p->kind == SCENE_PEAK_KERNEL || (x >= l->plot.x && x <= l->plot.x + l->plot.w);
}

/* Dashed lines at a sampled peak; for the kernel's, a dotted line and an
 * arrow at the right. */
static void draw_peak_lines(struct draw *d, const struct scene_peak *p, struct plot_occupancy *occ)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double x = snap(d, X(d, p->t)), y = snap(d, Y(d, p->v)), xr = l->plot.x + l->plot.w, r = ARROW_PT * d->s;

	cairo_save(cr);
	clip_plot(d);
	set_color(cr, p->color, 1);
	plot_occ_segment(occ, l->plot.x, y, xr, y, d->s, PLOT_OCC_GUIDE);
	if (p->kind != SCENE_PEAK_KERNEL) {
		cairo_set_line_width(cr, 1.2 * d->s);
		set_dash(d, 4, 2.5);
		cairo_move_to(cr, l->plot.x, y);
		cairo_line_to(cr, xr, y);
		cairo_move_to(cr, x, l->plot.y);
		cairo_line_to(cr, x, l->plot.y + l->plot.h);
		cairo_stroke(cr);
		plot_occ_segment(occ, x, l->plot.y, x, l->plot.y + l->plot.h, d->s, PLOT_OCC_GUIDE);
	} else {
		cairo_set_line_width(cr, 1 * d->s);
		set_dash(d, 2.5, 1.5);
		cairo_move_to(cr, l->plot.x, y);
		cairo_line_to(cr, xr, y);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		cairo_move_to(cr, xr, y);
		cairo_line_to(cr, xr - 1.6 * r, y - r);
		cairo_line_to(cr, xr - 1.6 * r, y + r);
		cairo_close_path(cr);
		cairo_fill(cr);
		plot_occ_rect(occ, &(struct plot_rect){ xr - 1.6 * r, y - r, 1.6 * r, 2 * r }, PLOT_OCC_DATA);
	}
	cairo_restore(cr);
}

static void draw_peaks(struct draw *d, struct plot_occupancy *occ)
{
	for (size_t i = 0; i < d->sc->npeaks; i++)
		if (peak_visible(d, &d->sc->peaks[i]))
			draw_peak_lines(d, &d->sc->peaks[i], occ);
}

/* ---- labels: where they cover neither data nor each other ---- */

#define LABEL_CANDIDATES 16

struct label_req {
	const char *text[2];        /* long, then short (may be NULL) */
	struct scene_rgb color;
	double ax, ay;              /* what it labels */
	enum { AT_POINT, AT_LINE, AT_MARK } kind;
};

/* The box of text w x h (with its padding) at its candidate places. */
static size_t label_candidates(const struct draw *d, const struct label_req *rq, double w, double h,
			       struct plot_rect *c)
{
	const struct plot_rect *p = &d->lay->plot;
	double g = LABEL_GAP_PT * d->s, x = rq->ax, y = rq->ay, xr = p->x + p->w - 2.2 * ARROW_PT * d->s;
	size_t n = 0;

	if (rq->kind == AT_POINT) {
		for (int k = 0; k < 4; k++) {
			double up = y - g - h - k * h, down = y + g + k * h;

			c[n++] = (struct plot_rect){ x + g, up, w, h };
			c[n++] = (struct plot_rect){ x - g - w, up, w, h };
			c[n++] = (struct plot_rect){ x + g, down, w, h };
			c[n++] = (struct plot_rect){ x - g - w, down, w, h };
		}
	} else if (rq->kind == AT_LINE) {
		double xs[] = { xr - w, p->x + g, p->x + (p->w - w) / 2 };

		for (size_t i = 0; i < ARRAY_SIZE(xs); i++) {
			c[n++] = (struct plot_rect){ xs[i], y - g / 2 - h, w, h };
			c[n++] = (struct plot_rect){ xs[i], y + g / 2, w, h };
		}
	} else {
		for (int r = 0; r < 4; r++) {
			double top = p->y + g + r * h * 1.1;

			c[n++] = (struct plot_rect){ x + g / 2, top, w, h };
			c[n++] = (struct plot_rect){ x - g / 2 - w, top, w, h };
		}
	}
	return n;
}

static void note_label(struct draw *d, const struct plot_rect *box, const char *text)
{
	struct plot_drawn *dr = d->drawn;

	if (!dr)
		return;
	XGROW(dr->labels, dr->labels_cap, dr->nlabels + 1);
	dr->labels[dr->nlabels++] = (struct plot_label){ *box, xstrdup(text) };
}

/* Place a label (the long text, else the short one) and draw it on a white
 * box; nothing when no place is free. */
static void place_label(struct draw *d, struct plot_occupancy *occ, const struct label_req *rq)
{
	struct plot_rect cand[LABEL_CANDIDATES];
	double pad = LABEL_PAD_PT * d->s;

	for (int k = 0; k < 2 && rq->text[k]; k++) {
		struct text_size ts;
		size_t n;
		int i;

		measure_text(d, TEXT_NOTE, rq->text[k], &ts);
		n = label_candidates(d, rq, ts.width + 2 * pad, ts.height + 2 * pad, cand);
		i = plot_occ_place(occ, cand, n);
		if (i < 0)
			continue;
		note_label(d, &cand[i], rq->text[k]);
		if (d->drawn && d->drawn->no_labels)
			return;
		cairo_save(d->cr);
		cairo_rectangle(d->cr, cand[i].x, cand[i].y, cand[i].w, cand[i].h);
		cairo_set_source_rgba(d->cr, 1, 1, 1, 0.7);
		cairo_fill(d->cr);
		cairo_restore(d->cr);
		draw_text_free(d, TEXT_NOTE, cand[i].x + pad, cand[i].y + pad + ts.ascent, 0, 0, rq->text[k], rq->color);
		return;
	}
}

static void place_labels(struct draw *d, struct plot_occupancy *occ)
{
	const struct scene *sc = d->sc;

	for (size_t k = 0; k < sc->nmodels; k++)
		for (size_t i = 0; i < sc->models[k].nmarks; i++) {
			const struct plot_mark *mk = &sc->models[k].marks[i];
			char *text = scene_mark_label(mk);
			struct label_req rq = { { text, mk->label }, scene_mark_color, X(d, mk->t), 0, AT_MARK };

			place_label(d, occ, &rq);
			free(text);
		}
	for (size_t i = 0; i < sc->npeaks; i++) {
		const struct scene_peak *p = &sc->peaks[i];
		struct label_req rq = { { p->label, p->short_label }, p->color, X(d, p->t), Y(d, p->v),
					p->kind == SCENE_PEAK_KERNEL ? AT_LINE : AT_POINT };

		if (peak_visible(d, p))
			place_label(d, occ, &rq);
	}
}

/* ---- legend ---- */

static void draw_bracket_sample(struct draw *d, double x, double y, double w, double h)
{
	cairo_t *cr = d->cr;

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
}

static void draw_dashed_sample(struct draw *d, double x, double y, double w, double on, double off)
{
	set_dash(d, on, off);
	cairo_set_line_width(d->cr, 1.2 * d->s);
	cairo_move_to(d->cr, x, y);
	cairo_line_to(d->cr, x + w, y);
	cairo_stroke(d->cr);
}

static void draw_legend_sample(struct draw *d, const struct scene_entry *e, double x, double y)
{
	const struct plot_layout *l = d->lay;
	cairo_t *cr = d->cr;
	double w = l->legend_sample, h = l->legend_row * 0.55;

	cairo_save(cr);
	set_color(cr, e->color, 1);
	switch (e->key) {
	case SCENE_KEY_LINE:
		cairo_set_line_width(cr, LINE_PT * d->s);
		cairo_move_to(cr, x, y);
		cairo_line_to(cr, x + w, y);
		cairo_stroke(cr);
		if (want_markers(d, &d->sc->lines[e->ref])) {
			cairo_set_line_width(cr, 1 * d->s);
			draw_plus(d, x + w / 2, y);
			cairo_stroke(cr);
		}
		break;
	case SCENE_KEY_PEAK:
		draw_dashed_sample(d, x, y, w, 4, 2.5);
		break;
	case SCENE_KEY_KERNEL:
	case SCENE_KEY_MARKS:
		draw_dashed_sample(d, x, y, w, 1.5, 1.5);
		break;
	case SCENE_KEY_STACK:
	case SCENE_KEY_BAND:
		set_color(cr, e->color, e->key == SCENE_KEY_STACK ? SCENE_STACK_ALPHA : BAND_ALPHA);
		cairo_rectangle(cr, x + w * 0.1, y - h / 2, w * 0.8, h);
		cairo_fill(cr);
		break;
	case SCENE_KEY_FUNC:
		if (d->sc->flame) {
			set_color(cr, e->color, 0.6);
			cairo_rectangle(cr, x + w * 0.1, y - h / 2, w * 0.8, h);
			cairo_fill(cr);
		} else {
			draw_bracket_sample(d, x, y, w, h);
		}
		break;
	}
	cairo_restore(cr);
}

static void legend_text(struct draw *d, const struct plot_legend_slot *s, const char *text)
{
	const struct plot_layout *l = d->lay;
	struct text_size ts;
	char *shown;

	measure_text(d, TEXT_LEGEND, "Mg", &ts);
	shown = draw_text(d, TEXT_LEGEND, l->legend.x + s->x + l->legend_sample + l->legend_pad,
			  l->legend.y + s->y + ts.ascent / 2 - ts.height * 0.12, 0, s->text_w, text, text_color);
	if (d->drawn)
		strvec_push_nodup(&d->drawn->legend, shown);
	else
		free(shown);
}

static void draw_legend(struct draw *d)
{
	const struct plot_layout *l = d->lay;
	const struct scene *sc = d->sc;
	cairo_t *cr = d->cr;

	if (!sc->nlegend || l->legend.w <= 0)
		return;
	cairo_save(cr);
	cairo_rectangle(cr, snap(d, l->legend.x), snap(d, l->legend.y), round(l->legend.w), round(l->legend.h));
	cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
	cairo_set_line_width(cr, 1 * d->s);
	cairo_stroke(cr);
	cairo_restore(cr);
	for (size_t i = 0; i < l->legend_shown && i < sc->nlegend; i++) {
		draw_legend_sample(d, &sc->legend[i], l->legend.x + l->slots[i].x, l->legend.y + l->slots[i].y);
		legend_text(d, &l->slots[i], sc->legend[i].text);
	}
	if (l->legend_shown < sc->nlegend) {
		char *more = scene_more_text(sc->nlegend - l->legend_shown);

		legend_text(d, &l->slots[l->legend_shown], more);
		free(more);
	}
}

/* ---- the picture ---- */

static void layout_scene(struct draw *d, struct plot_layout *lay, const struct plot_options *opt)
{
	const struct scene *sc = d->sc;
	struct plot_layout_input in = { 0 };
	const char **texts = xmalloc((sc->nlegend + 1) * sizeof(*texts));

	for (size_t i = 0; i < sc->nlegend; i++)
		texts[i] = sc->legend[i].text;
	in.width = opt->width;
	in.height = opt->height;
	in.scale = d->s;
	in.title = sc->title;
	in.xlabel = sc->xlabel;
	in.ylabel = sc->ylabel;
	in.t0 = sc->t0;
	in.t1 = sc->t1;
	in.lo = sc->ylo;
	in.hi = sc->yhi;
	in.pad_x = !sc->window;
	in.lanes = sc->flame ? sc->max_level + 1 : 0;
	in.pressure = sc->pressure.some != NULL;
	in.legend = texts;
	in.nlegend = sc->nlegend;
	plot_layout(lay, &in, &(struct plot_measure){ measure_text, d });
	free(texts);
}

void plot_render(cairo_t *cr, const struct scene *sc, const struct plot_options *opt, bool vector,
		 struct plot_drawn *drawn)
{
	struct draw d = { cr, opt->dpi / 72.0, vector, sc, NULL, drawn };
	cairo_font_options_t *fo = cairo_font_options_create();
	struct plot_occupancy occ;
	struct plot_layout lay;

	cairo_save(cr);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
	cairo_set_font_options(cr, fo);
	cairo_font_options_destroy(fo);
	layout_scene(&d, &lay, opt);
	d.lay = &lay;
	plot_occ_init(&occ, &lay.plot);
	if (drawn) {
		drawn->plot = lay.plot;
		drawn->legend_box = lay.legend;
	}

	draw_background(&d);
	draw_grid(&d);
	if (sc->flame)
		draw_flame(&d);
	draw_stacks(&d);
	draw_pressure(&d);
	draw_mark_lines(&d, &occ);
	draw_peaks(&d, &occ);
	draw_bands(&d);
	draw_lines(&d, &occ);
	if (sc->show_funcs && !sc->flame)
		draw_brackets(&d, &occ);
	place_labels(&d, &occ);
	draw_axes(&d);
	draw_legend(&d);

	plot_occ_release(&occ);
	plot_layout_release(&lay);
	cairo_restore(cr);
}

void plot_drawn_release(struct plot_drawn *d)
{
	free(d->title);
	strvec_clear(&d->legend);
	for (size_t i = 0; i < d->nlabels; i++)
		free(d->labels[i].text);
	free(d->labels);
	memset(d, 0, sizeof(*d));
}
