#include "plot_layout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

static void layout_legend(struct plot_layout *lay, const struct plot_layout_input *in,
			  const struct plot_measure *m, double avail_h)
{
	struct text_size ts;
	double wmax = 0, cap = in->width * 0.4, w;
	size_t rows;

	lay->legend = (struct plot_rect){ 0, 0, 0, 0 };
	lay->legend_shown = 0;
	if (!in->nlegend)
		return;
	measure(m, TEXT_LEGEND, "Mg", &ts);
	lay->legend_row = ceil(ts.height * 1.45);
	lay->legend_pad = ceil(ts.height * 0.5);
	lay->legend_sample = ceil(ts.height * 2.2);
	for (size_t i = 0; i < in->nlegend; i++) {
		m->fn(m->ctx, TEXT_LEGEND, in->legend[i], &ts);
		if (ts.width > wmax)
			wmax = ts.width;
	}
	w = 2 * lay->legend_pad + lay->legend_sample + lay->legend_pad + wmax;
	if (w > cap) {
		wmax -= w - cap;
		w = cap;
	}
	lay->legend_text_max = wmax;
	rows = in->nlegend;
	if (rows * lay->legend_row + 2 * lay->legend_pad > avail_h) {
		double fit = floor((avail_h - 2 * lay->legend_pad) / lay->legend_row);

		rows = fit >= 2 ? (size_t)fit : 1;
		lay->legend_shown = rows - 1;
	} else {
		lay->legend_shown = rows;
	}
	lay->legend.w = ceil(w);
	lay->legend.h = rows * lay->legend_row + 2 * lay->legend_pad;
}

void plot_layout(struct plot_layout *lay, const struct plot_layout_input *in, const struct plot_measure *m)
{
	struct text_size title, axis, tick, note;
	double s = in->scale, pad = ceil(6 * s), top, bottom, left, right, lanes_h = 0;
	double xlo = in->t0, xhi = in->t1, ytick_w, min_px;

	memset(lay, 0, sizeof(*lay));
	lay->fig = (struct plot_rect){ 0, 0, in->width, in->height };
	lay->tick_len = ceil(3.5 * s);
	measure(m, TEXT_TITLE, in->title, &title);
	measure(m, TEXT_AXIS, "Mg", &axis);
	measure(m, TEXT_TICK, "0123456789", &tick);
	measure(m, TEXT_NOTE, "Mg", &note);

	top = in->title && *in->title ? 2 * pad + title.height + pad : 2 * pad;
	bottom = lay->tick_len + pad / 2 + tick.height + pad / 2 + axis.height + pad;
	if (in->lanes > 0) {
		double avail = in->height - top - bottom;
		int most = (int)fmax(1, floor(avail * 0.35 / 3));

		/* at most 35% of the height, lanes at least 3 pixels high:
		 * deeper levels share the top lane */
		lay->nlanes = in->lanes < most ? in->lanes : most;
		lay->lane_h = ceil(note.height * 1.5);
		lanes_h = lay->nlanes * lay->lane_h;
		if (lanes_h > avail * 0.35) {
			lay->lane_h = fmax(3, floor(avail * 0.35 / lay->nlanes));
			lanes_h = lay->nlanes * lay->lane_h;
		}
	}
	lay->title_y = 2 * pad + title.ascent;

	/* y axis: its labels' width sets the left margin */
	lay->plot.y = top;
	lay->plot.h = fmax(10, in->height - top - bottom - lanes_h);
	lay->y.lo = in->lo;
	lay->y.hi = in->hi;
	lay->y.p0 = lay->plot.y + lay->plot.h;
	lay->y.p1 = lay->plot.y;
	plot_ticks_choose(in->lo, in->hi, lay->plot.h, fmax(2.4 * tick.height, 28 * s), &lay->y.ticks);
	ytick_w = widest_tick_label(&lay->y.ticks, m);
	left = pad + axis.height + pad + ytick_w + pad / 2 + lay->tick_len;
	lay->ylabel_x = pad + axis.ascent;

	layout_legend(lay, in, m, in->height - 2 * pad);
	right = lay->legend.w ? lay->legend.w + 2 * pad : 3 * pad;
	lay->plot.x = ceil(left);
	lay->plot.w = fmax(10, in->width - left - right);
	lay->legend.x = lay->plot.x + lay->plot.w + pad;
	lay->legend.y = floor(lay->plot.y + (lay->plot.h + lanes_h - lay->legend.h) / 2);
	if (lay->legend.y < pad)
		lay->legend.y = pad;
	lay->title_x = lay->plot.x + lay->plot.w / 2;

	/* x axis: ticks far enough apart for their labels */
	if (in->pad_x) {
		double span = xhi - xlo;

		if (!(span > 0))
			span = fmax(1e-3, fabs(xhi) * 1e-3);
		xlo -= 0.03 * span;
		xhi += 0.03 * span;
		if (in->t0 >= 0 && xlo < 0 && xlo > -0.05 * span)
			xlo = fmin(xlo, 0);
	}
	if (!(xhi > xlo)) {
		xlo -= 0.5;
		xhi += 0.5;
	}
	lay->x.lo = xlo;
	lay->x.hi = xhi;
	lay->x.p0 = lay->plot.x;
	lay->x.p1 = lay->plot.x + lay->plot.w;
	min_px = 60 * s;
	for (int i = 0; i < 4; i++) {
		double need;

		plot_ticks_choose(xlo, xhi, lay->plot.w, min_px, &lay->x.ticks);
		need = widest_tick_label(&lay->x.ticks, m) + 3 * tick.height;
		if (need <= min_px)
			break;
		min_px = need;
	}
	lay->lanes = (struct plot_rect){ lay->plot.x, lay->plot.y + lay->plot.h, lay->plot.w, lanes_h };
	lay->xlabel_y = in->height - pad - (axis.height - axis.ascent);
}
