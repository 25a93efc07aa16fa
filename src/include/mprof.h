/* mprof.h: mark spans and instants in a program profiled by `mprof run`.
 *
 *     #include <mprof.h>
 *
 *     void load(void)
 *     {
 *             MPROF_SCOPE("load");         // a span until the end of the block
 *             ...
 *             mprof_mark("parsed");        // an instant marker
 *     }
 *
 *     mprof_begin("phase two"); ...; mprof_end();
 *
 * Each finished span becomes a bracket on `mprof plot`, each marker a line.
 * Spans nest per thread. Names and labels are recorded as given (any bytes
 * but a newline; a newline becomes a space; at most about 4000 bytes).
 *
 * Header only, for C99 and later and C++ (GCC or Clang on Linux). When the
 * program is not run by `mprof run` (MPROF_EVENTS is unset) each call costs a
 * load and a branch. Profiled, events go into a shared-memory ring
 * (MPROF_RING) without a system call, or, when it is full or absent, one
 * write(2) each to the FIFO (MPROF_EVENTS); a thread that used the FIFO keeps
 * to it. Build with -DMPROF_DISABLE to compile every call away.
 * Thread-safe and fork-safe. See mprof(1), INSTRUMENTING PROGRAMS, and the
 * event protocol in mprofile(5).
 */
#ifndef MPROF_H
#define MPROF_H

#if defined(MPROF_DISABLE) || !defined(__linux__) || !defined(__GNUC__)

static inline void mprof_begin(const char *name) { (void)name; }
static inline void mprof_end(void) {}
static inline void mprof_mark(const char *label) { (void)label; }
#define MPROF_SCOPE(name) ((void)(name))

#else

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- internals: names with a double underscore are not part of the API ---- */

#define MPROF__LINE_MAX 4096   /* an event line, newline included (PIPE_BUF: atomic) */
#define MPROF__WAIT_MS 1000    /* how long to wait for room in a full channel */

/* libc functions that strict -std=c99 hides (no _POSIX_C_SOURCE), bound by
 * name so that any feature macros the includer chose still work. */
struct mprof__timespec {
	long tv_sec;
	long tv_nsec;
};
extern int mprof__clock_gettime(int clk, struct mprof__timespec *ts) __asm__("clock_gettime");
extern long mprof__syscall(long nr, ...) __asm__("syscall");

/* Shared by every translation unit (weak: the linker keeps one copy).
 * mprof__fd: -2 not looked at yet, -1 not profiled, else the channel. */
__attribute__((weak)) int mprof__fd = -2;
__attribute__((weak)) int mprof__guard_fd = -1;

/* The ring (MPROF_RING): a file that mprof made and maps too. A header, then
 * nslots slots of MPROF__SLOT bytes. A writer reserves k consecutive slots
 * with a compare-and-swap on head, fills them, and commits each by storing its
 * position + 1 in seq (a continuation slot: with MPROF__SEQ_MORE set), the
 * first slot last. mprof reads committed events in order and moves tail on. */
#define MPROF__RING_MAGIC 0x4e52504du /* "MPRN" */
#define MPROF__SLOT 128
#define MPROF__SLOT_NAME 96   /* name bytes in an event's first slot */
#define MPROF__SLOT_MORE 120  /* name bytes in each further slot */
#define MPROF__RING_NAME_MAX 4000
#define MPROF__NO_NAME 0xffffu
#define MPROF__SEQ_MORE (1ull << 63)

struct mprof__ring {
	unsigned int magic, version, nslots, slot_size;
	char pad0[48];
	unsigned long long head; /* next position to reserve */
	char pad1[56];
	unsigned long long tail; /* next position mprof reads */
	char pad2[120];
};

struct mprof__slot {
	unsigned long long seq; /* position + 1 once committed */
	long long sec;          /* CLOCK_REALTIME */
	int pid, tid, nsec;
	unsigned short len;     /* name bytes, MPROF__NO_NAME: no name */
	unsigned char kind;     /* 'B', 'E' or 'M' */
	unsigned char nslots;   /* slots the event takes */
	char name[MPROF__SLOT_NAME];
};

__attribute__((weak)) struct mprof__ring *mprof__ring_p;
/* This thread's ids; 0 until first needed, cleared in a forked child. */
__attribute__((weak)) __thread int mprof__fifo_only; /* this thread fell back to the FIFO */
__attribute__((weak)) __thread long mprof__pid;
__attribute__((weak)) __thread long mprof__tid;

