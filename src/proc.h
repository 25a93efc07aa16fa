/* proc: what the sampler reads from Linux /proc.
 *
 * Files read often are opened once and read with pread (statm, smaps_rollup,
 * status). A process that has vanished is a false (or -1) return, never a
 * fatal error: the sampler races with processes that come and go. Optional
 * files (smaps_rollup, task/TID/children) are probed once.
 */
#ifndef MPROF_PROC_H
#define MPROF_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What a memory sample measures. */
enum proc_backend {
	PROC_RSS, /* resident set size, from statm */
	PROC_PSS, /* proportional set size, from smaps_rollup */
	PROC_USS, /* unique set size (private pages), from smaps_rollup */
};

const char *proc_backend_name(enum proc_backend b);
/* Does this kernel have /proc/PID/smaps_rollup (Linux 4.14)? Probed once. */
bool proc_have_smaps_rollup(void);

/* One watched process: its memory file kept open. */
struct proc_handle {
	pid_t pid;
	enum proc_backend backend;
	int fd;         /* statm (rss) or smaps_rollup (pss, uss) */
	int status_fd;  /* status, opened on the first proc_read_hwm */
};

/* 0, or -1 with errno (ENOENT/ESRCH: no such process; EACCES: not ours to read). */
int proc_open(struct proc_handle *h, pid_t pid, enum proc_backend backend);
void proc_close(struct proc_handle *h);
/* Current memory in bytes. It follows the process through exec. False when
 * the process has vanished (errno ESRCH), when it has no memory left to
 * measure (errno 0: a zombie, one that is ending, a kernel thread), or when
 * its memory cannot be read (errno: EACCES, ...). A process whose main
 * thread has ended before the others is read through another thread. */
bool proc_read_mem(struct proc_handle *h, uint64_t *bytes);
/* The kernel's high-water mark of the resident set (VmHWM), in bytes. False
 * when the process has vanished or is a zombie. */
bool proc_read_hwm(struct proc_handle *h, uint64_t *bytes);
/* VmHWM and the resident set (VmRSS) in one read, as of one moment. */
bool proc_read_hwm_rss(struct proc_handle *h, uint64_t *hwm, uint64_t *rss);

/* Small one-shot reads. */
bool proc_exists(pid_t pid);
/* A few fields of /proc/PID/stat; it is still there for a zombie. */
struct proc_stat {
	char state;          /* R, S, D, Z, T, ... */
	pid_t ppid;
	uint64_t cminflt;    /* page faults of the children it has reaped: 0 when it reaped none */
};
bool proc_read_stat(pid_t pid, struct proc_stat *st);
/* The command name (comm, at most 15 bytes). */
bool proc_read_comm(pid_t pid, char *buf, size_t cap);
/* The command line, arguments in *out (a NULL-terminated vector of owned
 * strings, to free with proc_free_argv). False for a vanished process or a
 * kernel thread. */
bool proc_read_cmdline(pid_t pid, char ***out);
void proc_free_argv(char **argv);
/* The first process (lowest pid) other than `self` whose command name
 * contains `name`; 0 if none. */
pid_t proc_find_by_name(const char *name, pid_t self);

/* The process tree below a root. Uses /proc/PID/task/TID/children where the
 * kernel has it, else a pass over /proc/N/stat. A pass reads the stat of new
 * processes and of the tree's own only: a process found outside the tree
 * stays outside (its children too), so it is skipped until the next full
 * pass, once a second (which also catches a pid reused meanwhile). */
struct proc_pair {
	pid_t ppid, pid;
};

/* A process of the tree seen in the last walk (children-files mode), its
 * files kept open from one walk to the next. */
struct proc_node {
	pid_t pid;
	int task_fd;         /* /proc/P/task: its link count is 2 + the threads */
	int children_fd;     /* /proc/P/task/P/children, the main thread's */
	uint32_t gen;        /* the walk that last listed it */
	unsigned long threads;
	uint64_t checked_ns; /* when its threads were last counted */
};

struct proc_tree {
	int mode;                 /* 0: not probed, 1: children files, 2: scan /proc */
	void *dir;                /* DIR * of /proc, kept open (scan mode) */
	pid_t root;               /* the root the cache below is for */
	uint64_t full_ns;         /* when the last full pass was (mono_ns) */
	struct proc_pair *pairs;  /* (ppid, pid) of the last pass */
	size_t n, cap;
	pid_t *outside;           /* pids known to be outside the tree, sorted */
	size_t nout, capout;
	pid_t *scratch;
	size_t capscratch;
	struct proc_node *nodes;  /* children-files mode: open files, by pid */
	size_t nnodes, capnodes, max_nodes;
	uint32_t *slots;          /* hash of pid to node index + 1; 0: empty */
	size_t nslots;            /* a power of two, at least 2 * max_nodes */
	uint32_t gen;
};

struct pidvec {
	pid_t *v;
	size_t n, cap;
};

void proc_tree_init(struct proc_tree *t);
void proc_tree_release(struct proc_tree *t);
/* All descendants of root (not root itself), parents before their children,
 * in *out (cleared first). Processes that vanish meanwhile are left out.
 * -1 (with errno) only when /proc cannot be read at all. */
int proc_descendants(struct proc_tree *t, pid_t root, struct pidvec *out);
void pidvec_push(struct pidvec *pv, pid_t pid);
void pidvec_release(struct pidvec *pv);

#endif
