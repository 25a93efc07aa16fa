/* ring: the shared-memory ring through which programs built with <mprof.h>
 * send events without a system call.
 *
 * mprof run makes a file beside the event FIFO (channel.h), maps it, and names
 * it in the program's environment as MPROF_RING. The layout is the one
 * <mprof.h> writes (struct mprof__ring, struct mprof__slot). Each drain reads
 * the FIFO first and the ring second, and feeds the ring's events to the
 * parser before the FIFO's: a thread that found the ring full keeps to the
 * FIFO from then on, so the events of every thread reach the parser in the
 * order they were sent.
 */
#ifndef MPROF_RING_H
#define MPROF_RING_H

#include "events.h"

#include <stdbool.h>
#include <stdint.h>

#define MPROF_RING_ENV "MPROF_RING"
#define RING_SLOTS 8192u                   /* 1 MiB of 128-byte slots */
#define RING_STUCK_NS 1000000000ull        /* a slot reserved but not committed this long is dropped */

struct ring;

/* Make the ring file path (0600) with nslots slots (a power of two) and map
 * it. NULL (reported) on failure. */
struct ring *ring_create(const char *path, unsigned nslots);
const char *ring_path(const struct ring *rg);
/* Read what the FIFO fifo_fd holds (-1: none), then the ring, and feed both to
 * ev, the ring's events first. A slot reserved but left uncommitted for
 * RING_STUCK_NS (at once when final) is skipped and counted as dropped; until
 * then the FIFO's bytes are held back. Bytes fed, or -1 when a record could
 * not be written. */
ssize_t ring_drain(struct ring *rg, struct events *ev, int fifo_fd, events_mem_fn mem, void *ctx,
		   bool final);
/* Slots reserved so far (events, and their continuation slots). */
uint64_t ring_reserved(const struct ring *rg);
/* Throw away everything in the ring. */
void ring_discard(struct ring *rg);
/* Unmap the ring and remove its file. */
void ring_free(struct ring *rg);

#endif
