/* plot_layout: where things go on the picture, in pixels, before anything is
 * drawn. Axes with 1-2-5 ticks chosen from a table so that grid lines and
 * labels never crowd (rrdtool's way); margins and the legend sized from text
 * measured first. Knows nothing of cairo: text is measured through a callback.
 */
#ifndef MPROF_PLOT_LAYOUT_H
#define MPROF_PLOT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

enum plot_text_role {
	TEXT_TITLE,
	TEXT_AXIS,    /* axis names */
	TEXT_TICK,    /* tick labels */
	TEXT_LEGEND,
	TEXT_NOTE,    /* peak values, markers, names in flame rectangles */
	TEXT_ROLE_COUNT
};

struct text_size {
	double width;   /* advance, px */
	double height;  /* line height (ascent + descent), px */
	double ascent;
};

struct plot_measure {
	void (*fn)(void *ctx, enum plot_text_role role, const char *text, struct text_size *out);
	void *ctx;
};

/* Ticks at first, first + step, ..., n of them. */
struct plot_ticks {
	double first, step;
	int n;
	int decimals; /* for labels */
};

/* The smallest 1-2-5 step whose ticks are at least min_px apart on an axis
 * of px pixels showing [lo, hi]. false when the range is empty. */
bool plot_ticks_choose(double lo, double hi, double px, double min_px, struct plot_ticks *out);
/* Label of tick i ("0.25", "100"). */
void plot_tick_label(const struct plot_ticks *t, int i, char *buf, size_t cap);
double plot_tick_value(const struct plot_ticks *t, int i);

struct plot_axis {
	double lo, hi;    /* data range */
	double p0, p1;    /* pixel positions of lo and hi */
	struct plot_ticks ticks;
};

static inline double plot_axis_map(const struct plot_axis *a, double v)
{
	return a->p0 + (v - a->lo) * (a->p1 - a->p0) / (a->hi - a->lo);
}

struct plot_rect {
	double x, y, w, h;
};

struct plot_layout_input {
	double width, height;      /* px */
	double scale;              /* px per point (dpi / 72) */
	const char *title;         /* NULL or "": none */
	const char *xlabel, *ylabel;
	double t0, t1;             /* x data range */
	double lo, hi;             /* y data range */
	bool pad_x;                /* add margins beyond the x range (not with a window) */
	int lanes;                 /* flame lanes under the plot (0: none) */
	bool pressure;             /* a memory pressure lane under the plot */
	const char *const *legend; /* legend texts */
	size_t nlegend;
};

/* Where a legend entry goes: its sample at (x, y), the middle of its row,
 * its text after it, in at most text_w pixels. */
struct plot_legend_slot {
	double x, y, text_w;
};

struct plot_layout {
	struct plot_rect fig, plot, lanes, legend;
	struct plot_rect pressure;   /* the top of lanes (h 0: none) */
	double lane_h;
	int nlanes;                  /* flame lanes drawn: levels past the last share it */
	struct plot_axis x, y;
	double title_x, title_y;     /* baseline centre of the title */
	double title_w;              /* room for the title, px */
	double xlabel_y, ylabel_x;   /* baseline of the x axis name; centre x of the y axis name */
	double tick_len;
	double legend_row, legend_pad, legend_sample; /* row height, padding, sample line length */
	bool legend_below;           /* under the plot, in rows, when it does not fit beside it */
	size_t legend_shown;         /* entries that fit; the rest is summed up in one more slot */
	struct plot_legend_slot *slots; /* legend_shown slots, and one for "+N more" when needed */
};

/* Lay out a plot. Measures text through m. */
void plot_layout(struct plot_layout *lay, const struct plot_layout_input *in, const struct plot_measure *m);
void plot_layout_release(struct plot_layout *lay);

/* ---- placing labels ---- */

/* What covers each small cell of an area: data (lines, brackets, markers),
 * guides (peak and marker lines) and labels already placed. */
enum {
	PLOT_OCC_DATA = 1,
	PLOT_OCC_GUIDE = 2,
	PLOT_OCC_LABEL = 4,
};

struct plot_occupancy {
	struct plot_rect area;
	double cell;      /* px per cell */
	int w, h;         /* cells */
	unsigned char *bits;
};

void plot_occ_init(struct plot_occupancy *o, const struct plot_rect *area);
void plot_occ_release(struct plot_occupancy *o);
void plot_occ_rect(struct plot_occupancy *o, const struct plot_rect *r, unsigned what);
/* A segment from (x0, y0) to (x1, y1), half_w px either side. */
void plot_occ_segment(struct plot_occupancy *o, double x0, double y0, double x1, double y1, double half_w,
		      unsigned what);
/* Whether r lies inside the area and covers nothing of avoid. */
bool plot_occ_free(const struct plot_occupancy *o, const struct plot_rect *r, unsigned avoid);
/* The first of n candidate rectangles that covers neither data nor labels,
 * preferring one that also keeps off the guides; marked as a label. -1 when
 * none is free. */
int plot_occ_place(struct plot_occupancy *o, const struct plot_rect *cand, size_t n);

static inline bool plot_rects_overlap(const struct plot_rect *a, const struct plot_rect *b)
{
	return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Choose a nice data range around [lo, hi] for a memory axis: from 0 when the
 * data start near 0, with a margin at the top. */
void plot_nice_range(double lo, double hi, double *out_lo, double *out_hi);

#endif
