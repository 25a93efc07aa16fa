/* plot_text: text on a cairo context in the plot's font, DejaVu Sans.
 * Characters that font lacks (CJK, emoji, other scripts) are drawn with a
 * font that has them, found through fontconfig; when no installed font has
 * them, they are drawn as boxes and a warning says so once, naming a Debian
 * package with a font that would. */
#ifndef MPROF_PLOT_TEXT_H
#define MPROF_PLOT_TEXT_H

#include <stdbool.h>
#include <stdint.h>

struct _cairo; /* cairo_t */

#define PLOT_FONT_FAMILY "DejaVu Sans"

/* The plot's font at size px on cr. */
void plot_text_font(struct _cairo *cr, double size, bool bold);
/* Advance of text in the current font, px. */
double plot_text_width(struct _cairo *cr, const char *text);
/* Ascent and descent of the current font, px. */
void plot_text_metrics(struct _cairo *cr, double *ascent, double *descent);
/* Draw text from the current point, in the current font and source. */
void plot_text_show(struct _cairo *cr, const char *text);

/* Whether some installed font has code point c (the plot's font first). */
bool plot_text_has_glyph(uint32_t c);
/* The Debian package whose font covers c, for messages ("fonts-wqy-microhei"). */
const char *plot_text_package_for(uint32_t c);

/* Let go of the fonts found so far (they are kept for the process's life
 * otherwise); before FcFini in a leak check. */
void plot_text_release(void);

#endif
