/* events: the instrumentation protocol between a profiled program and mprof run.
 *
 * A profiled program writes events to the channel (channel.h), each one line
 * in one write(2) of at most EVENT_LINE_MAX bytes, so events from many
 * threads and processes never mix:
 *
 *   B <pid> <tid> <time> <name>\n      a span begins
 *   E <pid> <tid> <time> [<name>]\n    the innermost open span of that thread ends
 *                                      (with a name: the innermost one so named)
 *   M <pid> <tid> <time> <label>\n     an instant marker
 *   H <pid> <tid> <time> <bytes>\n     the Python heap's size (mprof run --python-heap)
 *
 * <time> is unix time in seconds with decimals (CLOCK_REALTIME), or "-" for
 * "when mprof reads it". <name> and <label> are the rest of the line, any bytes
 * but newline; mprof escapes them in the profile. Spans nest per (pid, tid):
 * a span's level is the number of spans open in its thread when it began.
 * mprof measures memory, as its MEM samples do, when it reads each event, and
 * writes a FUNC record when a span ends, a MARK record for a marker and a
 * PYHEAP record for a heap size. Spans
 * still open when the target ends are closed at the last sample and flagged
 * "unfinished". A span from a process other than the profiled program (see
 * events_set_target) has its pid in its FUNC record. Bad events are dropped: the first with a warning that says
 * what was wrong, the others counted, and the count said at the end.
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
/* The profiled program's pid: spans from any other process (a child) carry
 * their pid in their FUNC record. 0 (the default): none does. */
void events_set_target(struct events *ev, long pid);
/* Parse bytes from the channel; complete events become records. -1 when a
 * record could not be written (reported by the writer; nothing more is
 * written, but events are still read), else 0. */
int events_feed(struct events *ev, const char *buf, size_t len, events_mem_fn mem, void *ctx);
/* Read everything the descriptor holds now and feed it. Bytes read, or -1
 * when a record could not be written. */
ssize_t events_drain(struct events *ev, int fd, events_mem_fn mem, void *ctx);
/* Close the spans still open, at time t with memory mem, as unfinished, and
 * say how many events were dropped, if any. -1 when a record could not be
 * written, else 0. */
int events_finish(struct events *ev, double t, double mem);
/* Count an event lost before it could be parsed (the first said, why). */
void events_count_dropped(struct events *ev, const char *why);
unsigned long events_dropped(const struct events *ev);
unsigned long events_spans(const struct events *ev);
/* The innermost open span: of the spans open at the top of each thread's
 * stack, the one begun last. Its name (raw bytes, NUL-terminated), or NULL
 * when none is open. Valid until the next feed. */
const char *events_open_span(const struct events *ev);
void events_free(struct events *ev);

#endif
