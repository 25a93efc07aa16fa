#include "output.h"

#include "util.h"

#include <cairo-pdf.h>
#include <cairo-ps.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>
#include <jpeglib.h> /* after stdio.h */

#define JPEG_QUALITY 90

static const struct {
	const char *ext;
	enum output_format format;
	bool vector;
} formats[] = {
	{ "png", OUTPUT_PNG, false },
	{ "jpg", OUTPUT_JPEG, false },
	{ "jpeg", OUTPUT_JPEG, false },
	{ "svg", OUTPUT_SVG, true },
	{ "svgz", OUTPUT_SVGZ, true },
	{ "pdf", OUTPUT_PDF, true },
	{ "ps", OUTPUT_PS, true },
	{ "eps", OUTPUT_EPS, true },
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
	static char list[128];
	size_t n = 0;

	if (list[0])
		return list;
	for (size_t i = 0; i < ARRAY_SIZE(formats) && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s.%s", i ? ", " : "", formats[i].ext);
	return list;
}

static bool format_is_vector(enum output_format fmt)
{
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++)
		if (formats[i].format == fmt)
			return formats[i].vector;
	return false;
}

/* ---- writing: straight to the file, or through gzip (SVGZ) ---- */

struct output_gzip {
	z_stream z;
	unsigned char buf[16384];
};

