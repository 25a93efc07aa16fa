/* output: where a picture goes. One table of formats, one function that
 * makes the cairo surface for a format (an image surface for PNG and JPEG,
 * which our libpng and libjpeg writers save; cairo's SVG, PDF, PostScript
 * and EPS surfaces, which stream to the file, SVGZ through zlib's gzip),
 * and one that finishes it and checks every status. */
#ifndef MPROF_OUTPUT_H
#define MPROF_OUTPUT_H

#include <cairo.h>
#include <stdbool.h>
#include <stdio.h>

enum output_format {
	OUTPUT_PNG,
	OUTPUT_SVG,
	OUTPUT_PDF,
	OUTPUT_JPEG,
	OUTPUT_SVGZ,
	OUTPUT_PS,
	OUTPUT_EPS,
	OUTPUT_FORMAT_COUNT
};

struct output_gzip;

struct output {
	enum output_format format;
	char *path;
	FILE *f;
	cairo_surface_t *surface;
	int width, height;  /* pixels */
	double dpi;
	double scale;       /* surface units per pixel: 1 for images, 72/dpi for vector formats */
	bool vector;
	int write_errno;    /* first failed write */
	struct output_gzip *gz; /* SVGZ: the compressor between cairo and the file */
};

/* The format named by path's extension (case-insensitive). -1 when unknown. */
int output_format_of(const char *path, enum output_format *fmt);
/* ".png, .jpg, ... or .eps": the extensions understood, for messages. */
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
/* Save an ARGB32 image surface as JPEG with libjpeg, dpi in its header.
 * -1 (reported). */
int output_write_jpeg(cairo_surface_t *img, FILE *f, const char *path, double dpi);

#endif
