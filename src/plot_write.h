/* plot_write: 'mprof plot' after its options: read the profiles, build the
 * scene, and hand it to the view the output asks for (a picture through
 * cairo, an HTML page, or the terminal). */
#ifndef MPROF_PLOT_WRITE_H
#define MPROF_PLOT_WRITE_H

#include "plot_options.h"
#include "view_term.h"

#include <stdbool.h>
#include <stddef.h>

enum plot_view {
	PLOT_VIEW_PICTURE,   /* PNG, SVG or PDF, by the file's extension */
	PLOT_VIEW_HTML,      /* .html, .htm */
	PLOT_VIEW_TERMINAL,  /* --terminal or -o - */
};

struct plot_target {
	const char *output;   /* -o; NULL: a PNG beside the first profile, its path printed */
	bool terminal;        /* --terminal (or -o -) */
	int cols, lines;      /* terminal size; 0: the terminal's */
	enum view_color color;
};

/* The view for an output file name (or the terminal). -1 when its extension
 * names no format. */
int plot_view_of(const struct plot_target *to, enum plot_view *view);

/* Draw the profiles at paths (overlaid when more than one). -1 (reported)
 * on failure; nothing half-written is left. */
int plot_write(char *const *paths, size_t n, const struct plot_options *opt, const struct plot_target *to);

#endif
