/* The shared-memory ring of <mprof.h> (ring.h): what programs write to it
 * reaches the event parser whole and in order, with the FIFO as fallback. */
#include "testlib.h"
#include "channel.h"
#include "events.h"
#include "profile.h"
#include "ring.h"
#include "util.h"

#include "include/mprof.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static double fake_mem(void *ctx)
{
	return *(double *)ctx;
}

/* A channel (FIFO and ring) with a parser writing a profile. */
struct rt {
	char *dir, *dat;
	struct events_channel ch;
	struct profile_writer w;
	struct events *ev;
	double mem;
};

static void rt_open(struct rt *t)
{
	memset(t, 0, sizeof(*t));
	t->dir = tl_tmpdir();
	t->dat = tl_path(t->dir, "p.dat");
	t->mem = 7.0;
	ck_assert_int_eq(events_channel_open(&t->ch), 0);
	ck_assert_ptr_nonnull(t->ch.ring);
	ck_assert_str_eq(getenv(MPROF_RING_ENV), ring_path(t->ch.ring));
	ck_assert_int_eq(setenv(MPROF_EVENTS_ENV, t->ch.path, 1), 0);
	ck_assert_int_eq(profile_writer_open(&t->w, t->dat, PROFILE_CREATE), 0);
	t->ev = events_new(&t->w);
}

static void rt_drain(struct rt *t, bool final)
{
	ck_assert_int_ge(ring_drain(t->ch.ring, t->ev, t->ch.rfd, fake_mem, &t->mem, final), 0);
}

/* Drain while the child pid runs (or only once it has ended), then once
 * more, finally. Its exit status. */
static int rt_wait(struct rt *t, pid_t pid, bool meanwhile)
{
	int status;

	if (!meanwhile)
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	while (meanwhile && waitpid(pid, &status, WNOHANG) == 0) {
		rt_drain(t, false);
		usleep(1000);
	}
	rt_drain(t, false);
	rt_drain(t, true);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The profile written; the dropped events in *dropped. */
static char *rt_close(struct rt *t, unsigned long *dropped)
{
	char *text;

	error_set_quiet(true);
	events_finish(t->ev, 100.0, 42.0);
	error_set_quiet(false);
	*dropped = events_dropped(t->ev);
	events_free(t->ev);
	ck_assert_int_eq(profile_writer_close(&t->w), 0);
	text = tl_read_file(t->dat, NULL);
	ck_assert_ptr_nonnull(text);
	events_channel_close(&t->ch);
	ck_assert_ptr_null(getenv(MPROF_RING_ENV));
	unsetenv(MPROF_EVENTS_ENV);
	tl_rmrf(t->dir);
	free(t->dat);
	free(t->dir);
	return text;
}

/* Lines of text that start with prefix and end with suffix. */
static long count_lines(const char *text, const char *prefix, const char *suffix)
{
	long n = 0;
	size_t pl = strlen(prefix), sl = strlen(suffix);

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len >= pl + sl && !strncmp(p, prefix, pl) && !strncmp(p + len - sl, suffix, sl))
			n++;
		p += len + (nl != NULL);
	}
	return n;
}

/* The layout <mprof.h> writes is the one ring.c reads. */
START_TEST(test_layout)
{
	ck_assert_uint_eq(sizeof(struct mprof__ring), 256);
	ck_assert_uint_eq(offsetof(struct mprof__ring, head), 64);
	ck_assert_uint_eq(offsetof(struct mprof__ring, tail), 128);
	ck_assert_uint_eq(sizeof(struct mprof__slot), MPROF__SLOT);
	ck_assert_uint_eq(offsetof(struct mprof__slot, sec), 8);
	ck_assert_uint_eq(offsetof(struct mprof__slot, pid), 16);
	ck_assert_uint_eq(offsetof(struct mprof__slot, nsec), 24);
	ck_assert_uint_eq(offsetof(struct mprof__slot, len), 28);
	ck_assert_uint_eq(offsetof(struct mprof__slot, kind), 30);
	ck_assert_uint_eq(offsetof(struct mprof__slot, nslots), 31);
	ck_assert_uint_eq(offsetof(struct mprof__slot, name), 32);
}
END_TEST

