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

#define STATUS_BUF 4096
#define ROLLUP_BUF 4096

static const char *const backend_names[] = {
	[PROC_RSS] = "rss",
	[PROC_PSS] = "pss",
	[PROC_USS] = "uss",
};

const char *proc_backend_name(enum proc_backend b)
{
	return backend_names[b];
}

bool proc_have_smaps_rollup(void)
{
	static int have = -1;

	if (have < 0)
		have = access("/proc/self/smaps_rollup", R_OK) == 0;
	return have;
}

static uint64_t page_size(void)
{
	static uint64_t ps;

	if (!ps) {
		long v = sysconf(_SC_PAGESIZE);

		ps = v > 0 ? (uint64_t)v : 4096;
	}
	return ps;
}

/* Parse an unsigned decimal at *p, skipping leading blanks; advance *p.
 * False when there is no digit. */
static bool scan_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	*p = s;
	*out = v;
	return true;
}

/* The value in kB of the line "key:   123 kB" in a /proc key-value file,
 * in bytes. key includes the colon. */
static bool kv_bytes(const char *buf, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	const char *p = buf;
	uint64_t v;

	for (;;) {
		if (strncmp(p, key, kl) == 0) {
			p += kl;
			if (!scan_u64(&p, &v))
				return false;
			*out = v * 1024;
			return true;
		}
		p = strchr(p, '\n');
		if (!p)
			return false;
		p++;
	}
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int open_proc_file(pid_t pid, const char *name)
{
	char path[128];

	if ((size_t)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* statm is read through the task, so a descriptor kept open follows the
 * process through exec. smaps_rollup is not: it pins the address space it
 * was opened on. After an exec that one is gone (reads fail with ESRCH), or,
 * when it was shared (a child between vfork or posix_spawn and its exec),
 * it lives on as the parent's and reads give the parent's memory, with no
 * error. So smaps_rollup is opened for every read: 3.5 us more on a read
 * that costs 28 us for a 1 MiB process, 0.8 ms at 100 MiB (its page walk). */
int proc_open(struct proc_handle *h, pid_t pid, enum proc_backend backend)
{
	h->pid = pid;
	h->backend = backend;
	h->status_fd = -1;
	h->fd = open_proc_file(pid, backend == PROC_RSS ? "statm" : "smaps_rollup");
	if (backend == PROC_RSS)
		return h->fd < 0 ? -1 : 0;
	/* smaps_rollup: it is there (ESRCH: there without memory, a zombie);
	 * it will be opened at each read */
	if (h->fd < 0)
		return errno == ESRCH ? 0 : -1;
	close(h->fd);
	h->fd = -1;
	return 0;
}

void proc_close(struct proc_handle *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->status_fd >= 0)
		close(h->status_fd);
	h->fd = h->status_fd = -1;
}

static bool read_statm(int fd, uint64_t *bytes)
{
	char buf[256];
	const char *p = buf;
	uint64_t size, resident;

	if (pread_str(fd, buf, sizeof(buf)) <= 0)
		return false;
	if (!scan_u64(&p, &size) || !scan_u64(&p, &resident))
		return false;
	if (size == 0) { /* no address space: a zombie */
		errno = 0;
		return false;
	}
	*bytes = resident * page_size();
	return true;
}

/* Pss or USS from a smaps_rollup text. */
static bool parse_rollup(const char *buf, enum proc_backend backend, uint64_t *bytes)
{
	uint64_t clean, dirty, huge = 0;

	if (backend == PROC_PSS)
		return kv_bytes(buf, "Pss:", bytes);
	if (!kv_bytes(buf, "Private_Clean:", &clean) || !kv_bytes(buf, "Private_Dirty:", &dirty))
		return false;
	kv_bytes(buf, "Private_Hugetlb:", &huge);
	*bytes = clean + dirty + huge;
	return true;
}

/* smaps_rollup, opened afresh (see proc_open). A pid that is gone is ESRCH;
 * one that is there without memory (a zombie, a kernel thread, a thread
 * group whose main thread has ended) is errno 0: the kernel refuses the open
 * (Linux 6.x) or the read (older) with ESRCH. A read that meets an exec
 * half-way (the file opened on the address space being replaced) is tried
 * once more. */
static bool read_rollup(pid_t pid, const char *name, enum proc_backend backend, uint64_t *bytes)
{
	char buf[ROLLUP_BUF];

	for (int tries = 0; tries < 2; tries++) {
		int fd = open_proc_file(pid, name), err;
		long n;

		if (fd < 0) {
			if (errno == ESRCH)
				errno = 0;
			else if (errno == ENOENT)
				errno = ESRCH;
			return false;
		}
		n = pread_str(fd, buf, sizeof(buf));
		err = errno;
		close(fd);
		if (n >= 0) {
			errno = 0; /* empty, without the fields: no memory */
			return parse_rollup(buf, backend, bytes);
		}
		if (err != ESRCH) {
			errno = err;
			return false;
		}
	}
	errno = 0;
	return false;
}

/* The memory as the files of one thread show it: dir is "" for the
 * process's own, or "task/TID/". */
static bool read_mem_at(pid_t pid, const char *dir, enum proc_backend backend, uint64_t *bytes)
{
	char name[96];
	int fd, err;
	bool ok;

	snprintf(name, sizeof(name), "%.64s%s", dir, backend == PROC_RSS ? "statm" : "smaps_rollup");
	if (backend != PROC_RSS)
		return read_rollup(pid, name, backend, bytes);
	fd = open_proc_file(pid, name);
	if (fd < 0)
		return false;
	ok = read_statm(fd, bytes);
	err = errno;
	close(fd);
	errno = err;
	return ok;
}

/* A process whose main thread has ended before the others (pthread_exit in
 * main) has no memory in its own files, but its other threads show it. */
static bool read_mem_other_thread(pid_t pid, enum proc_backend backend, uint64_t *bytes)
{
	char path[64];
	struct dirent *de;
	bool ok = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && !ok && (de = readdir(d))) {
		char dir[64];
		long tid;

		if (!all_digits(de->d_name) || parse_long(de->d_name, &tid) < 0 || tid == pid)
			continue;
		snprintf(dir, sizeof(dir), "task/%ld/", tid);
		ok = read_mem_at(pid, dir, backend, bytes);
	}
	if (d)
		closedir(d);
	if (!ok)
		errno = 0;
	return ok;
}

bool proc_read_mem(struct proc_handle *h, uint64_t *bytes)
{
	bool ok;

	if (h->backend != PROC_RSS) {
		ok = read_rollup(h->pid, "smaps_rollup", h->backend, bytes);
	} else if (h->fd >= 0) {
		ok = read_statm(h->fd, bytes);
	} else {
		errno = ESRCH;
		return false;
	}
	if (ok || errno)
		return ok;
	return read_mem_other_thread(h->pid, h->backend, bytes);
}

static bool read_status(struct proc_handle *h, char *buf, size_t cap)
{
	if (h->status_fd < 0) {
		h->status_fd = open_proc_file(h->pid, "status");
		if (h->status_fd < 0)
			return false;
	}
	return pread_str(h->status_fd, buf, cap) > 0;
}

bool proc_read_hwm(struct proc_handle *h, uint64_t *bytes)
{
	char buf[STATUS_BUF];

	return read_status(h, buf, sizeof(buf)) && kv_bytes(buf, "VmHWM:", bytes);
}

bool proc_read_hwm_rss(struct proc_handle *h, uint64_t *hwm, uint64_t *rss)
{
	char buf[STATUS_BUF];

	return read_status(h, buf, sizeof(buf)) && kv_bytes(buf, "VmHWM:", hwm) && kv_bytes(buf, "VmRSS:", rss);
}

bool proc_exists(pid_t pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return pid > 0 && access(path, F_OK) == 0;
}

/* "pid (comm) S ppid ...": comm may hold any byte, even ')', so the fields
 * start after the last ')'. Returns a pointer to the state, or NULL. */
static const char *stat_fields(const char *buf)
{
	const char *p = strrchr(buf, ')');

	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return NULL;
	return p + 2;
}

bool proc_read_stat(pid_t pid, struct proc_stat *st)
{
	char buf[1024];
	const char *p;
	uint64_t v;
	int fd = open_proc_file(pid, "stat");
	long n;

	if (fd < 0)
		return false;
	n = pread_str(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || !(p = stat_fields(buf)))
		return false;
	st->state = *p;
	p += 2;
	/* ppid pgrp session tty_nr tpgid flags minflt cminflt; tpgid may be -1 */
	for (int i = 0; i < 8; i++) {
		while (*p == ' ')
			p++;
		if (*p == '-')
			p++;
		if (!scan_u64(&p, &v))
			return false;
		if (i == 0)
			st->ppid = (pid_t)v;
	}
	st->cminflt = v;
	return true;
}

/* Read a whole small /proc file into a fresh buffer; its length in *len. */
static char *slurp(pid_t pid, const char *name, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	int fd = open_proc_file(pid, name);

	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t k = read(fd, buf + n, cap - n - 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (cap - n < 2)
			xgrow((void **)&buf, &cap, cap * 2, 1);
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

bool proc_read_comm(pid_t pid, char *buf, size_t cap)
{
	char tmp[64];
	int fd = open_proc_file(pid, "comm");
	long n;

	if (fd < 0)
		return false;
	n = pread_str(fd, tmp, sizeof(tmp));
	close(fd);
	if (n <= 0)
		return false;
	if (tmp[n - 1] == '\n')
		tmp[--n] = '\0';
	snprintf(buf, cap, "%s", tmp);
	return true;
}

bool proc_read_cmdline(pid_t pid, char ***out)
{
	struct strvec sv = { 0 };
	size_t len;
	char *buf = slurp(pid, "cmdline", &len);

	if (!buf)
		return false;
	for (size_t i = 0; i < len;) {
		size_t l = strnlen(buf + i, len - i);

		strvec_push_nodup(&sv, xstrndup(buf + i, l));
		i += l + 1;
	}
	free(buf);
	if (!sv.n)
		return false;
	*out = sv.v;
	return true;
}

void proc_free_argv(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* Does the process's name contain `name`? Its name is its comm, or, when comm
 * was cut to 15 bytes, the base name of its first argument (as psutil does). */
static bool name_matches(pid_t pid, const char *name)
{
	char comm[64];
	char **argv = NULL;
	bool match = false;

	if (!proc_read_comm(pid, comm, sizeof(comm)))
		return false;
	if (strstr(comm, name))
		return true;
	if (strlen(comm) >= 15 && proc_read_cmdline(pid, &argv)) {
		const char *base = strrchr(argv[0], '/');

		base = base ? base + 1 : argv[0];
		match = str_starts_with(base, comm) && strstr(base, name);
		proc_free_argv(argv);
	}
	return match;
}

pid_t proc_find_by_name(const char *name, pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t best = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		long pid;

		if (!all_digits(de->d_name) || parse_long(de->d_name, &pid) < 0)
			continue;
		if (pid == self || (best && pid >= best))
			continue;
		if (name_matches((pid_t)pid, name))
			best = (pid_t)pid;
	}
	closedir(d);
	return best;
}

/* ---- the process tree ---- */

void pidvec_push(struct pidvec *pv, pid_t pid)
{
	xgrow((void **)&pv->v, &pv->cap, pv->n + 1, sizeof(*pv->v));
	pv->v[pv->n++] = pid;
}

void pidvec_release(struct pidvec *pv)
{
	free(pv->v);
	memset(pv, 0, sizeof(*pv));
}

void proc_tree_init(struct proc_tree *t)
{
	memset(t, 0, sizeof(*t));
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
	free(t->slots);
	free(t->pairs);
	free(t->outside);
	free(t->scratch);
	memset(t, 0, sizeof(*t));
}

static void probe_tree(struct proc_tree *t)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	t->mode = access(path, R_OK) == 0 ? 1 : 2;
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

		if (!all_digits(de->d_name) || strlen(de->d_name) > 20)
			continue;
		snprintf(name, sizeof(name), "task/%.20s/children", de->d_name);
		fd = open_proc_file(pid, name);
		if (fd < 0)
			continue;
		/* A very long list is cut at the buffer: those children are
		 * found again at the next sample. */
		if (pread_str(fd, buf, sizeof(buf)) > 0)
			while (scan_u64(&p, &v))
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
	t->nslots = 16;
	while (t->nslots < 2 * max)
		t->nslots *= 2;
	t->slots = xmalloc(t->nslots * sizeof(*t->slots));
	memset(t->slots, 0, t->nslots * sizeof(*t->slots));
}

static size_t slot_of(const struct proc_tree *t, pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (t->nslots - 1);
}

static struct proc_node *node_find(struct proc_tree *t, pid_t pid)
{
	for (size_t s = slot_of(t, pid);; s = (s + 1) & (t->nslots - 1)) {
		uint32_t k = t->slots[s];

		if (!k)
			return NULL;
		if (t->nodes[k - 1].pid == pid)
			return &t->nodes[k - 1];
	}
}

static void slot_insert(struct proc_tree *t, size_t i)
{
	size_t s = slot_of(t, t->nodes[i].pid);

	while (t->slots[s])
		s = (s + 1) & (t->nslots - 1);
	t->slots[s] = (uint32_t)i + 1;
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
		xgrow((void **)&t->nodes, &t->capnodes, t->nnodes + 1, sizeof(*t->nodes));
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
		while (scan_u64(&p, &v))
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
	memset(t->slots, 0, t->nslots * sizeof(*t->slots));
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
		p = stat_fields(buf);
		if (!p)
			continue;
		p += 2;
		if (!scan_u64(&p, &ppid))
			continue;
		xgrow((void **)&t->pairs, &t->cap, t->n + 1, sizeof(*t->pairs));
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

	xgrow((void **)&t->scratch, &t->capscratch, desc->n + 1, sizeof(*t->scratch));
	if (desc->n) {
		memcpy(t->scratch, desc->v, desc->n * sizeof(*desc->v));
		qsort(t->scratch, desc->n, sizeof(*t->scratch), cmp_pid);
	}
	for (size_t i = 0; i < t->n; i++) {
		pid_t pid = t->pairs[i].pid;

		if (pid_in(t->scratch, desc->n, pid))
			continue;
		xgrow((void **)&t->outside, &t->capout, t->nout + 1, sizeof(*t->outside));
		t->outside[t->nout++] = pid;
	}
	if (t->nout != before)
		qsort(t->outside, t->nout, sizeof(*t->outside), cmp_pid);
}

int proc_descendants(struct proc_tree *t, pid_t root, struct pidvec *out)
{
	uint64_t now = mono_ns();

	out->n = 0;
	if (!t->mode)
		probe_tree(t);
	if (t->mode == 1) {
		/* Breadth first: out grows while we walk it. */
		if (!t->slots)
			nodes_setup(t);
		t->gen++;
		children_cached(t, root, now, out);
		for (size_t i = 0; i < out->n; i++)
			children_cached(t, out->v[i], now, out);
		nodes_sweep(t);
		return 0;
	}
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
