#include "output.h"

#include "util.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct {
	const char *ext;
	enum output_format format;
	bool vector;
} formats[OUTPUT_FORMAT_COUNT] = {
	{ "png", OUTPUT_PNG, false },
	{ "svg", OUTPUT_SVG, true },
	{ "pdf", OUTPUT_PDF, true },
};

int output_format_of(const char *path, enum output_format *fmt)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (strcasecmp(dot + 1, formats[i].ext) == 0) {
			*fmt = formats[i].format;
			return 0;
		}
	return -1;
}

const char *output_format_list(void)
{
	return ".png, .svg or .pdf";
}

static cairo_status_t stream_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct output *o = closure;

	if (o->write_errno)
		return CAIRO_STATUS_WRITE_ERROR;
	if (fwrite(data, 1, len, o->f) != len) {
		o->write_errno = errno ? errno : EIO;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

int output_open(struct output *o, const char *path, enum output_format fmt, int width, int height,
		double dpi, const char *title)
{
	double wpt, hpt;

	memset(o, 0, sizeof(*o));
	o->format = fmt;
	o->width = width;
	o->height = height;
	o->vector = formats[fmt].vector;
	o->scale = o->vector ? 72.0 / dpi : 1.0;
	o->f = fopen(path, "wb");
	if (!o->f)
		return error_errno("cannot write '%s'", path);
	o->path = xstrdup(path);
	wpt = width * o->scale;
	hpt = height * o->scale;
	switch (fmt) {
	case OUTPUT_PNG:
		o->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
		break;
	case OUTPUT_SVG:
		o->surface = cairo_svg_surface_create_for_stream(stream_write, o, wpt, hpt);
		break;
	case OUTPUT_PDF:
		o->surface = cairo_pdf_surface_create_for_stream(stream_write, o, wpt, hpt);
		cairo_pdf_surface_set_metadata(o->surface, CAIRO_PDF_METADATA_CREATOR, "mprof");
		if (title && *title)
			cairo_pdf_surface_set_metadata(o->surface, CAIRO_PDF_METADATA_TITLE, title);
		break;
	default:
		break;
	}
	if (!o->surface || cairo_surface_status(o->surface) != CAIRO_STATUS_SUCCESS) {
		error("cannot make a %d x %d picture: %s", width, height,
		      o->surface ? cairo_status_to_string(cairo_surface_status(o->surface)) : "unknown format");
		output_abort(o);
		return -1;
	}
	return 0;
}

static void png_error_fn(png_structp png, png_const_charp msg)
{
	error("%s", msg);
	png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

int output_write_png(cairo_surface_t *img, FILE *f, const char *path)
{
	int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
	int stride = cairo_image_surface_get_stride(img);
	const unsigned char *data;
	png_structp png;
	png_infop info = NULL;
	unsigned char *volatile row = NULL;
	int rc = -1;

	cairo_surface_flush(img);
	data = cairo_image_surface_get_data(img);
	if (!data || cairo_image_surface_get_format(img) != CAIRO_FORMAT_ARGB32)
		return error("cannot write '%s': not an ARGB32 image", path);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_error_fn, png_warning_fn);
	if (!png)
		return error("cannot write '%s': out of memory", path);
	info = png_create_info_struct(png);
	if (!info)
		goto cleanup;
	if (setjmp(png_jmpbuf(png))) {
		error("cannot write '%s'", path);
		goto cleanup;
	}
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	/* Plots are mostly flat colour: fast settings compress them well. */
	png_set_compression_level(png, 1);
	png_set_filter(png, 0, PNG_FILTER_SUB);
	png_write_info(png, info);
	row = xmalloc((size_t)w * 3);
	for (int y = 0; y < h; y++) {
		const uint32_t *px = (const uint32_t *)(data + (size_t)y * stride);

		for (int x = 0; x < w; x++) {
			uint32_t p = px[x];
			unsigned a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

			/* premultiplied over white */
			row[3 * x] = (unsigned char)(r + 255 - a);
			row[3 * x + 1] = (unsigned char)(g + 255 - a);
			row[3 * x + 2] = (unsigned char)(b + 255 - a);
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	rc = 0;
cleanup:
	png_destroy_write_struct(&png, info ? &info : NULL);
	free(row);
	return rc;
}

int output_finish(struct output *o)
{
	cairo_status_t st;
	int rc = 0;

	if (o->format == OUTPUT_PNG) {
		st = cairo_surface_status(o->surface);
		if (st != CAIRO_STATUS_SUCCESS)
			rc = error("cannot draw '%s': %s", o->path, cairo_status_to_string(st));
		else if (output_write_png(o->surface, o->f, o->path) < 0)
			rc = -1;
	} else {
		cairo_surface_finish(o->surface);
		st = cairo_surface_status(o->surface);
		if (o->write_errno) {
			errno = o->write_errno;
			rc = error_errno("cannot write '%s'", o->path);
		} else if (st != CAIRO_STATUS_SUCCESS) {
			rc = error("cannot draw '%s': %s", o->path, cairo_status_to_string(st));
		}
	}
	cairo_surface_destroy(o->surface);
	o->surface = NULL;
	if (rc == 0 && (fflush(o->f) != 0 || ferror(o->f)))
		rc = error_errno("cannot write '%s'", o->path);
	if (fclose(o->f) != 0 && rc == 0)
		rc = error_errno("cannot write '%s'", o->path);
	o->f = NULL;
	if (rc < 0)
		unlink(o->path);
	free(o->path);
	o->path = NULL;
	return rc;
}

void output_abort(struct output *o)
{
	if (o->surface)
		cairo_surface_destroy(o->surface);
	if (o->f) {
		fclose(o->f);
		unlink(o->path);
	}
	free(o->path);
	memset(o, 0, sizeof(*o));
}
