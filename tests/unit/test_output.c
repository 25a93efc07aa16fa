/* Picture formats of mprof plot -o: which names are understood, the
 * structure of each format (EPS and PostScript headers, SVGZ that gunzips to
 * SVG, JPEG that libjpeg decodes to the right size and colours), the refusal
 * that lists what works, and write errors that leave no file behind. */
#include "testlib.h"
#include "output.h"
#include "util.h"

#include <errno.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <jpeglib.h> /* after stdio.h */

/* ---- readers ---- */

struct image {
	int w, h;
	unsigned char *rgb; /* w * h * 3 */
};

/* libjpeg stops the test on a bad file instead of exiting. */
static void jpeg_test_error(j_common_ptr cinfo)
{
	char msg[JMSG_LENGTH_MAX];

	cinfo->err->format_message(cinfo, msg);
	ck_abort_msg("libjpeg: %s", msg);
}

static void decode_jpeg(const unsigned char *data, size_t len, struct image *img)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_error_mgr err;

	cinfo.err = jpeg_std_error(&err);
	err.error_exit = jpeg_test_error;
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	ck_assert_int_eq(jpeg_read_header(&cinfo, TRUE), JPEG_HEADER_OK);
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	ck_assert_int_eq(cinfo.output_components, 3);
	img->w = (int)cinfo.output_width;
	img->h = (int)cinfo.output_height;
	img->rgb = xmalloc((size_t)img->w * (size_t)img->h * 3);
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = img->rgb + (size_t)cinfo.output_scanline * (size_t)img->w * 3;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
}

static void decode_png(const char *path, struct image *img)
{
	png_image png;

	memset(&png, 0, sizeof(png));
	png.version = PNG_IMAGE_VERSION;
	ck_assert_msg(png_image_begin_read_from_file(&png, path), "%s: %s", path, png.message);
	png.format = PNG_FORMAT_RGB;
	img->w = (int)png.width;
	img->h = (int)png.height;
	img->rgb = xmalloc(PNG_IMAGE_SIZE(png));
	ck_assert_msg(png_image_finish_read(&png, NULL, img->rgb, 0, NULL), "%s: %s", path, png.message);
}

static const unsigned char *pixel(const struct image *img, int x, int y)
{
	ck_assert(x >= 0 && x < img->w && y >= 0 && y < img->h);
	return img->rgb + ((size_t)y * (size_t)img->w + (size_t)x) * 3;
}

/* The whole of a gzip stream, inflated (NUL-terminated). */
static char *gunzip(const unsigned char *data, size_t len, size_t *out_len)
{
	z_stream z;
	size_t cap = 65536, n = 0;
	char *out = xmalloc(cap + 1);
	int zr;

	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK); /* gzip only */
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		if (cap - n < 16384) {
			cap *= 2;
			out = xrealloc(out, cap + 1);
		}
		z.next_out = (Bytef *)out + n;
		z.avail_out = (uInt)(cap - n);
		zr = inflate(&z, Z_NO_FLUSH);
		ck_assert_msg(zr == Z_OK || zr == Z_STREAM_END, "inflate: %d %s", zr, z.msg ? z.msg : "");
		n = cap - z.avail_out;
	} while (zr != Z_STREAM_END);
	ck_assert_int_eq(z.avail_in, 0); /* nothing after the stream */
	inflateEnd(&z);
	out[n] = '\0';
	*out_len = n;
	return out;
}

/* ---- names ---- */

static const struct {
	const char *path;
	int format; /* -1: refused */
} names[] = {
	{ "a.png", OUTPUT_PNG },
	{ "a.jpg", OUTPUT_JPEG },
	{ "a.JPEG", OUTPUT_JPEG },
	{ "dir.eps/a.Jpeg", OUTPUT_JPEG },
	{ "a.svg", OUTPUT_SVG },
	{ "a.svgz", OUTPUT_SVGZ },
	{ "a.pdf", OUTPUT_PDF },
	{ "a.ps", OUTPUT_PS },
	{ "a.EPS", OUTPUT_EPS },
	{ "a.eps.ps", OUTPUT_PS },
	{ "a.svg.gz", -1 },
	{ "a.bmp", -1 },
	{ "a.jpe", -1 },
	{ "a.tiff", -1 },
	{ "dir.eps/a", -1 },
	{ "eps", -1 },
};

