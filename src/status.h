/* status: what mprof run and mprof attach show while they sample, on a
 * terminal: a status line rewritten in place about once a second (elapsed
 * time, memory now, the sampled and the exact peak, samples written, the
 * innermost open span), or with --live the terminal view of the profile
 * redrawn in place on the alternate screen at most twice a second.
 *
 * The drawing is done by a thread of its own, so that it never delays a
 * sample: the sampler hands it its figures with status_publish, which never
 * waits (when the thread holds them, this publication is skipped); the
 * thread runs at a lower priority than the sampler. The live
 * view reads the profile as written so far, with the plot module's
 * live_view_frame (the module, and cairo, are loaded only then).
 */
#ifndef MPROF_STATUS_H
#define MPROF_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct status;

struct status_opts {
	int fd;             /* where to draw: standard error */
	int in_fd;          /* keys (q) for the live view: standard input, or -1 */
	bool line;          /* the status line (not --quiet) */
	bool live;          /* the live view (--live) */
	double last;        /* --last: seconds shown by the live view, 0: all */
	const char *path;   /* the profile */
};

/* Start showing; NULL when there is nothing to show (fd is not a terminal,
 * or neither line nor live was asked for). */
struct status *status_start(const struct status_opts *o);

/* For the sampler: true about ten times a second, when a publication is
 * worth it. */
bool status_due(struct status *st, uint64_t now_ns);
/* The sampler's figures, in MiB (hwm 0: unknown); span the innermost open
 * span or NULL. Never blocks. */
void status_publish(struct status *st, double mem, double peak, double hwm, unsigned long samples,
		    const char *span);

/* Stop: the status line is cleared; the live view leaves the alternate
 * screen and its last picture is drawn on the normal screen. Frees st (NULL
 * is fine). Call it once the profile is complete on disk. */
void status_stop(struct status *st);

/* The status line's text for these figures, for the drawing and for tests. */
void status_format(char *buf, size_t cap, double elapsed, double mem, double peak, double hwm,
		   unsigned long samples, const char *span);

#endif
