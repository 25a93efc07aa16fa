#include "proctree.h"

#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

void pidvec_push(struct pidvec *pv, pid_t pid)
{
	XGROW(pv->v, pv->cap, pv->n + 1);
	pv->v[pv->n++] = pid;
}

static void pidvec_copy(struct pidvec *dst, const struct pidvec *src)
{
	XGROW(dst->v, dst->cap, src->n + 1);
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
}

void pidvec_release(struct pidvec *pv)
{
	free(pv->v);
	memset(pv, 0, sizeof(*pv));
}

#define REUSE_NS 1000000000ull

void proc_tree_init(struct proc_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->loadavg_fd = -1;
	t->reuse_ns = REUSE_NS;
}

static void node_close(struct proc_node *nd)
{
	if (nd->task_fd >= 0)
		close(nd->task_fd);
	if (nd->children_fd >= 0)
		close(nd->children_fd);
	nd->task_fd = nd->children_fd = -1;
}

void proc_tree_release(struct proc_tree *t)
{
	if (t->dir)
		closedir(t->dir);
	for (size_t i = 0; i < t->nnodes; i++)
		node_close(&t->nodes[i]);
	free(t->nodes);
	idxmap_release(&t->index);
	free(t->pairs);
	free(t->outside);
	free(t->scratch);
	if (t->cursor_state == PROC_CURSOR_ON)
		close(t->loadavg_fd);
	pidvec_release(&t->last);
	memset(t, 0, sizeof(*t));
}

static void probe_tree(struct proc_tree *t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	t->mode = access(path, R_OK) == 0 ? PROC_TREE_CHILDREN_FILES : PROC_TREE_SCAN;
}

/* Children files: /proc/P/task/T/children lists the children of thread T. */
static void children_of(pid_t pid, struct pidvec *out)
{
	char path[64];
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char name[64], buf[4096];
		const char *p = buf;
		uint64_t v;
		int fd;

		if (!str_all_digits(de->d_name) || strlen(de->d_name) > 20)
			continue;
		snprintf(name, sizeof(name), "task/%.20s/children", de->d_name);
		fd = proc_open_file(pid, name);
		if (fd < 0)
			continue;
		/* A very long list is cut at the buffer: those children are
		 * found again at the next sample. */
		if (pread_str(fd, buf, sizeof(buf)) > 0)
			while (proc_scan_u64(&p, &v))
				pidvec_push(out, (pid_t)v);
		close(fd);
	}
	closedir(d);
}

/* Kept open across walks: at most this many processes, and no more than an
 * eighth of the descriptors we may open (the sampler holds some per process
 * too). The rest are read by path each walk. */
#define MAX_NODES 512
#define CHECK_NS 1000000000ull

static void nodes_setup(struct proc_tree *t)
{
	struct rlimit rl;
	size_t max = MAX_NODES;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 8 < max)
		max = (size_t)(rl.rlim_cur / 8);
	t->max_nodes = max;
}

static struct proc_node *node_find(struct proc_tree *t, pid_t pid)
{
	struct idxmap_iter it;

	for (size_t i = idxmap_first(&t->index, idxmap_hash_pid(pid), &it); i != IDXMAP_NONE;
	     i = idxmap_next(&it))
		if (t->nodes[i].pid == pid)
			return &t->nodes[i];
	return NULL;
}

static void slot_insert(struct proc_tree *t, size_t i)
{
	idxmap_put(&t->index, idxmap_hash_pid(t->nodes[i].pid), i);
}

static bool node_open(struct proc_node *nd, pid_t pid)
{
	char path[64];

	nd->pid = pid;
	nd->children_fd = -1;
	nd->checked_ns = 0;
	nd->threads = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	nd->task_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (nd->task_fd < 0)
		return false;
	snprintf(path, sizeof(path), "%d/children", (int)pid);
	nd->children_fd = openat(nd->task_fd, path, O_RDONLY | O_CLOEXEC);
	if (nd->children_fd < 0) {
		node_close(nd);
		return false;
	}
	return true;
}

/* Its threads, from the link count of its task directory; 0 when the
 * process has been reaped (the files still name it, never a new process
 * that got its pid). */
static unsigned long node_threads(const struct proc_node *nd)
{
	struct stat st;

	if (fstat(nd->task_fd, &st) < 0 || st.st_nlink <= 2)
		return 0;
	return (unsigned long)st.st_nlink - 2;
}

/* children_of, with the files of the process kept open: one pread per
 * sample for a single-threaded process. Once a second, and at first sight,
 * a process has its threads counted and all their lists read; one with more
 * threads has them read every time. So a child forked by a thread born since
 * that check, or the children of a new process that took the pid of one
 * reaped since it (the open files name the old one), are found within a
 * second. */
