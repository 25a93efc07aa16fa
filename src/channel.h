/* channel: the FIFO through which a profiled program sends events to
 * `mprof run`.
 *
 * mprof run makes the FIFO in a private directory and names it in the
 * target's environment as MPROF_EVENTS. It keeps a write end open itself, so
 * that its read end never sees end-of-file when writers come and go. What
 * goes through it is the event protocol (events.h).
 */
#ifndef MPROF_CHANNEL_H
#define MPROF_CHANNEL_H

#define MPROF_EVENTS_ENV "MPROF_EVENTS"

struct events_channel {
	char *dir;   /* private directory holding the FIFO */
	char *path;  /* the FIFO, the value of MPROF_EVENTS */
	int rfd;     /* read end, non-blocking, close-on-exec */
	int wfd;     /* a write end kept open so readers never see end-of-file */
	struct ring *ring; /* the shared-memory ring beside it (ring.h), or NULL */
};

struct ring;

/* Make the FIFO (and the ring, named as MPROF_RING in our environment, which
 * the program inherits; without it, the FIFO alone is used) under $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp, and open
 * its ends. -1 (reported) on failure, with nothing left behind. */
int events_channel_open(struct events_channel *ch);
/* Close the ends and remove the FIFO and its directory. */
void events_channel_close(struct events_channel *ch);

#endif
