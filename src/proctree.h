/* proctree: the process tree below a root, walked again at every sample.
 *
 * The cache that makes a walk cheap: in children-files mode, the files of
 * each process of the tree are kept open from one walk to the next (a hash
 * of pid to node); in scan mode, processes known to be outside the tree are
 * not read again until the next full pass. The files name a process, not its
 * program: they follow it through exec. And while no process has been
 * created since the last walk, and none of the tree has ended, that walk is
 * given again without reading the tree at all.
 */
#ifndef MPROF_PROCTREE_H
#define MPROF_PROCTREE_H

#include "idxmap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* How the tree is found; probed at the first walk. */
enum proc_tree_mode {
	PROC_TREE_UNPROBED,
	PROC_TREE_CHILDREN_FILES, /* /proc/P/task/T/children (Linux 3.5 with CONFIG_PROC_CHILDREN) */
	PROC_TREE_SCAN,           /* a pass over /proc/N/stat */
};

struct pidvec {
	pid_t *v;
	size_t n, cap;
};

/* Whether a walk may be reused (see proc_descendants); probed at the first. */
enum proc_cursor_state {
	PROC_CURSOR_UNPROBED,
	PROC_CURSOR_ON,  /* /proc/loadavg tells the last pid of our namespace */
	PROC_CURSOR_OFF, /* it cannot, or /proc is another namespace's: always walk */
};

struct proc_tree {
	enum proc_tree_mode mode;
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
	struct idxmap index;      /* pid -> index into nodes */
	uint32_t gen;
	/* The last walk, reused while no process can have joined or left the
	 * tree. */
	enum proc_cursor_state cursor_state;
	int loadavg_fd;           /* /proc/loadavg, kept open (cursor on) */
	uint64_t cursor;          /* the last pid allocated, read before the last walk */
	bool cursor_known;        /* it could be read then */
	bool settled;             /* it was the same before the walk before */
	bool changed;             /* proc_tree_changed since the last walk */
	bool have_last;           /* last holds the last walk's result, for last_root */
	pid_t last_root;
	uint64_t walk_ns;         /* when the last walk was (mono_ns) */
	uint64_t reuse_ns;        /* a walk is reused for less than this (1 s) */
	struct pidvec last;
	unsigned long walks;      /* walks made, not reused: for tests and benchmarks */
};

void proc_tree_init(struct proc_tree *t);
void proc_tree_release(struct proc_tree *t);
/* All descendants of root (not root itself), parents before their children,
 * in *out (cleared first). Processes that vanish meanwhile are left out.
 * -1 (with errno) only when /proc cannot be read at all.
 *
 * The last result is given again, for the cost of one read of /proc/loadavg,
 * while no pid has been allocated since the walk before it, nothing was
 * signalled with proc_tree_changed, and less than reuse_ns has passed: no
 * process can have joined the tree. One that left it, though, leaves its
 * children outside: the caller tells when it finds a process of the tree
 * ended (gone, or a zombie), and the next call walks. */
int proc_descendants(struct proc_tree *t, pid_t root, struct pidvec *out);
/* A process of the tree has ended: the next proc_descendants walks. */
void proc_tree_changed(struct proc_tree *t);
/* The last pid allocated, the last field of a /proc/loadavg text
 * ("0.00 0.01 0.05 1/123 4567\n"); false when the text is not like that. */
bool proc_loadavg_last_pid(const char *text, uint64_t *pid);
void pidvec_push(struct pidvec *pv, pid_t pid);
void pidvec_release(struct pidvec *pv);

#endif
