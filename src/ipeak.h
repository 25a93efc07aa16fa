/* ipeak: the highest resident set of a process between two samples.
 *
 * Linux keeps a high-water mark of each process's resident set (VmHWM in
 * /proc/PID/status) and, since Linux 4.0, sets it back to the current
 * resident set when "5" is written to /proc/PID/clear_refs. Read, then reset
 * at every sample, the mark is the exact highest resident set of the
 * interval that the sample ends. Only the few microseconds between the read
 * and the reset escape it.
 *
 * The reset changes the process's own VmHWM (and so its ru_maxrss): the
 * program run by mprof is ours; a process attached to is reset only when the
 * user asks. Where the kernel refuses (another user's or an undumpable
 * process, a kernel before 4.0), it is said once and the process is sampled
 * without.
 */
#ifndef MPROF_IPEAK_H
#define MPROF_IPEAK_H

#include "proc.h"

#include <stdbool.h>
#include <stdint.h>

/* For all processes of a run. */
struct ipeak_set {
	bool on;       /* interval peaks asked for */
	bool attached; /* the marks read first are from before: reset, not reported */
	bool told;     /* a refusal has been said */
	unsigned long refused; /* processes sampled without */
};

/* One process. Zeroed memory is not a valid state: use ipeak_init. */
struct ipeak {
	int clear_fd;  /* /proc/PID/clear_refs, write-only; -1: not open */
	bool off;      /* refused: this process is sampled without */
	bool fresh;    /* hwm and rss were read for the sample being taken */
	bool taken;    /* a mark has been read and reset before */
	bool marked;   /* ipeak_take read a mark (cleared with fresh at each sample) */
	uint64_t hwm, rss;
};

void ipeak_init(struct ipeak *ip);
void ipeak_close(struct ipeak *ip);

/* The sample itself, when interval peaks are on: the resident set (VmRSS)
 * from the same read of status as the mark, which ipeak_take then uses, so
 * that the sample costs one read, not two (statm and status). False when
 * off or when status has no memory to show (a zombie, a process whose main
 * thread has ended): proc_read_mem then says why, or reads another thread. */
bool ipeak_read_mem(const struct ipeak_set *set, struct ipeak *ip, struct proc_handle *h, uint64_t *bytes);

/* The interval's peak of the process h reads (through h's status file),
 * (or that ipeak_read_mem read for this sample), then the reset, which is
 * not needed when the mark is the resident set of the moment (it would set it
 * to the same). Attached, a process's first mark is from before: it is
 * reset, not given. True with *peak and *rss (the resident set now, read with
 * the mark) in bytes; false when off, refused (said once in the set) or when
 * the process has gone. */
bool ipeak_take(struct ipeak_set *set, struct ipeak *ip, struct proc_handle *h, uint64_t *peak,
		uint64_t *rss);

/* Is a peak worth a record? Only above the resident set read with it and
 * above the sample: otherwise the sample is the interval's peak. */
static inline bool ipeak_above(uint64_t peak, uint64_t rss, uint64_t sample)
{
	return peak > rss && peak > sample;
}

#endif
