/* plot_options: what 'mprof plot' was asked for, in one place. The model
 * reads the window and the slope from it, the scene the title and what to
 * show, the picture its size. */
#ifndef MPROF_PLOT_OPTIONS_H
#define MPROF_PLOT_OPTIONS_H

#include <stdbool.h>

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
	const char *align;    /* --align: x = 0 at this marker's first occurrence,
	                       * else this function's first call, in each profile */
	int width, height;    /* pixels */
	double dpi;
};

#endif