static void children_cached(struct proc_tree *t, pid_t pid, uint64_t now, struct pidvec *out)
{
	struct proc_node *nd = node_find(t, pid);
	char buf[4096];
	const char *p = buf;
	uint64_t v;

	if (!nd) {
		if (t->nnodes >= t->max_nodes) {
			children_of(pid, out);
			return;
		}
		XGROW(t->nodes, t->capnodes, t->nnodes + 1);
		nd = &t->nodes[t->nnodes];
		if (!node_open(nd, pid))
			return; /* vanished */
		slot_insert(t, t->nnodes++);
	}
	nd->gen = t->gen;
	if (now - nd->checked_ns >= CHECK_NS) {
		nd->checked_ns = now;
		nd->threads = node_threads(nd);
		if (!nd->threads) {
			/* Reaped: the pid may now name a new process of the tree. */
			node_close(nd);
			if (node_open(nd, pid))
				nd->threads = node_threads(nd);
			nd->checked_ns = now;
		}
		children_of(pid, out);
		return;
	}
	if (nd->threads != 1) {
		children_of(pid, out);
		return;
	}
	/* A very long list is cut at the buffer, as in children_of. */
	if (pread_str(nd->children_fd, buf, sizeof(buf)) > 0)
		while (proc_scan_u64(&p, &v))
			pidvec_push(out, (pid_t)v);
}

/* Close the files of the processes the last walk did not list. */
static void nodes_sweep(struct proc_tree *t)
{
	size_t kept = 0;

	for (size_t i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].gen == t->gen)
			t->nodes[kept++] = t->nodes[i];
		else
			node_close(&t->nodes[i]);
	}
	if (kept == t->nnodes)
		return;
	t->nnodes = kept;
	idxmap_clear(&t->index);
	for (size_t i = 0; i < kept; i++)
		slot_insert(t, i);
}

#define FULL_PASS_NS 1000000000ull

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static bool pid_in(const pid_t *v, size_t n, pid_t pid)
{
	return bsearch(&pid, v, n, sizeof(*v), cmp_pid) != NULL;
}

/* One pass over /proc/N/stat: the (ppid, pid) pairs of every process but
 * the root and those known to be outside. */
