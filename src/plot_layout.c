#include "plot_layout.h"

#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layout's proportions, in one place. Lengths in points scale with the
 * resolution; "lines" are heights of a line of the text concerned. */
#define PAD_PT 6                    /* the unit of margins */
#define TICK_LEN_PT 3.5
#define PLOT_MIN_PX 10              /* the plot never gets smaller */
#define LANES_MAX_SHARE 0.35        /* flame lanes: at most this share of the plot's height */
#define LANE_MIN_PX 3               /* the thinnest flame lane */
#define PRESSURE_LINES 3             /* the memory pressure lane */
#define LANE_LINES 1.5              /* a flame lane: a line of note text and a margin */
#define LEGEND_ROW_LINES 1.45       /* a legend row */
#define LEGEND_PAD_LINES 0.5        /* inside the legend's box, and between sample and text */
#define LEGEND_SAMPLE_LINES 2.2     /* a legend entry's sample: line, bracket or box */
#define LEGEND_GAP_LINES 1.2        /* between entries side by side, under the plot */
#define LEGEND_SIDE_MAX_SHARE 0.4   /* beside the plot while no wider than this share of the width */
#define LEGEND_BELOW_MAX_SHARE 0.3  /* under it: at most this share of the height */
#define X_TICK_MIN_PT 60            /* time ticks at least this far apart ... */
#define X_TICK_GAP_LINES 3          /* ... and their labels this many tick heights apart */
#define Y_TICK_MIN_PT 28            /* memory ticks at least this far apart ... */
#define Y_TICK_MIN_LINES 2.4        /* ... and this many tick label heights */
#define X_MARGIN_SHARE 0.03         /* time axis: a margin beyond the samples (no window) */

/* Steps are m * 10^k for m in this table: 1-2-5, as rrdtool's grid table. */
static const double tick_mantissa[] = { 1, 2, 5 };

bool plot_ticks_choose(double lo, double hi, double px, double min_px, struct plot_ticks *out)
{
	double range = hi - lo, want, first_i, last_i;
	int k;

	memset(out, 0, sizeof(*out));
	if (!(range > 0) || !(px > 0) || !isfinite(range))
		return false;
	if (min_px < 1)
		min_px = 1;
	want = range * min_px / px; /* the smallest step that keeps ticks apart */
	k = (int)floor(log10(want));
	for (;; k++) {
		for (size_t i = 0; i < sizeof(tick_mantissa) / sizeof(tick_mantissa[0]); i++) {
			double p = pow(10, k), step = tick_mantissa[i] * p;

			if (step < want * (1 - 1e-9))
				continue;
			first_i = ceil(lo / step - 1e-9);
			last_i = floor(hi / step + 1e-9);
			out->step = step;
			out->first = first_i * step;
			out->n = last_i >= first_i ? (int)(last_i - first_i) + 1 : 0;
			out->decimals = k < 0 ? -k : 0;
			return true;
		}
	}
}

double plot_tick_value(const struct plot_ticks *t, int i)
{
	double v = t->first + i * t->step;

	if (fabs(v) < t->step * 1e-6)
		v = 0;
	return v;
}

void plot_tick_label(const struct plot_ticks *t, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.*f", t->decimals, plot_tick_value(t, i));
}

void plot_nice_range(double lo, double hi, double *out_lo, double *out_hi)
{
	double span;

	if (!(hi - lo > 1e-9 * fmax(1, fabs(hi)))) {
		*out_lo = lo >= 0 ? 0 : lo - 1;
		*out_hi = hi > 0 ? hi * 1.1 : hi + 1;
		return;
	}
	if (lo >= 0 && lo <= 0.5 * hi)
		*out_lo = 0;
	else
		*out_lo = lo - 0.05 * (hi - lo);
	span = hi - *out_lo;
	*out_hi = hi + 0.08 * span;
}