static inline char *mprof__put_ulong(char *p, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Where to cut a name truncated at p so that it does not end inside a UTF-8
 * sequence. */
static inline char *mprof__utf8_cut(char *start, char *p)
{
	char *q = p;
	int cont = 0, need;
	unsigned char c;

	while (q > start && cont < 3 && ((unsigned char)q[-1] & 0xc0) == 0x80)
		q--, cont++;
	if (q == start)
		return p;
	c = (unsigned char)q[-1];
	need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	return c >= 0xc0 && cont < need ? q - 1 : p;
}

/* Format "K pid tid sec.usec[ name]\n" into buf (MPROF__LINE_MAX bytes).
 * A NULL name writes no name field. Returns the length. */
static inline size_t mprof__format(char *buf, char kind, long pid, long tid, long sec, long usec,
				   const char *name)
{
	char *p = buf, *end = buf + MPROF__LINE_MAX - 1;

	*p++ = kind;
	*p++ = ' ';
	p = mprof__put_ulong(p, (unsigned long)pid);
	*p++ = ' ';
	p = mprof__put_ulong(p, (unsigned long)tid);
	*p++ = ' ';
	p = mprof__put_ulong(p, (unsigned long)sec);
	*p++ = '.';
	for (long d = 100000; d; d /= 10)
		*p++ = (char)('0' + usec / d % 10);
	if (name) {
		const char *s = *name ? name : "?";
		char *start;

		*p++ = ' ';
		start = p;
		while (*s && p < end)
			*p++ = *s == '\n' ? ' ' : *s, s++;
		if (*s)
			p = mprof__utf8_cut(start, p);
	}
	*p++ = '\n';
	return (size_t)(p - buf);
}

/* Write one event line. 0 on success; -1 when the channel is gone or has been
 * full for MPROF__WAIT_MS (mprof stopped reading), then the caller gives up. */
static inline int mprof__send(int fd, const char *buf, size_t len)
{
	for (;;) {
		ssize_t n = write(fd, buf, len);
		struct pollfd pfd;

		if (n == (ssize_t)len)
			return 0;
		if (n >= 0 || (errno != EINTR && errno != EAGAIN))
			return -1; /* a pipe write of <= PIPE_BUF bytes is never short */
		if (errno == EINTR)
			continue;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, MPROF__WAIT_MS) <= 0)
			return -1;
	}
}

/* Open the channel named by path. Returns the write end, non-blocking and
 * close-on-exec, or -1 (nobody reads it: not profiled). *guard gets a read end
 * that this process keeps and never reads: with it, a write after mprof went
 * away fills the pipe and fails instead of raising SIGPIPE. */
