/* sampler: the run loop of `mprof run` and `mprof attach`.
 *
 * Starts the program (spawn.h) or attaches to a process, samples its memory
 * (proc.h, its descendants through proctree.h) at absolute deadlines
 * start + k*interval, waiting in between (waiter.h), reads the event channel,
 * records the kernel's high-water marks, forwards SIGINT/SIGTERM/SIGHUP to
 * the target and writes the profile: CMDLINE, MPROF, MEM/CHLD samples,
 * PEAK/CHLDPEAK, IPEAK/CHLDIPEAK (ipeak.h), UNSEEN/UNSEENPEAK (unseen.h),
 * CHLDCMD, FUNC/MARK from events, and EXIT at the end. In a memory cgroup
 * (cgroup_probe.h) also CGROUP, CGPRESSURE, the cgroup's event markers and
 * CGPEAK.
 */
#ifndef MPROF_SAMPLER_H
#define MPROF_SAMPLER_H

#include "profile.h"
#include "proc.h"

#include <stdbool.h>
#include <sys/types.h>

struct sampler_opts {
	double interval;             /* seconds between samples */
	double timeout;              /* stop sampling after this many seconds; 0: never */
	enum proc_backend backend;
	bool children;               /* -C: MEM is the sum over the whole tree */
	bool multiprocess;           /* -M: a CHLD record per child per sample */
	bool breakdown;              /* KIND (and CHLDKIND under -M) records with each sample */
	struct gpu *gpu;             /* --gpu (gpu.h): GPU records with each sample; NULL: none */
	bool interval_peaks;         /* IPEAK/CHLDIPEAK: read and reset the high-water marks (ipeak.h) */
	const char *output;
	enum profile_open_mode output_mode;
	bool output_is_default;      /* the output name was made up: try the next second if taken */
	/* run: the program to execute (looked up in PATH) and what CMDLINE shows */
	char *const *argv;
	char *const *cmdline;
	bool events;                 /* open the event channel for the program */
	/* attach: the process to watch (argv is NULL) */
	pid_t attach;
	bool progress;               /* say what is happening on stderr */
	bool status;                 /* a status line on stderr, when a terminal (status.h) */
	bool live;                   /* --live: the terminal view, redrawn as it grows */
	double last;                 /* --last: the live view's seconds, 0: all */
	/* --kill-above: at the first sample over kill_above bytes (0: never),
	 * a MARK kill_label, SIGTERM to the target, SIGKILL at the first
	 * sample SAMPLER_KILL_GRACE seconds later if it still lives */
	uint64_t kill_above;
	const char *kill_label;
	/* cgroups (cgroup_probe.h): run the program in a cgroup of its own
	 * under memory_max (bytes, 0: none); or, attach is 0 and cgroup_arg
	 * set, watch an existing cgroup (found as cgroup_by says), whose
	 * charge is then also the MEM samples */
	bool cgroup;
	uint64_t memory_max;
	const char *cgroup_arg;
	int cgroup_by;               /* enum cgroup_by */
	bool reset_peak;
	bool kill_at_timeout;        /* run --cgroup: at the timeout, kill the job instead */
};

#define SAMPLER_KILL_GRACE 2

enum sampler_end {
	SAMPLER_EXITED,    /* the target exited: status is its exit status */
	SAMPLER_SIGNALED,  /* the target died of signal `status` */
	SAMPLER_DETACHED,  /* sampling stopped first (timeout, signal to mprof, attach) */
	SAMPLER_NOT_RUN,   /* the program could not be started */
};

struct sampler_result {
	enum sampler_end end;
	int status;
	int stop_signal;          /* the signal that mprof itself received, 0 if none */
	int exec_errno;           /* SAMPLER_NOT_RUN: why */
	bool output_failed;       /* the profile could not be written completely */
	unsigned long samples;    /* MEM records written */
	unsigned long missed;     /* deadlines skipped because the loop was late */
	unsigned long unreadable; /* samples lost: the target lived but could not be read */
	unsigned cgroup_events;   /* CGROUP_EV_* bits seen during the run */
	double cgroup_peak;       /* MiB, the CGPEAK written; 0 if none */
	double cgroup_floor;      /* MiB, the most of anon + kernel + shmem + sock sampled */
	bool timed_out;           /* kill_at_timeout: the job was killed at the timeout */
	pid_t pid;                /* the target */
	char *output;             /* the profile's name (caller frees) */
};

/* Run the whole thing. 0 when the profile was written (see *res for how the
 * target ended), -1 (reported) when the profile could not be opened or
 * written, or the program could not be started (res->end == SAMPLER_NOT_RUN).
 * The target is never left stopped, and it is not orphaned because of an
 * output error: mprof then stops writing and waits for it. */
int sampler_run(const struct sampler_opts *o, struct sampler_result *res);

#endif