/* A small ring mapped as a program maps it, events put in this process. */
struct small {
	struct rt t;
	struct ring *rg;           /* the small ring */
	struct mprof__ring *r;     /* its mapping by the header */
	char *path;
};

static void small_open(struct small *s, unsigned nslots)
{
	rt_open(&s->t);
	s->path = tl_path(s->t.dir, "small-ring");
	s->rg = ring_create(s->path, nslots);
	ck_assert_ptr_nonnull(s->rg);
	ck_assert_int_eq(setenv(MPROF_RING_ENV, s->path, 1), 0);
	s->r = mprof__ring_map();
	ck_assert_ptr_nonnull(s->r);
	mprof__pid = 4242;
	mprof__tid = 4243;
}

static void small_drain(struct small *s, bool final)
{
	ck_assert_int_ge(ring_drain(s->rg, s->t.ev, -1, fake_mem, &s->t.mem, final), 0);
}

static char *small_close(struct small *s, unsigned long *dropped)
{
	small_drain(s, true);
	munmap(s->r, sizeof(*s->r) + (size_t)s->r->nslots * MPROF__SLOT);
	ring_free(s->rg);
	free(s->path);
	mprof__pid = mprof__tid = 0;
	ck_assert_int_eq(setenv(MPROF_RING_ENV, ring_path(s->t.ch.ring), 1), 0);
	return rt_close(&s->t, dropped);
}

static void put(struct small *s, char kind, long sec, const char *name)
{
	struct mprof__timespec ts = { sec, 250000000 };

	ck_assert_int_eq(mprof__ring_put(s->r, kind, &ts, name), 0);
}

/* Around and around a ring of 8 slots: every span comes out once, in order. */
START_TEST(test_wraparound)
{
	struct small s;
	unsigned long dropped;
	char *text, want[128];

	small_open(&s, 8);
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%d", i);
		put(&s, 'B', 1000 + i, "outer");
		put(&s, 'B', 1000 + i, name);
		put(&s, 'E', 1000 + i, NULL);
		put(&s, 'E', 1000 + i, "outer");
		small_drain(&s, false);
	}
	ck_assert_uint_eq(ring_reserved(s.rg), 200);
	text = small_close(&s, &dropped);
	ck_assert_uint_eq(dropped, 0);
	for (int i = 0; i < 50; i++) {
		snprintf(want, sizeof(want), "FUNC s%d 7.0000 %d.250000 7.0000 %d.250000 1\n", i, 1000 + i,
			 1000 + i);
		ck_assert_msg(strstr(text, want), "no %s in %s", want, text);
	}
	ck_assert_int_eq(count_lines(text, "FUNC outer ", " 0"), 50);
	free(text);
}
END_TEST