static inline int mprof__open(const char *path, int *guard)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK);

	*guard = -1;
	if (fd < 0)
		return -1;
	*guard = open(path, O_RDONLY | O_NONBLOCK);
	if (*guard < 0) {
		close(fd);
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(*guard, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Map the ring named by MPROF_RING, or NULL. */
static inline struct mprof__ring *mprof__ring_map(void)
{
	const char *path = getenv("MPROF_RING");
	struct mprof__ring *r;
	struct stat st;
	void *m;
	int fd;

	if (!path || !*path)
		return NULL;
	fd = open(path, O_RDWR); /* closed at once: nothing to inherit */
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(struct mprof__ring)) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	r = (struct mprof__ring *)m;
	if (r->magic != MPROF__RING_MAGIC || r->slot_size != MPROF__SLOT || !r->nslots ||
	    (r->nslots & (r->nslots - 1)) ||
	    (size_t)st.st_size < sizeof(*r) + (size_t)r->nslots * MPROF__SLOT) {
		munmap(m, (size_t)st.st_size);
		return NULL;
	}
	return r;
}

/* Put an event in the ring. 0, or -1 when it is full. */
static inline int mprof__ring_put(struct mprof__ring *r, char kind, const struct mprof__timespec *ts,
				  const char *name)
{
	struct mprof__slot *base = (struct mprof__slot *)(r + 1), *sl;
	unsigned long long head, pos, mask = r->nslots - 1;
	size_t len = 0, k = 1, i, off;

	if (name) {
		len = strlen(name);
		if (len > MPROF__RING_NAME_MAX)
			len = (size_t)(mprof__utf8_cut((char *)name, (char *)name + MPROF__RING_NAME_MAX) -
				       name);
		if (len > MPROF__SLOT_NAME)
			k += (len - MPROF__SLOT_NAME + MPROF__SLOT_MORE - 1) / MPROF__SLOT_MORE;
	}
	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	for (;;) {
		unsigned long long tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

		if ((long long)(head - tail) < 0) {
			head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
			continue;
		}
		if (head - tail + k > r->nslots)
			return -1;
		if (__atomic_compare_exchange_n(&r->head, &head, head + k, 1, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
	}
	pos = head;
	off = len < MPROF__SLOT_NAME ? len : MPROF__SLOT_NAME;
	for (i = 1; i < k; i++) {
		size_t n = len - off < MPROF__SLOT_MORE ? len - off : MPROF__SLOT_MORE;

		sl = base + ((pos + i) & mask);
		memcpy((char *)sl + sizeof(sl->seq), name + off, n);
		off += n;
		__atomic_store_n(&sl->seq, (pos + i + 1) | MPROF__SEQ_MORE, __ATOMIC_RELEASE);
	}
	sl = base + (pos & mask);
	sl->sec = ts->tv_sec;
	sl->nsec = (int)ts->tv_nsec;
	sl->pid = (int)mprof__pid;
	sl->tid = (int)mprof__tid;
	sl->len = (unsigned short)(name ? len : MPROF__NO_NAME);
	sl->kind = (unsigned char)kind;
	sl->nslots = (unsigned char)k;
	if (name)
		memcpy(sl->name, name, len < MPROF__SLOT_NAME ? len : MPROF__SLOT_NAME);
	__atomic_store_n(&sl->seq, pos + 1, __ATOMIC_RELEASE);
	return 0;
}

static inline void mprof__forked_child(void)
{
	mprof__pid = 0;
	mprof__tid = 0;
}

static __attribute__((noinline, unused)) int mprof__init(void)
{
	const char *path = getenv("MPROF_EVENTS");
	int guard = -1, fd = -1, expected = -2, saved_errno = errno;

	if (path && *path)
		fd = mprof__open(path, &guard);
	if (fd >= 0) {
		/* The ring is published before the channel, so that a thread that
		 * sees the channel sees the ring too. */
		struct mprof__ring *r = mprof__ring_map(), *none = NULL;

		if (r && !__atomic_compare_exchange_n(&mprof__ring_p, &none, r, 0, __ATOMIC_ACQ_REL,
						      __ATOMIC_ACQUIRE))
			munmap(r, sizeof(*r) + (size_t)r->nslots * MPROF__SLOT);
	}
	if (!__atomic_compare_exchange_n(&mprof__fd, &expected, fd < 0 ? -1 : fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* another thread got there first */
		if (fd >= 0) {
			close(fd);
			close(guard);
		}
		errno = saved_errno;
		return expected;
	}
	if (fd >= 0) {
		mprof__guard_fd = guard;
		pthread_atfork(NULL, NULL, mprof__forked_child);
	}
	errno = saved_errno;
	return fd < 0 ? -1 : fd;
}

static __attribute__((noinline, cold, unused)) void mprof__fifo_event(int fd, char kind,
									const struct mprof__timespec *ts,
									const char *name)
{
	char buf[MPROF__LINE_MAX];
	size_t len = mprof__format(buf, kind, mprof__pid, mprof__tid, ts->tv_sec, ts->tv_nsec / 1000,
				   name);

	/* mprof is gone: stop sending, for good. The descriptors stay open, as
	 * another thread may be writing to them: closed, their numbers could be
	 * reused for one of the program's files. */
	if (mprof__send(fd, buf, len) < 0)
		__atomic_store_n(&mprof__fd, -1, __ATOMIC_RELEASE);
}

static __attribute__((noinline, unused)) void mprof__event(char kind, const char *name)
{
	int fd = __atomic_load_n(&mprof__fd, __ATOMIC_ACQUIRE);
	int saved_errno = errno;
	struct mprof__ring *r;
	struct mprof__timespec ts;

	if (fd == -2)
		fd = mprof__init();
	if (fd < 0)
		return;
	if (!mprof__pid) {
		mprof__pid = (long)getpid();
		mprof__tid = mprof__syscall(SYS_gettid);
	}
	if (name && !*name)
		name = "?";
	mprof__clock_gettime(0 /* CLOCK_REALTIME */, &ts);
	/* Once a thread has used the FIFO (the ring was full), it keeps to it:
	 * mprof reads the FIFO before the ring, so a thread's events stay in
	 * order. */
	r = __atomic_load_n(&mprof__ring_p, __ATOMIC_ACQUIRE);
	if (r && !mprof__fifo_only && mprof__ring_put(r, kind, &ts, name) == 0)
		return;
	if (r)
		mprof__fifo_only = 1;
	mprof__fifo_event(fd, kind, &ts, name);
	errno = saved_errno;
}

/* ---- the API ---- */

/* Begin a span named name, nested in the spans open in this thread. */
static inline void mprof_begin(const char *name)
{
	if (__builtin_expect(__atomic_load_n(&mprof__fd, __ATOMIC_RELAXED) == -1, 1))
		return;
	mprof__event('B', name ? name : "?");
}

/* End the innermost span open in this thread. */
static inline void mprof_end(void)
{
	if (__builtin_expect(__atomic_load_n(&mprof__fd, __ATOMIC_RELAXED) == -1, 1))
		return;
	mprof__event('E', NULL);
}

/* Record an instant marker. */
static inline void mprof_mark(const char *label)
{
	if (__builtin_expect(__atomic_load_n(&mprof__fd, __ATOMIC_RELAXED) == -1, 1))
		return;
	mprof__event('M', label ? label : "?");
}

/* End the innermost span of this thread named name (and any left open in it). */
static inline void mprof__end_named(const char *const *name)
{
	if (__builtin_expect(__atomic_load_n(&mprof__fd, __ATOMIC_RELAXED) == -1, 1))
		return;
	mprof__event('E', *name ? *name : "?");
}

static inline const char *mprof__scope_begin(const char *name)
{
	mprof_begin(name);
	return name;
}

#define MPROF__CAT2(a, b) a##b
#define MPROF__CAT(a, b) MPROF__CAT2(a, b)
/* A span from here to the end of the enclosing block, however it is left. */
#define MPROF_SCOPE(name)                                                             \
	__attribute__((cleanup(mprof__end_named), unused)) const char *const MPROF__CAT( \
		mprof__scope_, __LINE__) = mprof__scope_begin(name)

#ifdef __cplusplus
}
#endif

#endif /* MPROF_DISABLE */
#endif /* MPROF_H */