START_TEST(test_format_names)
{
	enum output_format f = OUTPUT_FORMAT_COUNT;
	int rc = output_format_of(names[_i].path, &f);

	if (names[_i].format < 0) {
		ck_assert_msg(rc == -1, "%s: taken as format %d", names[_i].path, (int)f);
	} else {
		ck_assert_msg(rc == 0, "%s: refused", names[_i].path);
		ck_assert_int_eq(f, names[_i].format);
	}
}
END_TEST

/* Every name in the list for messages is understood, and each format is in it. */
START_TEST(test_format_list)
{
	char *list = xstrdup(output_format_list()), *save = NULL;
	bool seen[OUTPUT_FORMAT_COUNT] = { false };

	for (char *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		enum output_format f;
		char *name = xasprintf("x%s", tok);

		ck_assert_msg(tok[0] == '.', "'%s' in '%s'", tok, output_format_list());
		ck_assert_msg(output_format_of(name, &f) == 0, "'%s' listed, not understood", tok);
		seen[f] = true;
		free(name);
	}
	for (int f = 0; f < OUTPUT_FORMAT_COUNT; f++)
		ck_assert_msg(seen[f], "format %d not in '%s'", f, output_format_list());
	free(list);
}
END_TEST

/* ---- mprof plot -o FILE.EXT ---- */

#define PLOT_W "800"
#define PLOT_H "400"
#define PLOT_DPI "100" /* vector sizes: 800 x 400 pixels at 100 dpi = 576 x 288 pt */

static void plot(struct tl_result *r, const char *out)
{
	char *fixture = tl_fixture("multiprocess.dat");

	tl_run_env(r, NULL, (const char *const[]){ "TZ=UTC", NULL }, 120,
		   (const char *const[]){ "mprof", "plot", "--width", PLOT_W, "--height", PLOT_H, "--dpi", PLOT_DPI,
					  "-o", out, fixture, NULL });
	free(fixture);
}

static void check_jpeg(const unsigned char *data, size_t len)
{
	struct image img;

	decode_jpeg(data, len, &img);
	ck_assert_int_eq(img.w, atoi(PLOT_W));
	ck_assert_int_eq(img.h, atoi(PLOT_H));
	/* the corner is the white background */
	for (int c = 0; c < 3; c++)
		ck_assert_int_ge(pixel(&img, 3, 3)[c], 245);
	free(img.rgb);
}

static void check_svgz(const unsigned char *data, size_t len)
{
	size_t n;
	char *svg = gunzip(data, len, &n);

	ck_assert(str_starts_with(svg, "<?xml"));
	ck_assert_ptr_nonnull(strstr(svg, "<svg"));
	ck_assert_ptr_nonnull(strstr(svg, "width=\"576pt\" height=\"288pt\""));
	ck_assert(n > 7 && !strcmp(svg + n - 7, "</svg>\n"));
	free(svg);
}

static const struct {
	const char *ext;
	const char *magic;       /* the file starts with it */
	size_t magic_len;
	const char *has[3];      /* and holds these */
	const char *lacks;       /* but not this */
	const char *tail;        /* and ends with this */
	void (*check)(const unsigned char *data, size_t len);
} structures[] = {
	{ "eps", "%!PS-Adobe-3.0 EPSF-3.0\n", 24, { "%%BoundingBox: 0 0 576 288", "%%Title: ./forker 3 50 1000",
						    "showpage" }, NULL, "%%EOF\n", NULL },
	{ "ps", "%!PS-Adobe-3.0\n", 15, { "%%BoundingBox: 0 0 576 288", "%%Pages: 1", "showpage" }, "EPSF",
	  "%%EOF\n", NULL },
	{ "EPS", "%!PS-Adobe-3.0 EPSF-3.0\n", 24, { NULL }, NULL, "%%EOF\n", NULL },
	{ "svgz", "\x1f\x8b", 2, { NULL }, NULL, NULL, check_svgz },
	{ "jpg", "\xff\xd8\xff", 3, { "JFIF" }, NULL, "\xff\xd9", check_jpeg },
	{ "jpeg", "\xff\xd8\xff", 3, { "JFIF" }, NULL, "\xff\xd9", check_jpeg },
};

