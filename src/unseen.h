/* unseen: descendants that began and ended between two samples (-C, -M).
 *
 * Linux tells an unprivileged observer little of a process it never saw:
 * what it leaves is in the counters of the process that reaps it. The
 * program's /proc/PID/stat has cminflt, the page faults of the children it
 * has reaped (and of theirs), which grows when it reaps one: a rise while no
 * followed process went away means at least one child that no sample saw
 * (how many is not told). Their largest peak is folded into the program's
 * ru_maxrss, which only its parent, mprof, reads from wait4 when the program
 * ends, with no time: above every mark measured, it is theirs, or the
 * program's own in the moments after its last sample. See mprof(1).
 */
#ifndef MPROF_UNSEEN_H
#define MPROF_UNSEEN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct unseen {
	int stat_fd;             /* the program's /proc/PID/stat, kept open; -1 */
	uint64_t cminflt;        /* the program's, at the last reading */
	bool have;               /* cminflt was read */
	bool rose;               /* it rose at the last reading */
	unsigned long gone;      /* followed processes gone in this interval */
	unsigned long gone_before; /* in the interval before */
	unsigned long intervals; /* intervals with unseen children */
};

/* started: the program was started by mprof (its counters start at 0);
 * else the first reading is the baseline. */
void unseen_init(struct unseen *u, bool started);
void unseen_close(struct unseen *u);
/* Before the sample's walk of the tree: the program's counter. */
void unseen_read(struct unseen *u, pid_t program);
/* A followed process has gone (it was reaped by someone). */
static inline void unseen_gone(struct unseen *u)
{
	u->gone++;
}
/* After the walk: did the program reap, in this interval, a child that no
 * sample saw? A child that went away in this interval or the one before
 * may account for the rise (the reap can fall between the reading and the
 * walk): then no, which makes the count a lower bound. */
bool unseen_verdict(struct unseen *u);
/* At the end: the program's ru_maxrss (bytes) when it reaped children and it
 * is above its own measured peak and above every child's by more than 2% (or
 * 1 MiB); else 0. */
uint64_t unseen_peak(uint64_t maxrss, uint64_t cminflt, uint64_t own, uint64_t kids);

#endif
