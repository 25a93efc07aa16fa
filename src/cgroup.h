/* cgroup: the memory cgroup of a job, made by mprof or watched by it.
 *
 * Where memory is accounted: in cgroup v2 when the unified hierarchy lists
 * "memory" in its cgroup.controllers, else in the v1 memory controller. On a
 * hybrid host (the v1 memory controller, and the unified hierarchy mounted
 * beside it without memory) a job made by mprof also gets a cgroup in the
 * unified hierarchy, only for its memory pressure (PSI), which the kernel keeps
 * there for every cgroup whatever the controllers.
 *
 * Three parts:
 *   cgroup.c       the hierarchy (mountinfo, /proc/self/cgroup), where a job's
 *                  cgroup may be made, making it, the child joining it, removing it
 *   cgroup_read.c  the per-sample reader: files opened once and read with pread
 *                  into a fixed buffer, parsed without allocation
 *   cgroup_find.c  the cgroup of a systemd unit or of a container, for attach
 *
 * Errors are reported with error() (see util.h) and returned as -1, except on
 * the per-sample path (cgroup_read), which only returns -1 with errno.
 */
#ifndef MPROF_CGROUP_H
#define MPROF_CGROUP_H

#include <stdbool.h>
#include <stdint.h>

enum cgroup_version {
	CGROUP_NONE = 0,
	CGROUP_V1 = 1,
	CGROUP_V2 = 2,
};

/* The hierarchies of this process. Paths are directories on the host
 * (fsroot prefix included, see cgroup_sys_parse). */
struct cgroup_sys {
	enum cgroup_version version; /* of the hierarchy with the memory controller */
	char *mem_mount;             /* its mount point */
	char *mem_self;              /* our own cgroup in it ("/a/b"), NULL if not visible */
	char *v2_mount;              /* the unified hierarchy, NULL if not mounted */
	char *v2_self;               /* our own cgroup in it, NULL if not visible */
};

/* Read /proc/self/mountinfo and /proc/self/cgroup. -1 (reported) when no
 * hierarchy has the memory controller. */
int cgroup_sys_detect(struct cgroup_sys *sys);
/* The same from the texts of those two files; the files of the hierarchies are
 * looked up under fsroot (NULL: "/"), as tests do with a recorded tree. */
int cgroup_sys_parse(struct cgroup_sys *sys, const char *mountinfo,
		     const char *self_cgroup, const char *fsroot);
void cgroup_sys_release(struct cgroup_sys *sys);
/* "v2", "v1", "v1+v2" (hybrid: memory in v1, pressure from v2) or "none". */
const char *cgroup_sys_name(const struct cgroup_sys *sys);

/* Where a job's cgroup goes.
 *   v1: inside our own cgroup (v1 lets a cgroup hold both processes and
 *       children, and a limit set on our cgroup still covers the job).
 *   v2: beside our own cgroup, when the parent hands memory to its children
 *       (memory in its cgroup.subtree_control) and we may write there (root;
 *       or an ordinary user inside its systemd user manager, which owns that
 *       subtree, as in a terminal's app-*.scope);
 *       inside our own cgroup when it is the root; or in our own cgroup when it
 *       is delegated to us (systemd-run --user --scope -p Delegate=yes):
 *       mprof, the only process there, first moves itself into a leaf
 *       (mprof-PID.self) and enables memory for the children, undone at the end. */
struct cgroup_place {
	char *parent; /* the directory the job's cgroup is made in */
	char *deleg;  /* delegated case: our own cgroup, gets +memory; else NULL */
	char *leaf;   /* delegated case: where mprof moves itself first; else NULL */
};

int cgroup_place_find(const struct cgroup_sys *sys, struct cgroup_place *pl);
void cgroup_place_release(struct cgroup_place *pl);

/* A job's cgroup, made by mprof. */
struct cgroup {
	enum cgroup_version version;
	char *path;           /* the memory cgroup */
	char *psi_path;       /* hybrid: its companion in the unified hierarchy; NULL */
	int procs_fd;         /* path/cgroup.procs, for cgroup_join_child; -1 */
	int psi_procs_fd;     /* psi_path/cgroup.procs; -1 */
	int dir_fd;           /* v2: the directory, for clone3(CLONE_INTO_CGROUP); -1 */
	uint64_t memory_max;  /* the limit set, 0 if none */
	const char *swap_off; /* how swap was turned off: "memory.swap.max" (v2),
			       * "memory.memsw.limit_in_bytes" (v1, swap in use and
			       * accounted), "memory.swappiness" (v1); NULL: it could not be */
	struct cgroup_place place;
	bool enabled_memory;  /* we wrote +memory to place.deleg's subtree_control */
	bool moved_self;      /* we moved ourselves into place.leaf */
};