static int file_write(struct output *o, const unsigned char *data, size_t len)
{
	if (o->write_errno)
		return -1;
	if (len && fwrite(data, 1, len, o->f) != len) {
		o->write_errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

/* Compress len bytes and write what comes out; Z_FINISH ends the stream. */
static int gzip_write(struct output *o, const unsigned char *data, size_t len, int flush)
{
	z_stream *z = &o->gz->z;
	int zr;

	z->next_in = data;
	z->avail_in = (uInt)len;
	do {
		z->next_out = o->gz->buf;
		z->avail_out = sizeof(o->gz->buf);
		zr = deflate(z, flush);
		if (zr == Z_STREAM_ERROR || (zr == Z_BUF_ERROR && flush == Z_FINISH)) {
			o->write_errno = o->write_errno ? o->write_errno : EIO;
			return -1;
		}
		if (file_write(o, o->gz->buf, sizeof(o->gz->buf) - z->avail_out) < 0)
			return -1;
	} while (flush == Z_FINISH ? zr != Z_STREAM_END : z->avail_out == 0);
	return 0;
}

static int gzip_start(struct output *o)
{
	o->gz = xcalloc(1, sizeof(*o->gz));
	/* 15 + 16: a gzip wrapper around the deflate stream */
	if (deflateInit2(&o->gz->z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(o->gz);
		o->gz = NULL;
		return error("cannot compress '%s': out of memory", o->path);
	}
	return 0;
}

static void gzip_end(struct output *o)
{
	if (!o->gz)
		return;
	deflateEnd(&o->gz->z);
	free(o->gz);
	o->gz = NULL;
}

static cairo_status_t stream_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct output *o = closure;
	int rc = o->gz ? gzip_write(o, data, len, Z_NO_FLUSH) : file_write(o, data, len);

	return rc < 0 ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* ---- surfaces ---- */

/* The title as a PostScript document comment: one line of printable ASCII
 * (anything else, a UTF-8 sequence counted once, becomes '?'). */
static void ps_title(cairo_surface_t *surface, const char *title)
{
	char line[256];
	size_t n = (size_t)snprintf(line, sizeof(line), "%%%%Title: ");

	if (!title || !*title)
		return;
	for (const unsigned char *p = (const unsigned char *)title; *p && n + 1 < sizeof(line); p++) {
		if (*p >= 0x80 && *p < 0xc0)
			continue;
		line[n++] = *p >= 0x20 && *p < 0x7f ? (char)*p : '?';
	}
	line[n] = '\0';
	cairo_ps_surface_dsc_comment(surface, line);
}

static cairo_surface_t *make_surface(struct output *o, const char *title)
{
	double wpt = o->width * o->scale, hpt = o->height * o->scale;
	cairo_surface_t *s;

	switch (o->format) {
	case OUTPUT_PNG:
	case OUTPUT_JPEG:
		return cairo_image_surface_create(CAIRO_FORMAT_ARGB32, o->width, o->height);
	case OUTPUT_SVG:
	case OUTPUT_SVGZ:
		return cairo_svg_surface_create_for_stream(stream_write, o, wpt, hpt);
	case OUTPUT_PDF:
		s = cairo_pdf_surface_create_for_stream(stream_write, o, wpt, hpt);
		cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "mprof");
		if (title && *title)
			cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
		return s;
	case OUTPUT_PS:
	case OUTPUT_EPS:
		s = cairo_ps_surface_create_for_stream(stream_write, o, wpt, hpt);
		cairo_ps_surface_set_eps(s, o->format == OUTPUT_EPS);
		ps_title(s, title);
		return s;
	default:
		return NULL;
	}
}

int output_open(struct output *o, const char *path, enum output_format fmt, int width, int height,
		double dpi, const char *title)
{
	memset(o, 0, sizeof(*o));
	o->format = fmt;
	o->width = width;
	o->height = height;
	o->dpi = dpi;
	o->vector = format_is_vector(fmt);
	o->scale = o->vector ? 72.0 / dpi : 1.0;
	o->f = fopen(path, "wb");
	if (!o->f)
		return error_errno("cannot write '%s'", path);
	o->path = xstrdup(path);
	if (fmt == OUTPUT_SVGZ && gzip_start(o) < 0) {
		output_abort(o);
		return -1;
	}
	o->surface = make_surface(o, title);
	if (!o->surface || cairo_surface_status(o->surface) != CAIRO_STATUS_SUCCESS) {
		error("cannot make a %d x %d picture: %s", width, height,
		      o->surface ? cairo_status_to_string(cairo_surface_status(o->surface)) : "unknown format");
		output_abort(o);
		return -1;
	}
	return 0;
}

/* ---- images: PNG and JPEG ---- */

/* A row of premultiplied ARGB32 pixels as RGB over white. */
static void rgb_row(const uint32_t *px, int w, unsigned char *row)
{
	for (int x = 0; x < w; x++) {
		uint32_t p = px[x];
		unsigned a = p >> 24, r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;

		row[3 * x] = (unsigned char)(r + 255 - a);
		row[3 * x + 1] = (unsigned char)(g + 255 - a);
		row[3 * x + 2] = (unsigned char)(b + 255 - a);
	}
}

/* The pixels of an ARGB32 image surface, NULL (reported) when it is not one. */
static const unsigned char *image_data(cairo_surface_t *img, const char *path)
{
	const unsigned char *data;

	cairo_surface_flush(img);
	data = cairo_image_surface_get_data(img);
	if (!data || cairo_image_surface_get_format(img) != CAIRO_FORMAT_ARGB32) {
		error("cannot write '%s': not an ARGB32 image", path);
		return NULL;
	}
	return data;
}

/* libpng reports errors by calling png_error_fn, which must not return: the
 * message and errno are kept for one report of the failure. */
struct png_fail {
	int saved_errno;
	char msg[128];
};

static void png_error_fn(png_structp png, png_const_charp msg)
{
	struct png_fail *fail = png_get_error_ptr(png);

	fail->saved_errno = errno;
	snprintf(fail->msg, sizeof(fail->msg), "%s", msg);
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
	const unsigned char *data = image_data(img, path);
	struct png_fail fail = { 0, "out of memory" };
	png_structp png;
	png_infop info = NULL;
	unsigned char *volatile row = NULL;
	int rc = -1;

	if (!data)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &fail, png_error_fn, png_warning_fn);
	if (!png)
		return error("cannot write '%s': out of memory", path);
	info = png_create_info_struct(png);
	if (!info) {
		error("cannot write '%s': out of memory", path);
		goto cleanup;
	}
	if (setjmp(png_jmpbuf(png))) {
		if (ferror(f)) {
			errno = fail.saved_errno;
			error_errno("cannot write '%s'", path);
		} else {
			error("cannot write '%s': %s", path, fail.msg);
		}
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
		rgb_row((const uint32_t *)(data + (size_t)y * stride), w, row);
		png_write_row(png, row);
	}
	png_write_end(png, info);
	rc = 0;
cleanup:
	png_destroy_write_struct(&png, info ? &info : NULL);
	free(row);
	return rc;
}

/* libjpeg reports errors by calling error_exit, which must not return. */
struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	int saved_errno;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	struct jpeg_fail *fail = (struct jpeg_fail *)cinfo->err;

	fail->saved_errno = errno;
	fail->mgr.format_message(cinfo, fail->msg);
	longjmp(fail->jump, 1);
}