static int scan_proc(struct proc_tree *t, pid_t root)
{
	struct dirent *de;

	if (!t->dir) {
		t->dir = opendir("/proc");
		if (!t->dir)
			return -1;
	} else {
		rewinddir(t->dir);
	}
	t->n = 0;
	while ((de = readdir(t->dir))) {
		char name[64], buf[512];
		const char *p;
		uint64_t ppid;
		long pid;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || parse_long(de->d_name, &pid) < 0)
			continue;
		if (pid == root || (t->nout && pid_in(t->outside, t->nout, (pid_t)pid)))
			continue;
		snprintf(name, sizeof(name), "%ld/stat", pid);
		fd = openat(dirfd((DIR *)t->dir), name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (pread_str(fd, buf, sizeof(buf)) <= 0) {
			close(fd);
			continue;
		}
		close(fd);
		p = proc_stat_fields(buf);
		if (!p)
			continue;
		p += 2;
		if (!proc_scan_u64(&p, &ppid))
			continue;
		XGROW(t->pairs, t->cap, t->n + 1);
		t->pairs[t->n].ppid = (pid_t)ppid;
		t->pairs[t->n].pid = (pid_t)pid;
		t->n++;
	}
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct proc_pair *x = a, *y = b;

	if (x->ppid != y->ppid)
		return x->ppid < y->ppid ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The first pair whose ppid is >= ppid. */
static size_t lower_bound(const struct proc_pair *v, size_t n, pid_t ppid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].ppid < ppid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Remember the processes of this pass that are not in the tree. */
static void note_outside(struct proc_tree *t, const struct pidvec *desc)
{
	size_t before = t->nout;

	XGROW(t->scratch, t->capscratch, desc->n + 1);
	if (desc->n) {
		memcpy(t->scratch, desc->v, desc->n * sizeof(*desc->v));
		qsort(t->scratch, desc->n, sizeof(*t->scratch), cmp_pid);
	}
	for (size_t i = 0; i < t->n; i++) {
		pid_t pid = t->pairs[i].pid;

		if (pid_in(t->scratch, desc->n, pid))
			continue;
		XGROW(t->outside, t->capout, t->nout + 1);
		t->outside[t->nout++] = pid;
	}
	if (t->nout != before)
		qsort(t->outside, t->nout, sizeof(*t->outside), cmp_pid);
}

/* Children-files mode, breadth first: out grows while we walk it. */
static void walk_children_files(struct proc_tree *t, pid_t root, uint64_t now, struct pidvec *out)
{
	if (!t->max_nodes)
		nodes_setup(t);
	t->gen++;
	children_cached(t, root, now, out);
	for (size_t i = 0; i < out->n; i++)
		children_cached(t, out->v[i], now, out);
	nodes_sweep(t);
}

/* Scan mode: a pass over /proc, then the tree from its (ppid, pid) pairs. */
static int walk_scan(struct proc_tree *t, pid_t root, uint64_t now, struct pidvec *out)
{
	if (root != t->root || now - t->full_ns >= FULL_PASS_NS) {
		t->root = root;
		t->full_ns = now;
		t->nout = 0;
	}
	if (scan_proc(t, root) < 0)
		return -1;
	if (t->n > 1)
		qsort(t->pairs, t->n, sizeof(*t->pairs), cmp_pair);
	for (size_t i = 0; i <= out->n; i++) {
		pid_t parent = i == 0 ? root : out->v[i - 1];

		for (size_t j = lower_bound(t->pairs, t->n, parent); j < t->n && t->pairs[j].ppid == parent; j++)
			pidvec_push(out, t->pairs[j].pid);
	}
	note_outside(t, out);
	return 0;
}

/* ---- reusing the last walk ---- */

bool proc_loadavg_last_pid(const char *text, uint64_t *pid)
{
	const char *p = text;
	uint64_t v;

	/* three load averages, running/total, the last pid */
	for (int i = 0; i < 4; i++) {
		size_t n = strcspn(p, " \n");

		if (!n || p[n] != ' ' || (i == 3 && !memchr(p, '/', n)))
			return false;
		p += n + 1;
	}
	if (!scan_u64(&p, &v) || (*p != '\n' && *p != '\0') || (*p && p[1]))
		return false;
	*pid = v;
	return true;
}

/* The last pid allocated, from /proc/loadavg, is that of the reader's pid
 * namespace. A process is created in its parent's namespace or in a new one
 * below it, and gets a pid in each namespace from there up: so when /proc is
 * our namespace's, every process it shows, and every descendant of one, was
 * created in our namespace or below, and moved our cursor. Were /proc an
 * ancestor's (mounted in a container), a tree could grow outside our
 * namespace with our cursor still: then every call walks. */
static void probe_cursor(struct proc_tree *t)
{
	char link[32], buf[128];
	ssize_t n = readlink("/proc/self", link, sizeof(link) - 1);
	long self;
	uint64_t v;

	t->cursor_state = PROC_CURSOR_OFF;
	if (n <= 0)
		return;
	link[n] = '\0';
	if (parse_long(link, &self) < 0 || self != (long)getpid())
		return;
	t->loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	if (t->loadavg_fd < 0)
		return;
	if (pread_str(t->loadavg_fd, buf, sizeof(buf)) <= 0 || !proc_loadavg_last_pid(buf, &v)) {
		close(t->loadavg_fd);
		t->loadavg_fd = -1;
		return;
	}
	t->cursor_state = PROC_CURSOR_ON;
}

static bool read_cursor(struct proc_tree *t, uint64_t *cursor)
{
	char buf[128];

	if (t->cursor_state == PROC_CURSOR_UNPROBED)
		probe_cursor(t);
	if (t->cursor_state != PROC_CURSOR_ON)
		return false;
	return pread_str(t->loadavg_fd, buf, sizeof(buf)) > 0 && proc_loadavg_last_pid(buf, cursor);
}

/* The last walk still holds when no pid was allocated since it began, nor
 * since the walk before it (a process forked just before a walk gets its pid
 * a moment before its parent lists it: the walk after the next one is sure
 * to see it), and no process of the tree was found ended. Within reuse_ns. */
static bool last_walk_holds(const struct proc_tree *t, pid_t root, bool known, uint64_t cursor,
			    uint64_t now)
{
	return known && t->have_last && t->cursor_known && t->settled && !t->changed &&
	       root == t->last_root && cursor == t->cursor && now - t->walk_ns < t->reuse_ns;
}

void proc_tree_changed(struct proc_tree *t)
{
	t->changed = true;
}

static int walk(struct proc_tree *t, pid_t root, uint64_t now, struct pidvec *out)
{
	if (t->mode == PROC_TREE_UNPROBED)
		probe_tree(t);
	if (t->mode == PROC_TREE_CHILDREN_FILES) {
		walk_children_files(t, root, now, out);
		return 0;
	}
	return walk_scan(t, root, now, out);
}

int proc_descendants(struct proc_tree *t, pid_t root, struct pidvec *out)
{
	uint64_t now = mono_ns(), cursor = 0;
	bool known = read_cursor(t, &cursor);
	int rc;

	out->n = 0;
	if (last_walk_holds(t, root, known, cursor, now)) {
		pidvec_copy(out, &t->last);
		return 0;
	}
	rc = walk(t, root, now, out);
	t->walks++;
	t->settled = known && t->cursor_known && cursor == t->cursor;
	t->cursor = cursor;
	t->cursor_known = known;
	t->changed = false;
	t->have_last = rc == 0;
	t->last_root = root;
	t->walk_ns = now;
	pidvec_copy(&t->last, out);
	return rc;
}