/* Make a cgroup for a program that mprof is about to start, under the limit
 * memory_max (bytes; 0: none) with swap off for it. 0, or -1 with a message
 * that says why and what to run instead, and nothing left behind. */
int cgroup_create(struct cgroup *cg, const struct cgroup_sys *sys, uint64_t memory_max);
/* In the child, after fork or vfork and before exec: move the calling process
 * into the cgroup(s) by writing "0" to the cgroup.procs kept open. Uses only
 * write(2): async-signal-safe, and fit for a vfork child. 0, or -1 with errno.
 * On v2, clone3() with CLONE_INTO_CGROUP and cg->dir_fd does the same at birth
 * (Linux 5.7); a hybrid job still needs this call for its v1 cgroup. */
int cgroup_join_child(const struct cgroup *cg);
/* 1 if a live process is still in the job's cgroup, 0 if none, -1 (errno). */
int cgroup_populated(const struct cgroup *cg);
/* SIGKILL every process left in the cgroup (v2: cgroup.kill, Linux 5.14; else
 * one by one from cgroup.procs). 0, or -1 with errno. */
int cgroup_kill(const struct cgroup *cg);
/* Wait up to timeout seconds for the cgroup to empty, then kill what is left
 * (for up to 5 s more); remove the cgroup (and any the job made inside it, and the
 * companion), and undo what the delegated case did. Processes are never moved
 * out. 0, or -1 (reported; the message names what is left). *cg is released
 * either way; safe on a cgroup whose creation failed. */
int cgroup_remove(struct cgroup *cg, double timeout);

/* --- the per-sample reader (cgroup_read.c) --- */

/* The breakdown of the charge, from memory.stat, in bytes. shmem is part of
 * file; file_active + file_inactive is file less shmem (which the kernel keeps
 * on the anonymous lists). anon + file + kernel + sock is close to the charge
 * (v1: anon + file + kernel). */
struct cgroup_stat {
	uint64_t anon;          /* v2 anon; v1 total_rss */
	uint64_t file;          /* v2 file; v1 total_cache */
	uint64_t kernel;        /* v2 kernel (or its parts before 5.18); v1 memory.kmem.usage_in_bytes */
	uint64_t shmem;         /* v2 shmem; v1 total_shmem */
	uint64_t sock;          /* v2 sock; not on v1 */
	uint64_t file_active;   /* v2 active_file; v1 total_active_file */
	uint64_t file_inactive; /* v2 inactive_file; v1 total_inactive_file */
	uint64_t file_mapped;   /* v2 file_mapped; v1 total_mapped_file */
	uint64_t file_dirty;    /* v2 file_dirty; v1 total_dirty */
};

/* Counters of memory.events (v2, hierarchical). On v1: max is
 * memory.failcnt + memory.memsw.failcnt (times the usage hit the limit of
 * memory, or of memory+swap, which is checked first), oom_kill comes from
 * memory.oom_control, and under_oom is a state, not a count. */
struct cgroup_events {
	uint64_t low, high, max, oom, oom_kill, oom_group_kill;
	bool under_oom;
};

/* One line of a PSI file: share of wall time (percent) that some (or all)
 * tasks stalled on memory, over 10, 60 and 300 s, and the total in us. */
struct cgroup_psi {
	double avg10, avg60, avg300;
	uint64_t total_us;
};

struct cgroup_pressure {
	struct cgroup_psi some, full;
};

/* What a sample holds, and which optional parts the kernel gave. */
enum cgroup_part {
	CGROUP_CURRENT = 1u << 0,  /* current */
	CGROUP_STAT = 1u << 1,     /* stat */
	CGROUP_EVENTS = 1u << 2,   /* events */
	CGROUP_PRESSURE = 1u << 3, /* pressure */
	CGROUP_PEAK = 1u << 4,     /* peak */
	CGROUP_ALL = 0x1f,
	/* finer: parts of stat and events that not every kernel or version has */
	CGROUP_HAVE_KERNEL = 1u << 8,
	CGROUP_HAVE_SOCK = 1u << 9,
	CGROUP_HAVE_EV_HIGH = 1u << 10, /* also low, oom, oom_group_kill: v2 only */
	CGROUP_HAVE_EV_MAX = 1u << 11,
	CGROUP_HAVE_EV_OOM_KILL = 1u << 12,
};

