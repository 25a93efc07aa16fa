/* view_html: a profile as one self-contained HTML page (mprof plot -o x.html).
 *
 * The page carries the models' data as JSON and a small script that draws it
 * as SVG: the memory line (a few points a pixel, and coarser-to-finer min/max
 * levels so that zooming into a long run shows real detail), brackets or
 * flame rectangles, markers, peaks, children and overlays. Drag to zoom, hover
 * for details, click the legend to hide a series. No network, no external
 * scripts or fonts. */
#ifndef MPROF_VIEW_HTML_H
#define MPROF_VIEW_HTML_H

#include "plot_draw.h"
#include "plot_model.h"

#include <stdio.h>

/* Buckets to read models with for a page: finer than a picture needs, for
 * zooming. A power of two (plot_model_config.nbuckets). */
#define VIEW_HTML_BUCKETS (1u << 17)

/* Write the page for models (overlaid when more than one) to path ("-":
 * standard output). names: a label per model (file names), may be NULL.
 * opt->width, height and dpi are not used. -1 (reported) on failure; a file
 * that could not be written whole is removed. */
int view_html_write(const char *path, const struct plot_model *models, size_t nmodels,
		    const char *const *names, const struct plot_options *opt);
/* The same to an open stream, named name in messages. */
int view_html_write_stream(FILE *f, const char *name, const struct plot_model *models, size_t nmodels,
			   const char *const *names, const struct plot_options *opt);

#endif
