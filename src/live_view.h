/* live_view: one picture of a profile that is being written, for the
 * terminal (mprof run --live, mprof plot --terminal --follow): the terminal
 * view of the file as it is now, or of its last seconds.
 *
 * It lives in the plot module; mprof run reaches it through
 * plot_module_symbol(LIVE_VIEW_FRAME) so that run maps cairo only with --live.
 */
#ifndef MPROF_LIVE_VIEW_H
#define MPROF_LIVE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVE_VIEW_FRAME "live_view_frame"

/* What the last picture showed: the next one with --last reads only its
 * window. Zero it before the first. */
struct live_state {
	double t1;          /* the end of the time shown, seconds from the start */
	uint64_t at_ns;     /* when it was read */
	bool have;
};

struct live_frame {
	int cols, lines;    /* size of the picture, characters */
	bool color;
	double last;        /* > 0: only the last seconds */
	/* out */
	char *text;         /* the picture, lines ending in '\n' (caller frees) */
	size_t len;
	bool ended;         /* the file holds the run's end (EXIT) */
	double t1;          /* time of the latest sample, seconds from the start */
};

/* Draw path as it is now into f->text. 1 drawn, 0 when there is nothing to
 * draw yet (no samples, or not a profile yet); messages are not printed. */
int live_view_frame(struct live_state *ls, const char *path, struct live_frame *f);
typedef int (*live_view_frame_fn)(struct live_state *ls, const char *path, struct live_frame *f);

#endif