static double widest_tick_label(const struct plot_ticks *t, const struct plot_measure *m)
{
	double w = 0;
	char buf[64];
	struct text_size ts;

	for (int i = 0; i < t->n; i++) {
		plot_tick_label(t, i, buf, sizeof(buf));
		m->fn(m->ctx, TEXT_TICK, buf, &ts);
		if (ts.width > w)
			w = ts.width;
	}
	return w;
}

static void measure(const struct plot_measure *m, enum plot_text_role role, const char *s,
		    struct text_size *ts)
{
	m->fn(m->ctx, role, s && *s ? s : "Mg", ts);
}

/* ---- the legend ---- */

struct legend_fit {
	const double *text_w;   /* measured width of each entry's text */
	size_t n;
	double more_w;          /* width of the "+N more" text (a few digits) */
};

static double entry_w(const struct plot_layout *lay, double text_w)
{
	return lay->legend_sample + lay->legend_pad + text_w;
}

/* Beside the plot: one entry a row, as many rows as fit in avail_h. */
static void legend_beside(struct plot_layout *lay, const struct legend_fit *f, double width, double avail_h)
{
	double wmax = f->more_w, cap = width * LEGEND_SIDE_MAX_SHARE;
	size_t rows = f->n;

	for (size_t i = 0; i < f->n; i++)
		wmax = fmax(wmax, f->text_w[i]);
	if (2 * lay->legend_pad + entry_w(lay, wmax) > cap)
		wmax = cap - 2 * lay->legend_pad - entry_w(lay, 0);
	if (rows * lay->legend_row + 2 * lay->legend_pad > avail_h) {
		double fit = floor((avail_h - 2 * lay->legend_pad) / lay->legend_row);

		rows = fit >= 2 ? (size_t)fit : 1;
		lay->legend_shown = rows - 1;
	} else {
		lay->legend_shown = rows;
	}
	lay->legend.w = ceil(2 * lay->legend_pad + entry_w(lay, wmax));
	lay->legend.h = rows * lay->legend_row + 2 * lay->legend_pad;
	lay->slots = xcalloc(rows + 1, sizeof(*lay->slots));
	for (size_t i = 0; i < rows; i++)
		lay->slots[i] = (struct plot_legend_slot){
			lay->legend_pad, lay->legend_pad + (i + 0.5) * lay->legend_row, wmax,
		};
}

/* Under the plot: entries side by side, in rows of width, as many of them
 * as fit in rows_max rows with a last slot for the rest. Slots count from the
 * legend's corner. Returns the rows used, or 0 when shown entries do not fit. */
static size_t legend_flow(struct plot_layout *lay, const struct legend_fit *f, double width, size_t shown,
			  size_t rows_max, bool place)
{
	double inner = width - 2 * lay->legend_pad, gap = lay->legend_pad * 2 * LEGEND_GAP_LINES, x = 0;
	size_t row = 0, slots = shown + (shown < f->n);

	for (size_t i = 0; i < slots; i++) {
		double tw = i < shown ? f->text_w[i] : f->more_w;
		double w = fmin(entry_w(lay, tw), inner);

		if (x > 0 && x + w > inner) {
			x = 0;
			row++;
		}
		if (row >= rows_max)
			return 0;
		if (place)
			lay->slots[i] = (struct plot_legend_slot){
				lay->legend_pad + x, lay->legend_pad + (row + 0.5) * lay->legend_row,
				w - entry_w(lay, 0),
			};
		x += w + gap;
	}
	return row + 1;
}

static void legend_below(struct plot_layout *lay, const struct legend_fit *f, double width, double height)
{
	double fit = floor((height * LEGEND_BELOW_MAX_SHARE - 2 * lay->legend_pad) / lay->legend_row);
	size_t rows_max = fit >= 1 ? (size_t)fit : 1, shown = f->n, rows;

	while ((rows = legend_flow(lay, f, width, shown, rows_max, false)) == 0 && shown > 0)
		shown--;
	if (!rows)
		rows = 1;
	lay->legend_below = true;
	lay->legend_shown = shown;
	lay->slots = xcalloc(shown + 2, sizeof(*lay->slots));
	legend_flow(lay, f, width, shown, rows_max, true);
	lay->legend.w = width;
	lay->legend.h = rows * lay->legend_row + 2 * lay->legend_pad;
}