START_TEST(test_structure)
{
	char *dir = tl_tmpdir(), *name = xasprintf("out.%s", structures[_i].ext), *out = tl_path(dir, name);
	unsigned char *data;
	struct tl_result r;
	size_t len, tl;

	plot(&r, out);
	ck_assert_msg(r.status == 0, "-o %s: exit %d: %s", name, r.status, r.err);
	ck_assert_str_eq(r.err, "");
	tl_result_free(&r);
	data = (unsigned char *)tl_read_file(out, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_msg(len > 1000, "%s: %zu bytes", name, len);
	ck_assert_msg(memcmp(data, structures[_i].magic, structures[_i].magic_len) == 0, "%s: starts %.20s", name,
		      (char *)data);
	for (size_t k = 0; k < 3 && structures[_i].has[k]; k++)
		ck_assert_msg(memmem(data, len, structures[_i].has[k], strlen(structures[_i].has[k])),
			      "%s: no '%s'", name, structures[_i].has[k]);
	if (structures[_i].lacks)
		ck_assert_msg(!memmem(data, len, structures[_i].lacks, strlen(structures[_i].lacks)), "%s: '%s'",
			      name, structures[_i].lacks);
	if (structures[_i].tail) {
		tl = strlen(structures[_i].tail);
		ck_assert_msg(len > tl && memcmp(data + len - tl, structures[_i].tail, tl) == 0, "%s: wrong end", name);
	}
	if (structures[_i].check)
		structures[_i].check(data, len);
	free(data);
	free(out);
	free(name);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The JPEG is the PNG's picture: same size, pixels close on average, and
 * near each of the PNG's coloured pixels the same hue. */
START_TEST(test_jpeg_matches_png)
{
	char *dir = tl_tmpdir(), *jpg = tl_path(dir, "o.jpg"), *png = tl_path(dir, "o.png"), *data;
	struct image a, b;
	struct tl_result r;
	size_t len;
	double sum = 0;
	long colored = 0, close = 0;

	plot(&r, jpg);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	plot(&r, png);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	data = tl_read_file(jpg, &len);
	decode_jpeg((unsigned char *)data, len, &a);
	decode_png(png, &b);
	ck_assert_int_eq(a.w, b.w);
	ck_assert_int_eq(a.h, b.h);
	for (int y = 0; y < a.h; y++)
		for (int x = 0; x < a.w; x++) {
			const unsigned char *p = pixel(&a, x, y), *q = pixel(&b, x, y);
			int d = 0;

			for (int c = 0; c < 3; c++)
				d += abs(p[c] - q[c]);
			sum += d;
			/* a strongly coloured pixel of the PNG (a child's line) */
			if (abs(q[0] - q[2]) > 150 || abs(q[1] - q[2]) > 150) {
				colored++;
				close += d < 3 * 60;
			}
		}
	ck_assert_msg(sum / (3.0 * a.w * a.h) < 4, "mean difference %.2f", sum / (3.0 * a.w * a.h));
	ck_assert_msg(colored > 300, "%ld coloured pixels in the PNG", colored);
	ck_assert_msg(close > colored * 8 / 10, "%ld of %ld coloured pixels kept", close, colored);
	free(a.rgb);
	free(b.rgb);
	free(data);
	free(jpg);
	free(png);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Colours through output_open / output_finish: opaque, translucent over
 * white, and the white of an unpainted surface. */
static const struct {
	double x, y, w, h;
	double rgba[4];
	unsigned char want[3];
} patches[] = {
	{ 0, 0, 40, 40, { 1, 0, 0, 1 }, { 255, 0, 0 } },
	{ 40, 0, 40, 40, { 0, 0.5, 0, 1 }, { 0, 128, 0 } },
	{ 80, 0, 40, 40, { 0.122, 0.467, 0.706, 1 }, { 31, 119, 180 } },
	{ 0, 40, 40, 40, { 0, 0, 0, 0.5 }, { 128, 128, 128 } },
	{ 40, 40, 40, 40, { 0, 0, 1, 0.25 }, { 191, 191, 255 } },
	{ 80, 40, 40, 40, { 0, 0, 0, 0 }, { 255, 255, 255 } },
};

START_TEST(test_jpeg_colours)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "c.jpg"), *data;
	struct output o;
	struct image img;
	cairo_t *cr;
	size_t len;

	ck_assert_int_eq(output_open(&o, path, OUTPUT_JPEG, 120, 80, 90, "colours"), 0);
	ck_assert(!o.vector);
	cr = cairo_create(o.surface);
	for (size_t i = 0; i < ARRAY_SIZE(patches); i++) {
		cairo_set_source_rgba(cr, patches[i].rgba[0], patches[i].rgba[1], patches[i].rgba[2], patches[i].rgba[3]);
		cairo_rectangle(cr, patches[i].x, patches[i].y, patches[i].w, patches[i].h);
		cairo_fill(cr);
	}
	ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
	cairo_destroy(cr);
	ck_assert_int_eq(output_finish(&o), 0);
	data = tl_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	decode_jpeg((unsigned char *)data, len, &img);
	ck_assert_int_eq(img.w, 120);
	ck_assert_int_eq(img.h, 80);
	for (size_t i = 0; i < ARRAY_SIZE(patches); i++) {
		const unsigned char *p = pixel(&img, (int)(patches[i].x + patches[i].w / 2),
					       (int)(patches[i].y + patches[i].h / 2));

		for (int c = 0; c < 3; c++)
			ck_assert_msg(abs(p[c] - patches[i].want[c]) <= 12, "patch %zu: %d %d %d, want %d %d %d", i,
				      p[0], p[1], p[2], patches[i].want[0], patches[i].want[1], patches[i].want[2]);
	}
	/* dots per inch in the JFIF header: 90 */
	ck_assert(len > 18 && data[13] == 1 && data[14] == 0 && data[15] == 90 && data[16] == 0 && data[17] == 90);
	free(img.rgb);
	free(data);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- refusal ---- */

/* An unknown extension is refused with the list of formats; each one in the
 * list then works. */
START_TEST(test_refusal_lists_formats)
{
	char *dir = tl_tmpdir(), *bad = tl_path(dir, "x.bmp"), *list, *end, *save = NULL;
	struct tl_result r;
	int tried = 0;

	plot(&r, bad);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "'x.bmp'") || strstr(r.err, "x.bmp'"), "%s", r.err);
	ck_assert_msg(access(bad, F_OK) != 0, "x.bmp written");
	list = strstr(r.err, "unknown format; use ");
	ck_assert_msg(list != NULL, "%s", r.err);
	list += strlen("unknown format; use ");
	end = strchr(list, '\n');
	if (end)
		*end = '\0';
	for (char *tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		struct tl_result w;
		struct stat st;
		char *name, *out;

		if (tok[0] != '.')
			continue;
		name = xasprintf("y%s", tok);
		out = tl_path(dir, name);
		plot(&w, out);
		ck_assert_msg(w.status == 0, "'%s' is listed but refused: %s", tok, w.err);
		ck_assert_msg(stat(out, &st) == 0 && st.st_size > 100, "'%s': no picture", tok);
		tl_result_free(&w);
		tried++;
		free(out);
		free(name);
	}
	/* png jpg jpeg svg svgz pdf ps eps html */
	ck_assert_int_ge(tried, 9);
	tl_result_free(&r);
	free(bad);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- write errors ---- */

static const char *const every_ext[] = { "png", "jpg", "svg", "svgz", "pdf", "ps", "eps" };

/* A disk that is full (the name a link to /dev/full): an error naming the
 * file and the reason, exit 1, and the name removed. */
START_TEST(test_full_disk)
{
	char *dir, *name, *out;
	struct tl_result r;

	if (access("/dev/full", W_OK) != 0) {
		tl_skip("/dev/full is not writable here: write errors of -o %s not tested", every_ext[_i]);
		return;
	}
	dir = tl_tmpdir();
	name = xasprintf("full.%s", every_ext[_i]);
	out = tl_path(dir, name);
	ck_assert_int_eq(symlink("/dev/full", out), 0);
	plot(&r, out);
	ck_assert_msg(r.status == 1, "-o %s: exit %d: %s", name, r.status, r.err);
	ck_assert_msg(strstr(r.err, name) && strstr(r.err, "cannot "), "-o %s: %s", name, r.err);
	ck_assert_msg(strstr(r.err, strerror(ENOSPC)), "-o %s: %s", name, r.err);
	ck_assert_msg(access(out, F_OK) != 0 && errno == ENOENT, "-o %s: left behind", name);
	tl_result_free(&r);
	free(out);
	free(name);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("output");
	TCase *tc = tcase_create("formats");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_format_names, 0, ARRAY_SIZE(names));
	tcase_add_test(tc, test_format_list);
	tcase_add_loop_test(tc, test_structure, 0, ARRAY_SIZE(structures));
	tcase_add_test(tc, test_jpeg_matches_png);
	tcase_add_test(tc, test_jpeg_colours);
	tcase_add_test(tc, test_refusal_lists_formats);
	tcase_add_loop_test(tc, test_full_disk, 0, ARRAY_SIZE(every_ext));
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
