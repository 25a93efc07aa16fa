/* cgroup_probe: the memory cgroup of a run, sampled into the profile.
 *
 * `mprof run --cgroup` makes a cgroup for the program (cgroup.h), the child
 * joins it before its exec, and each sample writes the charge and its
 * breakdown (CGROUP), the memory pressure (CGPRESSURE, where the kernel has
 * PSI) and a MARK for each memory.events counter that went up since the last
 * sample ("cgroup:high", "cgroup:max", "cgroup:oom", "cgroup:oom_kill"). At
 * the end: the cgroup's own high-water mark (CGPEAK), then the cgroup is
 * removed. `mprof attach --cgroup/--unit/--container` reads an existing
 * cgroup the same way, read-only. See man/mprofile.5 for the records.
 */
#ifndef MPROF_CGROUP_PROBE_H
#define MPROF_CGROUP_PROBE_H

#include "cgroup.h"
#include "profile.h"

#include <stdbool.h>
#include <stdint.h>

struct cgroup_probe {
	struct cgroup_sys sys;
	struct cgroup cg;          /* run: the job's cgroup */
	bool made;
	struct cgroup_reader r;
	bool open;
	bool attached;
	bool gone;                 /* the cgroup was removed under us (attach) */
	struct cgroup_events ev;   /* the counters at the last sample */
	bool have_ev;
	unsigned seen;             /* CGROUP_EV_* bits seen during the run */
	uint64_t peak_before;      /* attach: a peak from before the attach; 0: none */
	uint64_t peak;             /* the cgroup's peak, last read (bytes) */
	double last_mib;           /* the last CGROUP charge written */
	uint64_t floor;            /* the most of anon + kernel + shmem + sock in a sample:
				    * what no reclaim can free without swap (bytes) */
};

/* Make the cgroup of a run (memory_max: bytes, 0 for none). 0, or -1 with the
 * engine's message and nothing left behind. */
int cgroup_probe_create(struct cgroup_probe *p, uint64_t memory_max);
/* Open an existing cgroup read-only; reset its peak if asked. 0 or -1 (reported). */
int cgroup_probe_attach(struct cgroup_probe *p, enum cgroup_by by, const char *arg, bool reset_peak);
/* The cgroup to start the program in, or NULL. */
const struct cgroup *cgroup_probe_cgroup(const struct cgroup_probe *p);
/* "cgroup=PATH cgroup_version=v1 memory_max=BYTES" for the MPROF header. */
void cgroup_probe_describe(const struct cgroup_probe *p, char *buf, size_t cap);
/* One sample at time t: CGROUP, CGPRESSURE and MARKs for events. The
 * writer's return (-1 on a write error); a cgroup that has gone sets p->gone. */
int cgroup_probe_sample(struct cgroup_probe *p, struct profile_writer *w, double t);
/* The end: a last sample and CGPEAK (attach: only a peak of this run). */
int cgroup_probe_finish(struct cgroup_probe *p, struct profile_writer *w, double t);
/* Kill what is left in a cgroup made by create. 0, or -1 with errno. */
int cgroup_probe_kill(struct cgroup_probe *p);
/* Close the reader; remove a cgroup made by create (its processes get
 * timeout seconds to go). 0, or -1 (reported). */
int cgroup_probe_close(struct cgroup_probe *p, double timeout);

#endif