static void layout_legend(struct plot_layout *lay, const struct plot_layout_input *in,
			  const struct plot_measure *m, double avail_h, double below_w)
{
	struct text_size ts;
	double *tw, widest = 0;
	struct legend_fit f = { NULL, in->nlegend, 0 };

	lay->legend = (struct plot_rect){ 0, 0, 0, 0 };
	if (!in->nlegend)
		return;
	measure(m, TEXT_LEGEND, "Mg", &ts);
	lay->legend_row = ceil(ts.height * LEGEND_ROW_LINES);
	lay->legend_pad = ceil(ts.height * LEGEND_PAD_LINES);
	lay->legend_sample = ceil(ts.height * LEGEND_SAMPLE_LINES);
	tw = xmalloc(in->nlegend * sizeof(*tw));
	for (size_t i = 0; i < in->nlegend; i++) {
		m->fn(m->ctx, TEXT_LEGEND, in->legend[i], &ts);
		tw[i] = ts.width;
		widest = fmax(widest, ts.width);
	}
	m->fn(m->ctx, TEXT_LEGEND, "+9999 more", &ts);
	f.text_w = tw;
	f.more_w = ts.width;
	if (2 * lay->legend_pad + entry_w(lay, widest) <= in->width * LEGEND_SIDE_MAX_SHARE)
		legend_beside(lay, &f, in->width, avail_h);
	else
		legend_below(lay, &f, below_w, in->height);
	free(tw);
}

/* ---- the plot ---- */

/* Flame lanes under the plot: at most a share of the height, lanes at least
 * LANE_MIN_PX high; deeper levels share the top lane. */
static double layout_lanes(struct plot_layout *lay, const struct plot_layout_input *in, double avail,
			   const struct text_size *note)
{
	int most = (int)fmax(1, floor(avail * LANES_MAX_SHARE / LANE_MIN_PX));
	double lanes_h;

	lay->nlanes = in->lanes < most ? in->lanes : most;
	lay->lane_h = ceil(note->height * LANE_LINES);
	lanes_h = lay->nlanes * lay->lane_h;
	if (lanes_h > avail * LANES_MAX_SHARE) {
		lay->lane_h = fmax(LANE_MIN_PX, floor(avail * LANES_MAX_SHARE / lay->nlanes));
		lanes_h = lay->nlanes * lay->lane_h;
	}
	return lanes_h;
}

/* The time axis: a margin beyond the samples, ticks far enough apart for
 * their labels. */
static void layout_x(struct plot_layout *lay, const struct plot_layout_input *in, const struct plot_measure *m,
		     const struct text_size *tick)
{
	double xlo = in->t0, xhi = in->t1, min_px = X_TICK_MIN_PT * in->scale;

	if (in->pad_x) {
		double span = xhi - xlo;

		if (!(span > 0))
			span = fmax(1e-3, fabs(xhi) * 1e-3);
		xlo -= X_MARGIN_SHARE * span;
		xhi += X_MARGIN_SHARE * span;
	}
	if (!(xhi > xlo)) {
		xlo -= 0.5;
		xhi += 0.5;
	}
	lay->x.lo = xlo;
	lay->x.hi = xhi;
	lay->x.p0 = lay->plot.x;
	lay->x.p1 = lay->plot.x + lay->plot.w;
	for (int i = 0; i < 4; i++) {
		double need;

		plot_ticks_choose(xlo, xhi, lay->plot.w, min_px, &lay->x.ticks);
		need = widest_tick_label(&lay->x.ticks, m) + X_TICK_GAP_LINES * tick->height;
		if (need <= min_px)
			break;
		min_px = need;
	}
}

