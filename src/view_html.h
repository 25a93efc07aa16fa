/* view_html: a profile as one self-contained HTML page (mprof plot -o x.html).
 *
 * The page carries the scene's data as JSON (lines, peaks, legend and title
 * as every view has them) and a small script that draws it
 * as SVG: the memory line (a few points a pixel, and coarser-to-finer min/max
 * levels so that zooming into a long run shows real detail), brackets or
 * flame rectangles, markers, peaks, children and overlays. Drag to zoom, hover
 * for details, click the legend to hide a series. No network, no external
 * scripts or fonts. */
#ifndef MPROF_VIEW_HTML_H
#define MPROF_VIEW_HTML_H

#include "scene.h"

#include <stdio.h>

/* Buckets to read models with for a page: finer than a picture needs, for
 * zooming. A power of two. */
#define VIEW_HTML_BUCKETS (1u << 17)

/* Write the page of the scene to path ("-": standard output). -1 (reported)
 * on failure; a file that could not be written whole is removed. */
int view_html_write(const char *path, const struct scene *sc);
/* The same to an open stream, named name in messages. */
int view_html_write_stream(FILE *f, const char *name, const struct scene *sc);
/* Pages written from now on reload themselves every secs seconds (a page of
 * a run still going, mprof plot --follow); 0: not (the default). */
void view_html_set_refresh(int secs);

#endif
