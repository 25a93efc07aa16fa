/* events: the instrumentation protocol between a profiled program and mprof run.
 *
 * Any process of the tree may open the channel (channel.h) with
 * O_WRONLY|O_NONBLOCK (which fails with ENXIO when nobody reads; then clear
 * O_NONBLOCK) and write events, each one line in one write(2) of at most
 * EVENT_LINE_MAX bytes, so events from many threads and processes never mix:
 *
 *   B <pid> <tid> <time> <name>\n      a span begins
 *   E <pid> <tid> <time> [<name>]\n    the innermost open span of that thread ends
 *                                      (with a name: the innermost one so named)
 *   M <pid> <tid> <time> <label>\n     an instant marker
 *
 * <time> is unix time in seconds with decimals (CLOCK_REALTIME), or "-" for
 * "when mprof reads it". <name> and <label> are the rest of the line, any bytes
 * but newline; mprof escapes them in the profile. Spans nest per (pid, tid):
 * a span's level is the number of spans open in its thread when it began.
 * mprof measures memory, as its MEM samples do, when it reads each event, and
 * writes a FUNC record when a span ends and a MARK record for a marker. Spans
 * still open when the target ends are closed at the last sample and flagged
 * "unfinished". Malformed events are dropped, with one warning per run.
 */
#ifndef MPROF_EVENTS_H
#define MPROF_EVENTS_H

#include "profile.h"

#include <stddef.h>
#include <sys/types.h>

#define EVENT_LINE_MAX 4096

/* Current memory in MiB, measured as the run's MEM samples are. */
typedef double (*events_mem_fn)(void *ctx);

struct events;

struct events *events_new(struct profile_writer *w);
/* Parse bytes from the channel; complete events become records. */
void events_feed(struct events *ev, const char *buf, size_t len, events_mem_fn mem, void *ctx);
/* Read everything the channel holds now and feed it. Bytes read, or -1. */
ssize_t events_drain(struct events *ev, int fd, events_mem_fn mem, void *ctx);
/* Close the spans still open, at time t with memory mem, as unfinished. */
void events_finish(struct events *ev, double t, double mem);
unsigned long events_dropped(const struct events *ev);
unsigned long events_spans(const struct events *ev);
void events_free(struct events *ev);

#endif
