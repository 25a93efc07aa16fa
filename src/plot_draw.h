/* plot_draw: a scene drawn with cairo (PNG, SVG, PDF). Asks plot_layout
 * where things go, places the labels where they cover neither the data nor
 * each other, then draws each primitive inside cairo_save/cairo_restore.
 * Text roles (title, axes, ticks, legend, notes) are one table; text in a
 * script the main font lacks is drawn with a font that has it (plot_text). */
#ifndef MPROF_PLOT_DRAW_H
#define MPROF_PLOT_DRAW_H

#include "plot_layout.h"
#include "plot_options.h"
#include "scene.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

struct _cairo; /* cairo_t, without making every includer see cairo */

/* A label as drawn: its box and its text. */
struct plot_label {
	struct plot_rect box;
	char *text;
};

/* What a picture showed, for checks: filled by plot_render when asked. */
struct plot_drawn {
	bool no_labels;          /* in: leave the labels out (to see what they would cover) */
	char *title;             /* as drawn, cut with an ellipsis where it had to be; NULL: none */
	struct plot_rect title_box;
	struct strvec legend;    /* legend texts as drawn, then "+N more" when some had no room */
	struct plot_label *labels; /* peak and marker labels */
	size_t nlabels, labels_cap;
	struct plot_rect plot;   /* the plot's frame */
	struct plot_rect legend_box;
};
void plot_drawn_release(struct plot_drawn *d);

/* Draw sc on cr, whose user units are pixels of opt->width x opt->height at
 * opt->dpi. vector: no pixel snapping. drawn: NULL, or filled. */
void plot_render(struct _cairo *cr, const struct scene *sc, const struct plot_options *opt, bool vector,
		 struct plot_drawn *drawn);

#endif
