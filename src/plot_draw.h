/* plot_draw: a plot of one or more profile models, drawn with cairo.
 * Builds the legend and the ranges from the models, asks plot_layout where
 * things go, then draws each primitive inside cairo_save/cairo_restore. Text
 * roles (title, axes, ticks, legend, notes) are one table. */
#ifndef MPROF_PLOT_DRAW_H
#define MPROF_PLOT_DRAW_H

#include "plot_model.h"

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#define PLOT_DEFAULT_DPI 90.0
#define PLOT_DEFAULT_WIDTH_IN 14.0  /* the Python tool's figure: 14 x 6 inches */
#define PLOT_DEFAULT_HEIGHT_IN 6.0

struct plot_options {
	const char *title;    /* NULL: the command line (one profile) or none */
	bool no_funcs;        /* -n: no function brackets, no peak lines */
	bool flame;           /* -f: calls as rectangles by nesting level */
	bool slope;           /* -s: trend line and slope in the legend */
	bool window;          /* -w: only [w0, w1] seconds */
	double w0, w1;
	int width, height;    /* pixels */
	double dpi;
};

/* Draw models (overlaid when more than one) on cr, whose user units are
 * pixels of width x height. vector: no pixel snapping. names: a label per
 * model for overlays (file names), may be NULL. */
void plot_render(cairo_t *cr, const struct plot_model *models, size_t nmodels,
		 const char *const *names, const struct plot_options *opt, bool vector);

/* The title: --title, or the command line of a single profile followed by
 * how the program ended when that was not exit 0. Caller frees; NULL: none. */
char *plot_title(const struct plot_model *models, size_t nmodels, const struct plot_options *opt);

/* RGB of the colour a function's brackets are drawn in, by its colour rank
 * (0 = the function whose first call starts earliest). */
void plot_func_color(unsigned rank, double rgb[3]);

#endif
