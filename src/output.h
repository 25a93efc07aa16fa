/* output: where a picture goes. One enum of formats, one function that makes
 * the cairo surface for a format (an image surface for PNG, which our own
 * libpng writer saves; cairo's SVG and PDF surfaces, which stream to the
 * file), and one that finishes it and checks every status. */
#ifndef MPROF_OUTPUT_H
#define MPROF_OUTPUT_H

#include <cairo.h>
#include <stdbool.h>
#include <stdio.h>

enum output_format {
	OUTPUT_PNG,
	OUTPUT_SVG,
	OUTPUT_PDF,
	OUTPUT_FORMAT_COUNT
};

struct output {
	enum output_format format;
	char *path;
	FILE *f;
	cairo_surface_t *surface;
	int width, height;  /* pixels */
	double scale;       /* surface units per pixel: 1 for PNG, 72/dpi for vector formats */
	bool vector;
	int write_errno;    /* first failed write */
};

/* The format named by path's extension (case-insensitive). -1 when unknown. */
int output_format_of(const char *path, enum output_format *fmt);
/* "png, svg, pdf": the extensions understood, for messages. */
const char *output_format_list(void);

/* Create path and a surface of width x height pixels at dpi. -1 (reported). */
int output_open(struct output *o, const char *path, enum output_format fmt, int width, int height,
		double dpi, const char *title);
/* Write the picture out and close. -1 (reported) on failure, the file removed. */
int output_finish(struct output *o);
/* Give up: close and remove the file. */
void output_abort(struct output *o);

/* Save an ARGB32 image surface as PNG with libpng. -1 (reported). */
int output_write_png(cairo_surface_t *img, FILE *f, const char *path);

#endif
