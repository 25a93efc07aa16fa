/* proctree: the process tree below a root, walked again at every sample.
 *
 * The cache that makes a walk cheap: in children-files mode, the files of
 * each process of the tree are kept open from one walk to the next (a hash
 * of pid to node); in scan mode, processes known to be outside the tree are
 * not read again until the next full pass. The files name a process, not its
 * program: they follow it through exec.
 */
#ifndef MPROF_PROCTREE_H
#define MPROF_PROCTREE_H

#include "idxmap.h"

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