struct cgroup_sample {
	unsigned have;          /* enum cgroup_part bits */
	uint64_t current;       /* v2 memory.current; v1 memory.usage_in_bytes */
	uint64_t peak;          /* v2 memory.peak (5.19); v1 memory.max_usage_in_bytes */
	struct cgroup_stat stat;
	struct cgroup_events events;
	struct cgroup_pressure pressure;
};

#define CGROUP_READ_BUF 16384

/* A cgroup's files, kept open. */
struct cgroup_reader {
	enum cgroup_version version;
	char *path;
	int current_fd, stat_fd, events_fd, failcnt_fd, memsw_failcnt_fd, kmem_fd, pressure_fd, peak_fd;
	char buf[CGROUP_READ_BUF];
};

/* Open the memory cgroup at path (psi_path: where its memory.pressure is, if
 * not there; NULL). Read-only: nothing is written. 0, or -1 (reported). */
int cgroup_reader_open(struct cgroup_reader *r, enum cgroup_version v,
		       const char *path, const char *psi_path);
void cgroup_reader_close(struct cgroup_reader *r);
/* Read the parts asked for (enum cgroup_part bits) into *s, which is
 * cleared first; s->have tells which parts were read. No allocation, no
 * message. 0, or -1 with errno (ENODEV: the cgroup was removed). */
int cgroup_read(struct cgroup_reader *r, unsigned parts, struct cgroup_sample *s);
/* Reset the peak (--reset-peak). v2: writes to a memory.peak opened for this
 * reader; the kernel (6.12) then counts from the current usage for this open
 * file only, other readers see no change. Older v2 kernels cannot (memory.peak
 * is read-only there). v1: memory.max_usage_in_bytes is one counter for every
 * reader; writing 0 resets it for all of them. 0, or -1 (reported). */
int cgroup_reader_reset_peak(struct cgroup_reader *r);

/* The event counters that went up between two samples: CGROUP_EV_* bits. */
enum cgroup_event_bit {
	CGROUP_EV_HIGH = 1u << 0,
	CGROUP_EV_MAX = 1u << 1,
	CGROUP_EV_OOM = 1u << 2,
	CGROUP_EV_OOM_KILL = 1u << 3,
};
unsigned cgroup_events_changed(const struct cgroup_events *before,
			       const struct cgroup_events *after);
/* "high", "max", "oom", "oom_kill" for one bit; NULL otherwise. */
const char *cgroup_event_name(unsigned bit);

/* open(dir/name, flags | O_CLOEXEC) */
int cgroup_open_in(const char *dir, const char *name, int flags);

/* Parsers of the files' texts (the reader uses them; exposed for tests).
 * 0, or -1 with errno EINVAL for a text that is not in the kernel's format. */
int cgroup_parse_u64(const char *text, uint64_t *v); /* a number, or "max" */
int cgroup_parse_stat(const char *text, enum cgroup_version v,
		      struct cgroup_stat *st, unsigned *have);
int cgroup_parse_events(const char *text, struct cgroup_events *ev, unsigned *have);
int cgroup_parse_oom_control(const char *text, struct cgroup_events *ev, unsigned *have);
int cgroup_parse_pressure(const char *text, struct cgroup_pressure *p);

/* --- finding a cgroup to attach to (cgroup_find.c) --- */

enum cgroup_by {
	CGROUP_BY_PATH,      /* a directory, or a path inside the hierarchy ("/system.slice/x") */
	CGROUP_BY_UNIT,      /* a systemd unit: NAME, NAME.service, NAME.scope, NAME.slice */
	CGROUP_BY_CONTAINER, /* a container id or its prefix: docker-ID.scope, libpod-ID.scope,
			      * crio-ID.scope, cri-containerd-ID.scope, /docker/ID, ... */
};

/* The cgroup's path inside the hierarchy mounted at mount ("/system.slice/x.service").
 * 0, or -1 (reported: not found, or several found, each named). */
int cgroup_find_unit(const char *mount, const char *name, char **rel);
int cgroup_find_container(const char *mount, const char *id, char **rel);
/* Resolve and open for reading (on a hybrid host, with the unit's pressure
 * from the unified hierarchy when it has the same cgroup). Read-only. */
int cgroup_attach(struct cgroup_reader *r, const struct cgroup_sys *sys,
		  enum cgroup_by by, const char *arg);

#endif