static void jpeg_quiet(j_common_ptr cinfo)
{
	(void)cinfo;
}

static void jpeg_setup(struct jpeg_compress_struct *cinfo, int w, int h, double dpi)
{
	cinfo->image_width = (JDIMENSION)w;
	cinfo->image_height = (JDIMENSION)h;
	cinfo->input_components = 3;
	cinfo->in_color_space = JCS_RGB;
	jpeg_set_defaults(cinfo);
	jpeg_set_quality(cinfo, JPEG_QUALITY, TRUE);
	/* full colour resolution (4:4:4): thin coloured lines keep their colour */
	for (int c = 0; c < cinfo->num_components; c++)
		cinfo->comp_info[c].h_samp_factor = cinfo->comp_info[c].v_samp_factor = 1;
	cinfo->density_unit = 1; /* dots per inch */
	cinfo->X_density = cinfo->Y_density = (UINT16)lround(dpi);
}

int output_write_jpeg(cairo_surface_t *img, FILE *f, const char *path, double dpi)
{
	int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
	int stride = cairo_image_surface_get_stride(img);
	const unsigned char *data = image_data(img, path);
	struct jpeg_compress_struct cinfo;
	struct jpeg_fail fail;
	unsigned char *volatile row = NULL;

	if (!data)
		return -1;
	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.output_message = jpeg_quiet;
	if (setjmp(fail.jump)) {
		jpeg_destroy_compress(&cinfo);
		free(row);
		if (ferror(f)) {
			errno = fail.saved_errno;
			return error_errno("cannot write '%s'", path);
		}
		return error("cannot write '%s': %s", path, fail.msg);
	}
	jpeg_create_compress(&cinfo);
	jpeg_stdio_dest(&cinfo, f);
	jpeg_setup(&cinfo, w, h, dpi);
	jpeg_start_compress(&cinfo, TRUE);
	row = xmalloc((size_t)w * 3);
	for (int y = 0; y < h; y++) {
		JSAMPROW r = row;

		rgb_row((const uint32_t *)(data + (size_t)y * stride), w, row);
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(row);
	return 0;
}

/* ---- finishing ---- */

static int finish_image(struct output *o)
{
	cairo_status_t st = cairo_surface_status(o->surface);

	if (st != CAIRO_STATUS_SUCCESS)
		return error("cannot draw '%s': %s", o->path, cairo_status_to_string(st));
	if (o->format == OUTPUT_JPEG)
		return output_write_jpeg(o->surface, o->f, o->path, o->dpi);
	return output_write_png(o->surface, o->f, o->path);
}

static int finish_vector(struct output *o)
{
	cairo_status_t st;

	cairo_surface_finish(o->surface);
	st = cairo_surface_status(o->surface);
	if (o->gz && st == CAIRO_STATUS_SUCCESS)
		gzip_write(o, NULL, 0, Z_FINISH);
	if (o->write_errno) {
		errno = o->write_errno;
		return error_errno("cannot write '%s'", o->path);
	}
	if (st != CAIRO_STATUS_SUCCESS)
		return error("cannot draw '%s': %s", o->path, cairo_status_to_string(st));
	return 0;
}

int output_finish(struct output *o)
{
	int rc = o->vector ? finish_vector(o) : finish_image(o);

	gzip_end(o);
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
	return rc < 0 ? -1 : 0;
}

void output_abort(struct output *o)
{
	if (o->surface)
		cairo_surface_destroy(o->surface);
	gzip_end(o);
	if (o->f) {
		fclose(o->f);
		unlink(o->path);
	}
	free(o->path);
	memset(o, 0, sizeof(*o));
}
