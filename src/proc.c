#include "proc.h"

#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
bool proc_scan_u64(const char **p, uint64_t *out)
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
			if (!proc_scan_u64(&p, &v))
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

bool proc_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int proc_open_file(pid_t pid, const char *name)
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
 * error. So smaps_rollup is opened for every read: 5 us more on a read
 * that costs 26 us for a 1 MiB process, 12 us on 0.86 ms at 100 MiB (the
 * read walks the page tables). */
int proc_open(struct proc_handle *h, pid_t pid, enum proc_backend backend)
{
	h->pid = pid;
	h->backend = backend;
	h->status_fd = -1;
	h->fd = proc_open_file(pid, backend == PROC_RSS ? "statm" : "smaps_rollup");
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
	if (!proc_scan_u64(&p, &size) || !proc_scan_u64(&p, &resident))
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
		int fd = proc_open_file(pid, name), err;
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
	fd = proc_open_file(pid, name);
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

		if (!proc_all_digits(de->d_name) || parse_long(de->d_name, &tid) < 0 || tid == pid)
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
		h->status_fd = proc_open_file(h->pid, "status");
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
const char *proc_stat_fields(const char *buf)
{
	const char *p = strrchr(buf, ')');

	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return NULL;
	return p + 2;
}

bool proc_read_stat(pid_t pid, struct proc_stat *st)
{
	char buf[1024];
	int fd = proc_open_file(pid, "stat");
	long n;

	if (fd < 0)
		return false;
	n = pread_str(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && proc_parse_stat(buf, st);
}

bool proc_parse_stat(const char *buf, struct proc_stat *st)
{
	const char *p = proc_stat_fields(buf);
	uint64_t v;

	if (!p)
		return false;
	st->state = *p;
	p += 2;
	/* ppid pgrp session tty_nr tpgid flags minflt cminflt; tpgid may be -1 */
	for (int i = 0; i < 8; i++) {
		while (*p == ' ')
			p++;
		if (*p == '-')
			p++;
		if (!proc_scan_u64(&p, &v))
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
	int fd = proc_open_file(pid, name);

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
			XGROW(buf, cap, cap * 2);
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

bool proc_read_comm(pid_t pid, char *buf, size_t cap)
{
	char tmp[64];
	int fd = proc_open_file(pid, "comm");
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

		if (!proc_all_digits(de->d_name) || parse_long(de->d_name, &pid) < 0)
			continue;
		if (pid == self || (best && pid >= best))
			continue;
		if (name_matches((pid_t)pid, name))
			best = (pid_t)pid;
	}
	closedir(d);
	return best;
}