/* The memory axis: its labels' width sets the left margin, returned. */
static double layout_y(struct plot_layout *lay, const struct plot_layout_input *in, const struct plot_measure *m,
		       double pad, const struct text_size *tick, const struct text_size *axis)
{
	lay->y.lo = in->lo;
	lay->y.hi = in->hi;
	lay->y.p0 = lay->plot.y + lay->plot.h;
	lay->y.p1 = lay->plot.y;
	plot_ticks_choose(in->lo, in->hi, lay->plot.h, fmax(Y_TICK_MIN_LINES * tick->height, Y_TICK_MIN_PT * in->scale),
			  &lay->y.ticks);
	lay->ylabel_x = pad + axis->ascent;
	return pad + axis->height + pad + widest_tick_label(&lay->y.ticks, m) + pad / 2 + lay->tick_len;
}

/* The title over the plot's middle, moved in to fit the picture; past its
 * width, cut (title_w). */
static void layout_title(struct plot_layout *lay, const struct plot_layout_input *in, double pad,
			 const struct text_size *title)
{
	double half = fmin(title->width, in->width - 2 * pad) / 2;

	lay->title_w = in->width - 2 * pad;
	lay->title_x = lay->plot.x + lay->plot.w / 2;
	if (lay->title_x - half < pad)
		lay->title_x = pad + half;
	if (lay->title_x + half > in->width - pad)
		lay->title_x = in->width - pad - half;
}

void plot_layout(struct plot_layout *lay, const struct plot_layout_input *in, const struct plot_measure *m)
{
	struct text_size title, axis, tick, note;
	double s = in->scale, pad = ceil(PAD_PT * s), top, bottom, left, right, lanes_h = 0, legend_h = 0;

	memset(lay, 0, sizeof(*lay));
	lay->fig = (struct plot_rect){ 0, 0, in->width, in->height };
	lay->tick_len = ceil(TICK_LEN_PT * s);
	measure(m, TEXT_TITLE, in->title, &title);
	measure(m, TEXT_AXIS, "Mg", &axis);
	measure(m, TEXT_TICK, "0123456789", &tick);
	measure(m, TEXT_NOTE, "Mg", &note);

	top = in->title && *in->title ? 2 * pad + title.height + pad : 2 * pad;
	bottom = lay->tick_len + pad / 2 + tick.height + pad / 2 + axis.height + pad;
	lay->title_y = 2 * pad + title.ascent;
	layout_legend(lay, in, m, in->height - 2 * pad, in->width - 2 * pad);
	if (lay->legend_below)
		legend_h = lay->legend.h + pad;
	if (in->lanes > 0)
		lanes_h = layout_lanes(lay, in, in->height - top - bottom - legend_h, &note);
	if (in->pressure)
		lay->pressure.h = ceil(note.height * PRESSURE_LINES);
	lanes_h += lay->pressure.h;

	lay->plot.y = top;
	lay->plot.h = fmax(PLOT_MIN_PX, in->height - top - bottom - lanes_h - legend_h);
	left = layout_y(lay, in, m, pad, &tick, &axis);
	right = lay->legend.w && !lay->legend_below ? lay->legend.w + 2 * pad : 3 * pad;
	lay->plot.x = ceil(left);
	lay->plot.w = fmax(PLOT_MIN_PX, in->width - left - right);
	if (lay->legend_below) {
		lay->legend.x = pad;
		lay->legend.y = in->height - pad - lay->legend.h;
	} else {
		lay->legend.x = lay->plot.x + lay->plot.w + pad;
		lay->legend.y = fmax(pad, floor(lay->plot.y + (lay->plot.h + lanes_h - lay->legend.h) / 2));
	}
	layout_title(lay, in, pad, &title);
	layout_x(lay, in, m, &tick);
	lay->lanes = (struct plot_rect){ lay->plot.x, lay->plot.y + lay->plot.h, lay->plot.w, lanes_h };
	lay->pressure = (struct plot_rect){ lay->plot.x, lay->lanes.y, lay->plot.w, lay->pressure.h };
	lay->xlabel_y = in->height - pad - legend_h - (axis.height - axis.ascent);
}

void plot_layout_release(struct plot_layout *lay)
{
	free(lay->slots);
	lay->slots = NULL;
}