/* A full ring takes nothing more, and takes again once drained. */
START_TEST(test_full)
{
	struct small s;
	struct mprof__timespec ts = { 5, 0 };
	unsigned long dropped;
	char *text;

	small_open(&s, 4);
	for (int i = 0; i < 4; i++)
		put(&s, 'M', 5, "m");
	ck_assert_int_eq(mprof__ring_put(s.r, 'M', &ts, "m"), -1);
	small_drain(&s, false);
	put(&s, 'M', 6, "after");
	text = small_close(&s, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(count_lines(text, "MARK m ", ""), 4);
	ck_assert_int_eq(count_lines(text, "MARK after ", ""), 1);
	free(text);
}
END_TEST

/* Names of any length up to the cut at MPROF__RING_NAME_MAX bytes take as
 * many slots as they need and come out whole (as the parser holds them: a
 * profile cuts names further); a newline becomes a space. */
START_TEST(test_long_names)
{
	static const size_t lens[] = { 1, 95, 96, 97, 215, 216, 217, 1000, 3999, 4000, 4001, 9000 };
	struct small s;
	unsigned long dropped;
	char *text, *name = xmalloc(9001);

	small_open(&s, 64);
	for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
		size_t n = lens[i] < MPROF__RING_NAME_MAX ? lens[i] : MPROF__RING_NAME_MAX;
		const char *got;

		for (size_t j = 0; j < lens[i]; j++)
			name[j] = (char)('a' + (i + j) % 26);
		name[lens[i]] = '\0';
		put(&s, 'B', (long)i, name);
		small_drain(&s, false);
		got = events_open_span(s.t.ev);
		ck_assert_ptr_nonnull(got);
		ck_assert_uint_eq(strlen(got), n);
		ck_assert_msg(!strncmp(got, name, n), "name of %zu bytes not whole", lens[i]);
		put(&s, 'E', (long)i, NULL);
		small_drain(&s, false);
		ck_assert_ptr_null(events_open_span(s.t.ev));
	}
	put(&s, 'M', 99, "two\nlines");
	text = small_close(&s, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(count_lines(text, "FUNC ", ""), sizeof(lens) / sizeof(*lens));
	ck_assert_ptr_nonnull(strstr(text, "MARK two\\x20lines 7.000000 99.250000\n"));
	free(text);
	free(name);
}
END_TEST

/* A writer that died between reserving and committing: the drain does not
 * wait for it; the slot is dropped, counted, after RING_STUCK_NS (or at the
 * end), and what follows it is read. The FIFO's events wait meanwhile. */
START_TEST(test_dead_writer)
{
	struct small s;
	unsigned long dropped;
	uint64_t t0;
	char *text;

	small_open(&s, 16);
	put(&s, 'M', 1, "before");
	__atomic_fetch_add(&s.r->head, 1, __ATOMIC_ACQ_REL); /* reserved, never committed */
	put(&s, 'M', 3, "after");
	t0 = mono_ns();
	small_drain(&s, false);
	ck_assert_uint_lt(mono_ns() - t0, RING_STUCK_NS / 2);
	small_drain(&s, false);
	/* not yet: the "after" mark waits behind the slot */
	ck_assert_uint_eq(events_dropped(s.t.ev), 0);
	while (mono_ns() - t0 < RING_STUCK_NS + RING_STUCK_NS / 10)
		usleep(50000);
	small_drain(&s, false);
	ck_assert_uint_eq(events_dropped(s.t.ev), 1);
	/* at the end, at once */
	__atomic_fetch_add(&s.r->head, 3, __ATOMIC_ACQ_REL);
	put(&s, 'M', 4, "last");
	small_drain(&s, true);
	text = small_close(&s, &dropped);
	ck_assert_uint_eq(dropped, 4);
	ck_assert_int_eq(count_lines(text, "MARK before ", ""), 1);
	ck_assert_int_eq(count_lines(text, "MARK after ", ""), 1);
	ck_assert_int_eq(count_lines(text, "MARK last ", ""), 1);
	free(text);
}
END_TEST

/* The child's exit status: 10 + whether its main thread fell back to the
 * FIFO. */
static int child_exit(void)
{
	return 10 + mprof__fifo_only;
}

/* A child fills the ring while nothing drains it: the rest goes to the FIFO,
 * and the span that begins in the ring and ends in the FIFO comes out whole,
 * as do those around it. */
START_TEST(test_full_falls_back)
{
	struct rt t;
	unsigned long dropped;
	pid_t pid;
	char *text;

	rt_open(&t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		long n = 0;

		mprof_begin("outer");
		while (!mprof__fifo_only && n < 2 * (long)RING_SLOTS) {
			mprof_begin("s");
			mprof_end();
			n++;
		}
		/* a few more than the smallest pipe holds, in the FIFO */
		for (int i = 0; i < 500; i++) {
			mprof_begin("s");
			mprof_end();
		}
		mprof_end();
		_exit(child_exit());
	}
	ck_assert_int_eq(rt_wait(&t, pid, false), 11);
	text = rt_close(&t, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_ge(count_lines(text, "FUNC s ", " 1"), RING_SLOTS / 2 + 500);
	ck_assert_int_eq(count_lines(text, "FUNC outer ", " 0"), 1);
	ck_assert_int_eq(count_lines(text, "FUNC ", ""), count_lines(text, "FUNC s ", " 1") + 1);
	free(text);
}
END_TEST

#define THREADS 8
#define THREAD_SPANS 10000

/* Wait while the ring is more than half full: a reader that keeps up, however
 * slow this machine is (a thread that falls back to the FIFO would give up
 * after a second of a full pipe, as it does when mprof stops reading). */
static void pace(void)
{
	struct mprof__ring *r = __atomic_load_n(&mprof__ring_p, __ATOMIC_ACQUIRE);

	while (r && __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) -
				__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >
			    r->nslots / 2)
		usleep(100);
}

static void *spans_thread(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "t%d", (int)(long)arg);
	mprof_begin(name);
	for (int i = 0; i < THREAD_SPANS; i++) {
		MPROF_SCOPE("s");
		pace();
		if (i % 100 == 0)
			mprof_mark("m");
	}
	mprof_end();
	return (void *)(long)mprof__fifo_only;
}

