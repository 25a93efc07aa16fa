#include "plot_text.h"

#include "util.h"

#include <cairo-ft.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <stdlib.h>
#include <string.h>

/* Where the fonts for scripts beyond the plot's font come from (Debian
 * packages small enough to install with the rest). */
static const struct {
	uint32_t lo, hi;
	const char *package;
} script_packages[] = {
	{ 0x1100, 0x11ff, "fonts-wqy-microhei" },   /* Hangul Jamo */
	{ 0x2e80, 0x9fff, "fonts-wqy-microhei" },   /* CJK radicals, kana, ideographs */
	{ 0xa960, 0xa97f, "fonts-wqy-microhei" },
	{ 0xac00, 0xd7af, "fonts-wqy-microhei" },   /* Hangul syllables */
	{ 0xf900, 0xfaff, "fonts-wqy-microhei" },
	{ 0xfe30, 0xfe4f, "fonts-wqy-microhei" },
	{ 0xff00, 0xffef, "fonts-wqy-microhei" },   /* full-width forms */
	{ 0x20000, 0x3ffff, "fonts-wqy-microhei" },
	{ 0x2190, 0x2bff, "fonts-symbola" },        /* arrows, symbols, dingbats */
	{ 0x1f000, 0x1faff, "fonts-symbola" },      /* emoji */
};

#define FALLBACK_MAX 16
#define MISSING_PACKAGES_MAX 8

/* Fonts found for characters the plot's font lacks, for the process's life. */
static struct {
	bool ready;
	FcCharSet *main_cs;                  /* what the plot's font covers */
	struct {
		FcCharSet *cs;
		cairo_font_face_t *face;
	} fallback[FALLBACK_MAX];
	int nfallback;
	const char *warned[MISSING_PACKAGES_MAX];
	int nwarned;
} fonts;

static FcPattern *match_font(uint32_t c)
{
	FcPattern *p = FcPatternCreate(), *found;
	FcResult res;

	FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)PLOT_FONT_FAMILY);
	if (c) {
		FcCharSet *cs = FcCharSetCreate();

		FcCharSetAddChar(cs, c);
		FcPatternAddCharSet(p, FC_CHARSET, cs);
		FcCharSetDestroy(cs);
	}
	FcConfigSubstitute(NULL, p, FcMatchPattern);
	FcDefaultSubstitute(p);
	found = FcFontMatch(NULL, p, &res);
	FcPatternDestroy(p);
	return found;
}

static FcCharSet *charset_of(FcPattern *p)
{
	FcCharSet *cs = NULL;

	if (!p || FcPatternGetCharSet(p, FC_CHARSET, 0, &cs) != FcResultMatch)
		return NULL;
	return FcCharSetCopy(cs);
}

static void fonts_init(void)
{
	FcPattern *p;

	if (fonts.ready)
		return;
	fonts.ready = true;
	p = match_font(0);
	fonts.main_cs = charset_of(p);
	if (p)
		FcPatternDestroy(p);
}

void plot_text_release(void)
{
	for (int i = 0; i < fonts.nfallback; i++) {
		FcCharSetDestroy(fonts.fallback[i].cs);
		cairo_font_face_destroy(fonts.fallback[i].face);
	}
	if (fonts.main_cs)
		FcCharSetDestroy(fonts.main_cs);
	memset(&fonts, 0, sizeof(fonts));
}

const char *plot_text_package_for(uint32_t c)
{
	for (size_t i = 0; i < ARRAY_SIZE(script_packages); i++)
		if (c >= script_packages[i].lo && c <= script_packages[i].hi)
			return script_packages[i].package;
	return "fonts-noto-core";
}

static void warn_missing(uint32_t c, const char *utf8, size_t len)
{
	const char *pkg = plot_text_package_for(c);

	for (int i = 0; i < fonts.nwarned; i++)
		if (!strcmp(fonts.warned[i], pkg))
			return;
	if (fonts.nwarned < MISSING_PACKAGES_MAX)
		fonts.warned[fonts.nwarned++] = pkg;
	warning("no installed font has '%.*s' (U+%04X): such characters are drawn as boxes; "
		"the package %s has a font for them", (int)len, utf8, (unsigned)c, pkg);
}