/* ---- placing labels ---- */

#define OCC_MAX_CELLS (1 << 20)

void plot_occ_init(struct plot_occupancy *o, const struct plot_rect *area)
{
	double px = fmax(1, area->w) * fmax(1, area->h);

	o->area = *area;
	o->cell = fmax(1, ceil(sqrt(px / OCC_MAX_CELLS)));
	o->w = (int)ceil(fmax(1, area->w) / o->cell);
	o->h = (int)ceil(fmax(1, area->h) / o->cell);
	o->bits = xcalloc((size_t)o->w * o->h, 1);
}

void plot_occ_release(struct plot_occupancy *o)
{
	free(o->bits);
	o->bits = NULL;
}

static int cell_x(const struct plot_occupancy *o, double x)
{
	double c = floor((x - o->area.x) / o->cell);

	return c < 0 ? 0 : c >= o->w ? o->w - 1 : (int)c;
}

static int cell_y(const struct plot_occupancy *o, double y)
{
	double c = floor((y - o->area.y) / o->cell);

	return c < 0 ? 0 : c >= o->h ? o->h - 1 : (int)c;
}

static bool outside(const struct plot_occupancy *o, double x0, double y0, double x1, double y1)
{
	if (isnan(x0) || isnan(y0) || isnan(x1) || isnan(y1))
		return true;
	return x1 < o->area.x || y1 < o->area.y || x0 > o->area.x + o->area.w || y0 > o->area.y + o->area.h;
}

void plot_occ_rect(struct plot_occupancy *o, const struct plot_rect *r, unsigned what)
{
	int cx0, cx1, cy0, cy1;

	if (outside(o, r->x, r->y, r->x + r->w, r->y + r->h))
		return;
	cx0 = cell_x(o, r->x);
	cx1 = cell_x(o, r->x + r->w);
	cy0 = cell_y(o, r->y);
	cy1 = cell_y(o, r->y + r->h);
	for (int y = cy0; y <= cy1; y++)
		for (int x = cx0; x <= cx1; x++)
			o->bits[(size_t)y * o->w + x] |= (unsigned char)what;
}

void plot_occ_segment(struct plot_occupancy *o, double x0, double y0, double x1, double y1, double half_w,
		      unsigned what)
{
	double len = hypot(x1 - x0, y1 - y0), step = o->cell / 2;
	int n = len > step ? (int)fmin(ceil(len / step), 1e6) : 1;

	for (int i = 0; i <= n; i++) {
		double f = (double)i / n, x = x0 + f * (x1 - x0), y = y0 + f * (y1 - y0);
		struct plot_rect r = { x - half_w, y - half_w, 2 * half_w, 2 * half_w };

		plot_occ_rect(o, &r, what);
	}
}

bool plot_occ_free(const struct plot_occupancy *o, const struct plot_rect *r, unsigned avoid)
{
	const struct plot_rect *a = &o->area;

	if (r->x < a->x || r->y < a->y || r->x + r->w > a->x + a->w || r->y + r->h > a->y + a->h)
		return false;
	for (int y = cell_y(o, r->y); y <= cell_y(o, r->y + r->h); y++)
		for (int x = cell_x(o, r->x); x <= cell_x(o, r->x + r->w); x++)
			if (o->bits[(size_t)y * o->w + x] & avoid)
				return false;
	return true;
}

int plot_occ_place(struct plot_occupancy *o, const struct plot_rect *cand, size_t n)
{
	static const unsigned avoid[] = {
		PLOT_OCC_DATA | PLOT_OCC_LABEL | PLOT_OCC_GUIDE,
		PLOT_OCC_DATA | PLOT_OCC_LABEL,
	};

	for (size_t k = 0; k < ARRAY_SIZE(avoid); k++)
		for (size_t i = 0; i < n; i++)
			if (plot_occ_free(o, &cand[i], avoid[k])) {
				plot_occ_rect(o, &cand[i], PLOT_OCC_LABEL);
				return (int)i;
			}
	return -1;
}
