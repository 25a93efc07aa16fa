/* view_term: a profile drawn in the terminal (mprof plot --terminal).
 *
 * The scene's memory lines in braille dots (2 x 4 a character cell), axes
 * in MiB and seconds, the peaks marked and labelled where a label covers
 * nothing, function calls as labelled bars under the time axis (one row per
 * nesting level), markers, and the legend (with "+N more" for entries that
 * have no room). Colours are ANSI escapes, only when asked
 * for (view_term_resolve decides: a terminal and no NO_COLOR). */
#ifndef MPROF_VIEW_TERM_H
#define MPROF_VIEW_TERM_H

#include "scene.h"

#include <stdbool.h>
#include <stdio.h>

enum view_color {
	VIEW_COLOR_AUTO,   /* when the output is a terminal and NO_COLOR is unset */
	VIEW_COLOR_ALWAYS,
	VIEW_COLOR_NEVER,
};

#define VIEW_TERM_MIN_WIDTH 30
#define VIEW_TERM_MIN_HEIGHT 8

struct view_term_options {
	int width, height; /* characters and lines of the whole drawing */
	bool color;
};

/* "auto", "always", "never" (and "yes"/"no"). -1 when unknown. */
int view_color_parse(const char *s, enum view_color *out);

/* Size and colours for output to fd: width and height in characters when > 0,
 * else COLUMNS / LINES, else the terminal's size, else 80 x 24 (a height taken
 * from the terminal leaves a line for the prompt). */
void view_term_resolve(struct view_term_options *t, int fd, int width, int height, enum view_color color);

/* Draw the scene to f, in t->width x t->height cells. -1 (reported) when f
 * cannot be written. */
int view_term_write(FILE *f, const struct scene *sc, const struct view_term_options *t);

#endif