/* The font face for c: NULL for the plot's own font (also when no font
 * has c, warned about once). */
static cairo_font_face_t *face_for(uint32_t c, const char *utf8, size_t len)
{
	FcPattern *p;
	FcCharSet *cs;

	fonts_init();
	if (c < 0x80 || !fonts.main_cs || FcCharSetHasChar(fonts.main_cs, c))
		return NULL;
	for (int i = 0; i < fonts.nfallback; i++)
		if (FcCharSetHasChar(fonts.fallback[i].cs, c))
			return fonts.fallback[i].face;
	p = match_font(c);
	cs = charset_of(p);
	if (!cs || !FcCharSetHasChar(cs, c) || fonts.nfallback == FALLBACK_MAX) {
		if (cs)
			FcCharSetDestroy(cs);
		if (p)
			FcPatternDestroy(p);
		if (!plot_text_has_glyph(c))
			warn_missing(c, utf8, len);
		return NULL;
	}
	fonts.fallback[fonts.nfallback].cs = cs;
	fonts.fallback[fonts.nfallback].face = cairo_ft_font_face_create_for_pattern(p);
	FcPatternDestroy(p);
	return fonts.fallback[fonts.nfallback++].face;
}

bool plot_text_has_glyph(uint32_t c)
{
	FcPattern *p;
	FcCharSet *cs;
	bool has;

	fonts_init();
	if (c < 0x80 || (fonts.main_cs && FcCharSetHasChar(fonts.main_cs, c)))
		return true;
	p = match_font(c);
	cs = charset_of(p);
	has = cs && FcCharSetHasChar(cs, c);
	if (cs)
		FcCharSetDestroy(cs);
	if (p)
		FcPatternDestroy(p);
	return has;
}

/* ---- runs of text in one font ---- */

static size_t utf8_char(const char *s, uint32_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	uint32_t c = n == 1 ? p[0] : p[0] & (0x3f >> (n - 1));

	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*out = 0xfffd;
			return i;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*out = c;
	return n;
}

/* The next run of text from s in one face: its length, its face in *face. */
static size_t next_run(const char *s, cairo_font_face_t **face)
{
	size_t len = 0;
	bool first = true;

	while (s[len]) {
		uint32_t c;
		size_t n = utf8_char(s + len, &c);
		cairo_font_face_t *f = face_for(c, s + len, n);

		if (first)
			*face = f;
		else if (f != *face)
			break;
		first = false;
		len += n;
	}
	return len;
}

/* Each run of text with the face it needs set on cr (restored after). */
static double text_runs(cairo_t *cr, const char *text, bool show)
{
	cairo_font_face_t *main_face = cairo_get_font_face(cr), *face = NULL;
	double w = 0;

	if (!text)
		return 0;
	cairo_font_face_reference(main_face);
	for (const char *p = text; *p;) {
		size_t len = next_run(p, &face);
		char *run = xstrndup(p, len);
		cairo_text_extents_t te;

		cairo_set_font_face(cr, face ? face : main_face);
		cairo_text_extents(cr, run, &te);
		if (show)
			cairo_show_text(cr, run);
		w += te.x_advance;
		free(run);
		p += len;
	}
	cairo_set_font_face(cr, main_face);
	cairo_font_face_destroy(main_face);
	return w;
}

void plot_text_font(cairo_t *cr, double size, bool bold)
{
	cairo_select_font_face(cr, PLOT_FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

double plot_text_width(cairo_t *cr, const char *text)
{
	cairo_text_extents_t te;

	if (ascii(text)) {
		cairo_text_extents(cr, text, &te);
		return te.x_advance;
	}
	return text_runs(cr, text, false);
}

void plot_text_metrics(cairo_t *cr, double *ascent, double *descent)
{
	cairo_font_extents_t fe;

	cairo_font_extents(cr, &fe);
	*ascent = fe.ascent;
	*descent = fe.descent;
}

void plot_text_show(cairo_t *cr, const char *text)
{
	if (ascii(text))
		cairo_show_text(cr, text);
	else
		text_runs(cr, text, true);
}