/* 8 threads of 10,000 spans each, all at once through the ring, drained as a
 * sampler drains: every span, at the right level. */
START_TEST(test_threads)
{
	struct rt t;
	unsigned long dropped;
	pthread_t th[THREADS];
	pid_t pid;
	char *text;

	rt_open(&t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (long i = 0; i < THREADS; i++)
			if (pthread_create(&th[i], NULL, spans_thread, (void *)i))
				_exit(2);
		for (int i = 0; i < THREADS; i++) {
			void *fell_back;

			pthread_join(th[i], &fell_back);
			if (fell_back)
				_exit(3);
		}
		_exit(child_exit());
	}
	ck_assert_int_eq(rt_wait(&t, pid, true), 10);
	ck_assert_uint_gt(ring_reserved(t.ch.ring), 0);
	text = rt_close(&t, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(count_lines(text, "FUNC s ", " 1"), THREADS * THREAD_SPANS);
	ck_assert_int_eq(count_lines(text, "MARK m ", ""), THREADS * THREAD_SPANS / 100);
	for (int i = 0; i < THREADS; i++) {
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "FUNC t%d ", i);
		ck_assert_int_eq(count_lines(text, prefix, " 0"), 1);
	}
	ck_assert_int_eq(count_lines(text, "FUNC ", ""), THREADS * (THREAD_SPANS + 1));
	free(text);
}
END_TEST

/* A program that execs: the new program maps the ring anew (its events go
 * through the ring, none is lost), the old mapping gone with the old image. */
START_TEST(test_exec)
{
	struct rt t;
	unsigned long dropped;
	pid_t pid;
	char *text;

	rt_open(&t);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		mprof_begin("before exec");
		mprof_end();
		if (null < 0 || dup2(null, 1) < 0 || mprof__fifo_only || !mprof__ring_p)
			_exit(2);
		execl(BUILD_ROOT "/tests/emit-c", "emit-c", "nested", (char *)NULL);
		_exit(3);
	}
	ck_assert_int_eq(rt_wait(&t, pid, true), 0);
	/* 2 events before the exec, 11 after (see emit_c.c, nested) */
	ck_assert_uint_eq(ring_reserved(t.ch.ring), 13);
	text = rt_close(&t, &dropped);
	ck_assert_uint_eq(dropped, 0);
	ck_assert_int_eq(count_lines(text, "FUNC before\\x20exec ", " 0"), 1);
	ck_assert_int_eq(count_lines(text, "FUNC outer ", " 0"), 1);
	ck_assert_int_eq(count_lines(text, "FUNC ", ""), 6);
	ck_assert_int_eq(count_lines(text, "MARK a\\x20label ", ""), 1);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_wraparound);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_long_names);
	tcase_add_test(tc, test_dead_writer);
	tcase_add_test(tc, test_full_falls_back);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_exec);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
