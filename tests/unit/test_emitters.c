/* The emitters: <mprof.h>, the Python helper, mprof mark and the Python
 * command lines, checked against a FIFO that the test makes and reads itself,
 * independently of mprof run. */
#include "testlib.h"
#include "channel.h"
#include "events.h"
#include "include/mprof.h"
#include "profile.h"
#include "pyinject.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EMIT_C BUILD_ROOT "/tests/emit-c"
#define PYDIR SOURCE_ROOT "/tests/workloads/py"
#define LAUNCHER SOURCE_ROOT "/data/python/mprof_launch.py"

/* ---- a channel the test reads itself ---- */

struct chan {
	char *dir, *path, *env;
	int rfd;
};

static void chan_open(struct chan *c)
{
	c->dir = tl_tmpdir();
	c->path = tl_path(c->dir, "events");
	ck_assert_int_eq(mkfifo(c->path, 0600), 0);
	c->rfd = open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(c->rfd, 0);
	(void)fcntl(c->rfd, F_SETPIPE_SZ, 1 << 20);
	c->env = xasprintf("%s=%s", MPROF_EVENTS_ENV, c->path);
}

/* Everything the channel holds now. */
static char *chan_read(struct chan *c)
{
	char *text = xstrdup(""), buf[65536];
	size_t len = 0;
	ssize_t n;

	while ((n = read(c->rfd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		if (n < 0)
			continue;
		text = xrealloc(text, len + (size_t)n + 1);
		memcpy(text + len, buf, (size_t)n);
		len += (size_t)n;
		text[len] = '\0';
	}
	return text;
}

static void chan_close(struct chan *c)
{
	if (c->rfd >= 0)
		close(c->rfd);
	tl_rmrf(c->dir);
	free(c->dir);
	free(c->path);
	free(c->env);
}

/* Run argv with the channel in its environment; return the events it sent. */
static char *run_emitting(struct chan *c, struct tl_result *r, const char *const argv[])
{
	const char *env[] = { c->env, NULL };

	tl_run_env(r, NULL, env, 60, argv);
	return chan_read(c);
}

/* Check each event line's time (a plausible unix time, 6 decimals) and replace
 * it with "T", so lines can be compared exactly. */
static char *strip_times(const char *events)
{
	char *out = xstrdup(""), *copy = xstrdup(events), *save = NULL;
	double now = time_now();

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char kind, rest[4200] = "";
		long pid, tid;
		char t[64];
		double v;
		char *dot, *joined;
		int n = sscanf(line, "%c %ld %ld %63s %4199[^\n]", &kind, &pid, &tid, t, rest);

		ck_assert_msg(n >= 4, "bad event line '%s'", line);
		dot = strchr(t, '.');
		ck_assert_msg(dot && strlen(dot + 1) == 6, "time '%s' has not 6 decimals", t);
		ck_assert_int_eq(parse_double(t, &v), 0);
		ck_assert_msg(v > now - 600 && v < now + 600, "time %s is not now", t);
		joined = n == 5 ? xasprintf("%s%c %ld %ld T %s\n", out, kind, pid, tid, rest)
				: xasprintf("%s%c %ld %ld T\n", out, kind, pid, tid);
		free(out);
		out = joined;
	}
	free(copy);
	return out;
}

/* "name level" of each FUNC record of a profile (in file order, with
 * " unfinished" if so flagged) and "MARK label" of each marker, one a line. */
static char *summarize_profile(const char *path)
{
	struct profile_reader r;
	struct record rec;
	char *out = xstrdup("");

	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while (profile_reader_next(&r, &rec) == 1) {
		char *next;

		if (rec.kind == REC_FUNC)
			next = xasprintf("%s%.*s %d%s\n", out, (int)rec.text_len, rec.text, rec.level,
					 rec.unfinished ? " unfinished" : "");
		else if (rec.kind == REC_MARK)
			next = xasprintf("%sMARK %.*s\n", out, (int)rec.text_len, rec.text);
		else
			continue;
		free(out);
		out = next;
	}
	profile_reader_close(&r);
	return out;
}

/* Feed events through mprof's own parser and summarize what it writes. */
static char *parse_events(const char *events)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *out;
	struct profile_writer w;
	struct events *ev;
	double mem = 1;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	events_feed(ev, events, strlen(events), NULL, &mem);
	ck_assert_uint_eq(events_dropped(ev), 0);
	events_finish(ev, time_now() + 1, mem);
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	out = summarize_profile(path);
	tl_rmrf(dir);
	free(path);
	free(dir);
	return out;
}

static long id_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	long v = 0;

	ck_assert_msg(p != NULL, "'%s' not in output '%s'", key, text);
	ck_assert_int_eq(sscanf(p + strlen(key), "%ld", &v), 1);
	return v;
}

/* ---- the event line formatter of <mprof.h> (and mprof mark) ---- */

static const struct {
	char kind;
	long pid, tid, sec, usec;
	const char *name;
	const char *want;
} formats[] = {
	{ 'B', 1, 2, 3, 4, "f", "B 1 2 3.000004 f\n" },
	{ 'E', 4194304, 4194305, 1795695938, 886123, NULL, "E 4194304 4194305 1795695938.886123\n" },
	{ 'E', 10, 11, 12, 999999, "outer", "E 10 11 12.999999 outer\n" },
	{ 'M', 10, 10, 12, 0, "", "M 10 10 12.000000 ?\n" },
	{ 'M', 10, 10, 12, 0, "two\nlines\n", "M 10 10 12.000000 two lines \n" },
	{ 'B', 10, 10, 12, 0, "caf\xc3\xa9 \\ \t", "B 10 10 12.000000 caf\xc3\xa9 \\ \t\n" },
};

START_TEST(test_format)
{
	char buf[MPROF__LINE_MAX];
	size_t n = mprof__format(buf, formats[_i].kind, formats[_i].pid, formats[_i].tid,
				 formats[_i].sec, formats[_i].usec, formats[_i].name);

	ck_assert_uint_eq(n, strlen(formats[_i].want));
	ck_assert(memcmp(buf, formats[_i].want, n) == 0);
}
END_TEST

/* A name too long for one atomic write is cut, never inside a UTF-8 sequence. */
static const struct {
	const char *tail;  /* appended to a run of 'x' that just fills the line */
	int offset;        /* where the tail starts, relative to the last byte that fits */
	size_t keep;       /* bytes of tail that survive */
} cuts[] = {
	{ "abc", 0, 1 },
	{ "\xc3\xa9", 0, 0 },          /* 2-byte sequence, first byte fits */
	{ "\xc3\xa9", -1, 2 },         /* fits whole */
	{ "\xe2\x82\xac", -1, 0 },     /* 3-byte sequence, 2 bytes fit */
	{ "\xe2\x82\xac", -2, 3 },
	{ "\xf0\x9f\x98\x80", -2, 0 }, /* 4-byte sequence, 3 bytes fit */
	{ "\xf0\x9f\x98\x80", -3, 4 },
};

START_TEST(test_format_cuts_long_names)
{
	char buf[MPROF__LINE_MAX], name[2 * MPROF__LINE_MAX];
	const char *prefix = "M 1 1 1.000000 ";
	size_t room = MPROF__LINE_MAX - 1 - strlen(prefix); /* name bytes that fit */
	/* the tail starts at byte xs of the name; the last byte that fits is room-1 */
	size_t xs = (size_t)((long)room - 1 + cuts[_i].offset), n;

	memset(name, 'x', xs);
	strcpy(name + xs, cuts[_i].tail);
	strcat(name, "yyyy");
	n = mprof__format(buf, 'M', 1, 1, 1, 0, name);
	ck_assert_uint_eq(n, strlen(prefix) + xs + cuts[_i].keep + 1);
	ck_assert(n <= MPROF__LINE_MAX);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert(memcmp(buf + strlen(prefix) + xs, cuts[_i].tail, cuts[_i].keep) == 0);
}
END_TEST

/* ---- <mprof.h> in a program ---- */

START_TEST(test_header_nested)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got, *want;
	long p, t;

	chan_open(&c);
	ev = run_emitting(&c, &r, (const char *const[]){ EMIT_C, "nested", NULL });
	ck_assert_msg(r.status == 0, "emit-c: %s", r.err);
	p = id_after(r.out, "ids ");
	t = id_after(strstr(r.out, "ids ") + 4, " ");
	got = strip_times(ev);
	want = xasprintf("B %1$ld %2$ld T outer\n"
			 "M %1$ld %2$ld T a label\n"
			 "B %1$ld %2$ld T inner\n"
			 "B %1$ld %2$ld T inner\n"
			 "E %1$ld %2$ld T inner\n"
			 "E %1$ld %2$ld T inner\n"
			 "B %1$ld %2$ld T block one\n"
			 "B %1$ld %2$ld T block two\n"
			 "E %1$ld %2$ld T block two\n"
			 "E %1$ld %2$ld T block one\n"
			 "E %1$ld %2$ld T\n", p, t);
	ck_assert_str_eq(got, want);
	free(got);
	got = parse_events(ev);
	ck_assert_str_eq(got, "MARK a\\x20label\ninner 2\ninner 1\nblock\\x20two 2\n"
			      "block\\x20one 1\nouter 0\n");
	free(got);
	free(want);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

START_TEST(test_header_threads)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got, *want;
	long p, t, a, b;

	chan_open(&c);
	ev = run_emitting(&c, &r, (const char *const[]){ EMIT_C, "threads", NULL });
	ck_assert_msg(r.status == 0, "emit-c: %s", r.err);
	p = id_after(r.out, "ids ");
	t = id_after(strstr(r.out, "ids ") + 4, " ");
	a = id_after(r.out, "tid thread-a ");
	b = id_after(r.out, "tid thread-b ");
	ck_assert(a != t && b != t && a != b);
	got = strip_times(ev);
	want = xasprintf("B %1$ld %2$ld T main\n"
			 "B %1$ld %3$ld T thread-a\n"
			 "B %1$ld %3$ld T inner\n"
			 "E %1$ld %3$ld T inner\n"
			 "M %1$ld %3$ld T thread-a\n"
			 "E %1$ld %3$ld T thread-a\n"
			 "B %1$ld %4$ld T thread-b\n"
			 "B %1$ld %4$ld T inner\n"
			 "E %1$ld %4$ld T inner\n"
			 "M %1$ld %4$ld T thread-b\n"
			 "E %1$ld %4$ld T thread-b\n"
			 "E %1$ld %2$ld T\n", p, t, a, b);
	ck_assert_str_eq(got, want);
	free(got);
	/* each thread nests from 0 */
	got = parse_events(ev);
	ck_assert_str_eq(got, "inner 1\nMARK thread-a\nthread-a 0\ninner 1\nMARK thread-b\n"
			      "thread-b 0\nmain 0\n");
	free(got);
	free(want);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

START_TEST(test_header_fork)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got, *want;
	long p, t, k;

	chan_open(&c);
	ev = run_emitting(&c, &r, (const char *const[]){ EMIT_C, "fork", NULL });
	ck_assert_msg(r.status == 0, "emit-c: %s", r.err);
	p = id_after(r.out, "ids ");
	t = id_after(strstr(r.out, "ids ") + 4, " ");
	k = id_after(r.out, "child ");
	ck_assert(k != p);
	got = strip_times(ev);
	/* the child sends as itself, not as its parent */
	want = xasprintf("B %1$ld %2$ld T parent\n"
			 "B %3$ld %3$ld T inner\n"
			 "E %3$ld %3$ld T inner\n"
			 "E %1$ld %2$ld T\n", p, t, k);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

START_TEST(test_header_names)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got, *want, *last;
	long p, t;

	chan_open(&c);
	ev = run_emitting(&c, &r, (const char *const[]){ EMIT_C, "names", NULL });
	ck_assert_msg(r.status == 0, "emit-c: %s", r.err);
	p = id_after(r.out, "ids ");
	t = id_after(strstr(r.out, "ids ") + 4, " ");
	/* the long one is cut so that the event is one atomic write */
	last = strrchr(ev, 'M');
	ck_assert_uint_eq(strlen(last), MPROF__LINE_MAX);
	ck_assert_uint_eq(strspn(strrchr(last, ' ') + 1, "x"), strlen(strrchr(last, ' ') + 1) - 1);
	*last = '\0';
	got = strip_times(ev);
	want = xasprintf("M %1$ld %2$ld T ?\nM %1$ld %2$ld T ?\nM %1$ld %2$ld T two lines\n", p, t);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

/* Not profiled, or profiled by an mprof that is gone: the program runs as
 * usual, sends nothing, does not block and does not die. */
START_TEST(test_header_not_profiled)
{
	struct tl_result r;
	char *dir = tl_tmpdir(), *fifo = tl_path(dir, "events");
	char *env_fifo = xasprintf("MPROF_EVENTS=%s", fifo);
	const char *envs[][2] = {
		{ "MPROF_EVENTS=", NULL },
		{ "MPROF_EVENTS=/nonexistent/events", NULL },
		{ env_fifo, NULL },  /* a FIFO that nobody reads */
	};

	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	for (size_t i = 0; i < ARRAY_SIZE(envs); i++) {
		tl_run_env(&r, NULL, envs[i], 30, (const char *const[]){ EMIT_C, "nested", NULL });
		ck_assert_msg(r.status == 0, "case %zu: status %d: %s", i, r.status, r.err);
		ck_assert_ptr_nonnull(strstr(r.out, "ids "));
		tl_result_free(&r);
	}
	free(env_fifo);
	free(fifo);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Start argv with the channel in its environment, stdout to a pipe. */
static pid_t spawn_emitting(struct chan *c, const char *const argv[], int *out)
{
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		signal(SIGPIPE, SIG_DFL);
		putenv(c->env);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	*out = p[0];
	return pid;
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* mprof goes away while the program runs: no SIGPIPE, the program goes on. */
START_TEST(test_header_reader_leaves)
{
	struct chan c;
	char buf[64];
	int out;
	pid_t pid;

	struct pollfd pfd;

	chan_open(&c);
	pid = spawn_emitting(&c, (const char *const[]){ EMIT_C, "spans", "40", "5", NULL }, &out);
	/* its first event: it has opened the channel */
	pfd.fd = c.rfd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 30000), 1);
	ck_assert_int_gt(read(c.rfd, buf, sizeof(buf)), 0);
	close(c.rfd);
	c.rfd = -1;
	ck_assert_int_eq(wait_status(pid), 0);
	close(out);
	chan_close(&c);
}
END_TEST

/* mprof stops reading (the pipe stays full): the program gives up sending
 * after a while instead of hanging, and finishes. */
START_TEST(test_header_reader_stalls)
{
	struct chan c;
	int out;
	pid_t pid;

	chan_open(&c);
	(void)fcntl(c.rfd, F_SETPIPE_SZ, 4096);
	pid = spawn_emitting(&c, (const char *const[]){ EMIT_C, "spans", "2000", "0", NULL }, &out);
	ck_assert_int_eq(wait_status(pid), 0);
	close(out);
	chan_close(&c);
}
END_TEST

/* The header as a user builds it: strict C99 and C++, flags from mprof.pc. */
static char **split_words(char *s, const char *const *before, const char *const *after)
{
	char **v = xcalloc(64, sizeof(*v));
	size_t n = 0;
	char *save = NULL;

	for (size_t i = 0; before[i]; i++)
		v[n++] = (char *)before[i];
	for (char *w = strtok_r(s, " \n", &save); w && n < 40; w = strtok_r(NULL, " \n", &save))
		v[n++] = w;
	for (size_t i = 0; after[i]; i++)
		v[n++] = (char *)after[i];
	return v;
}

static const struct {
	const char *compiler, *std, *lang;
} builds[] = {
	{ "gcc", "-std=c99", "c" },
	{ "gcc", "-std=c11", "c" },
	{ "g++", "-std=c++11", "c++" },
	{ "clang", "-std=c99", "c" },
};

/* Build tests/workloads/emit_c.c as a user would, with the flags mprof.pc
 * gives. The executable's path (caller frees), or NULL when the compiler is
 * not installed. */
static char *build_emit_c(const char *dir, const char *compiler, const char *std, const char *lang)
{
	struct tl_result r;
	const char *env[] = { "PKG_CONFIG_PATH=" BUILD_ROOT "/meson-private", NULL };
	char *exe, *cflags, **argv;

	tl_run(&r, NULL, "sh", "-c", "command -v \"$0\"", compiler);
	if (r.status != 0) {
		tl_result_free(&r);
		return NULL;
	}
	tl_result_free(&r);
	tl_run_env(&r, NULL, env, 30, (const char *const[]){ "pkg-config",
			"--define-variable=includedir=" SOURCE_ROOT "/src/include", "--cflags", "--libs",
			"mprof", NULL });
	ck_assert_msg(r.status == 0, "pkg-config mprof: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "-I" SOURCE_ROOT "/src/include"));
	cflags = xstrdup(r.out);
	tl_result_free(&r);
	exe = tl_path(dir, compiler);
	argv = split_words(cflags,
			   (const char *const[]){ compiler, std, "-x", lang, "-pedantic", "-Wall",
						  "-Wextra", "-Werror", "-O2", NULL },
			   (const char *const[]){ SOURCE_ROOT "/tests/workloads/emit_c.c", "-o", exe,
						  NULL });
	tl_run_env(&r, NULL, NULL, 120, (const char *const *)argv);
	ck_assert_msg(r.status == 0, "%s %s: %s", compiler, std, r.err);
	ck_assert_str_eq(r.err, "");
	tl_result_free(&r);
	free(argv);
	free(cflags);
	return exe;
}

START_TEST(test_header_compiles)
{
	struct tl_result r;
	char *dir = tl_tmpdir(), *exe, *ev, *got;
	struct chan c;

	exe = build_emit_c(dir, builds[_i].compiler, builds[_i].std, builds[_i].lang);
	if (!exe) { /* clang is optional */
		tl_skip("<mprof.h> with %s: it is not installed", builds[_i].compiler);
		goto cleanup;
	}
	chan_open(&c);
	ev = run_emitting(&c, &r, (const char *const[]){ exe, "nested", NULL });
	ck_assert_int_eq(r.status, 0);
	got = parse_events(ev);
	ck_assert_str_eq(got, "MARK a\\x20label\ninner 2\ninner 1\nblock\\x20two 2\n"
			      "block\\x20one 1\nouter 0\n");
	free(got);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
	free(exe);
cleanup:
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- mprof mark ---- */

START_TEST(test_mark_events)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got, *want;
	long me = (long)getpid(); /* mprof's parent: the "shell" */
	const char *const calls[][6] = {
		{ "mprof", "mark", "hello", NULL },
		{ "mprof", "mark", "--begin", "load", "data", NULL },
		{ "mprof", "mark", "-b", "step", NULL },
		{ "mprof", "mark", "--end", NULL },
		{ "mprof", "mark", "--", "-not-an-option", NULL },
		{ "mprof", "mark", "--end", "load", "data", NULL },
	};

	chan_open(&c);
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		const char *env[] = { c.env, NULL };

		tl_run_env(&r, NULL, env, 30, calls[i]);
		ck_assert_msg(r.status == 0, "%s: %s", calls[i][2], r.err);
		ck_assert_str_eq(r.err, "");
		tl_result_free(&r);
	}
	ev = chan_read(&c);
	got = strip_times(ev);
	want = xasprintf("M %1$ld %1$ld T hello\n"
			 "B %1$ld %1$ld T load data\n"
			 "B %1$ld %1$ld T step\n"
			 "E %1$ld %1$ld T\n"
			 "M %1$ld %1$ld T -not-an-option\n"
			 "E %1$ld %1$ld T load data\n", me);
	ck_assert_str_eq(got, want);
	free(got);
	got = parse_events(ev);
	ck_assert_str_eq(got, "MARK hello\nstep 1\nMARK -not-an-option\nload\\x20data 0\n");
	free(got);
	free(want);
	free(ev);
	chan_close(&c);
}
END_TEST

static const struct {
	const char *args[5];
	const char *env;
	int status;
	const char *err;
} mark_cases[] = {
	{ { "hello" }, "MPROF_EVENTS=", 0, "mprof: warning: mark: not under 'mprof run'" },
	{ { "--begin", "x" }, "MPROF_EVENTS=/nonexistent/fifo", 0, "mprof: warning: mark: the 'mprof run'" },
	{ { NULL }, "MPROF_EVENTS=", 2, "mprof mark: a LABEL is needed" },
	{ { "--begin" }, "MPROF_EVENTS=", 2, "mprof mark: --begin: a span NAME is needed" },
	{ { "--begin", "--end", "x" }, "MPROF_EVENTS=", 2, "mprof mark: options --begin and --end" },
	{ { "--frob", "x" }, "MPROF_EVENTS=", 2, "mprof mark: unknown option '--frob'" },
	{ { "a\nb" }, "MPROF_EVENTS=", 2, "mprof mark: a name or label cannot hold a newline" },
	{ { "--help" }, "MPROF_EVENTS=", 0, "" },
};

START_TEST(test_mark_errors)
{
	struct tl_result r;
	const char *argv[8] = { "mprof", "mark" };
	const char *env[] = { mark_cases[_i].env, NULL };

	for (size_t k = 0; k < 5 && mark_cases[_i].args[k]; k++)
		argv[2 + k] = mark_cases[_i].args[k];
	tl_run_env(&r, NULL, env, 30, argv);
	ck_assert_int_eq(r.status, mark_cases[_i].status);
	ck_assert_msg(str_starts_with(r.err, mark_cases[_i].err), "stderr: '%s'", r.err);
	if (*mark_cases[_i].err)
		ck_assert_int_eq(tl_count_prefix(r.err, "mprof"), 1);
	tl_result_free(&r);
}
END_TEST

/* ---- the Python helper ---- */

static char *run_python(struct chan *c, struct tl_result *r, const char *python,
			const char *const *args)
{
	const char *argv[16] = { python, LAUNCHER, "--" };
	size_t n = 3;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return run_emitting(c, r, argv);
}

START_TEST(test_python_levels)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got;

	chan_open(&c);
	ev = run_python(&c, &r, "python3", (const char *const[]){ PYDIR "/levels.py", NULL });
	ck_assert_msg(r.status == 0, "levels.py: %s", r.err);
	ck_assert_str_eq(r.out, "levels done\n");
	got = parse_events(ev);
	ck_assert_str_eq(got,
			 "__main__.rec 2\n__main__.rec 1\n__main__.rec 0\n"   /* recursion */
			 "__main__.boom 1\n__main__.catch 0\n"                /* exception caught inside */
			 "__main__.boom 0\n"                                  /* and outside */
			 "__main__.gen 1\n__main__.gen 1\n__main__.gen 1\n__main__.consume 0\n"
			 "__main__.gen 0\n__main__.gen 0\n"                   /* a generator closed early */
			 "__main__.rec 1\n.blk 0\n"                           /* profile.timestamp */
			 "__main__.rec 1\n__main__.rec 0\n"                   /* another thread */
			 "__main__.acoro 0\n__main__.acoro 0\n");             /* a coroutine, per step */
	free(got);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

/* `from memory_profiler import profile` gets mprof's profile, whether
 * memory_profiler is installed (Debian's /usr/bin/python3 has it here) or not. */
static const char *const pythons[] = { "python3", "/usr/bin/python3" };

START_TEST(test_python_memory_profiler_import)
{
	struct chan c;
	struct tl_result r;
	char *ev, *got;

	if (access(pythons[_i], X_OK) != 0 && strchr(pythons[_i], '/')) {
		tl_skip("from memory_profiler import profile with %s: it is not installed", pythons[_i]);
		return;
	}
	chan_open(&c);
	ev = run_python(&c, &r, pythons[_i],
			(const char *const[]){ PYDIR "/mp_import.py", "a b", "c", NULL });
	ck_assert_msg(r.status == 0, "%s: %s", pythons[_i], r.err);
	ck_assert_str_eq(r.out, "same: True\nargv: ['a b', 'c']\n");
	got = parse_events(ev);
	ck_assert_str_eq(got, "__main__.work 0\n__main__.work2 0\n");
	free(got);
	free(ev);
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

static const struct {
	const char *args[6];
	int status;
	const char *out, *err;     /* substrings */
	const char *not_err;
} passthroughs[] = {
	{ { PYDIR "/passthrough.py", "x", "y z" }, 0,
	  "name: __main__\nargv: ['" PYDIR "/passthrough.py', 'x', 'y z']\npath0: True\n"
	  "profile: True True\n", "", NULL },
	{ { PYDIR "/passthrough.py", "exit", "3" }, 3, "name: __main__", "", NULL },
	{ { PYDIR "/passthrough.py", "raise" }, 1, "",
	  "Traceback (most recent call last):\n  File \"" PYDIR "/passthrough.py\", line",
	  "mprof_launch" },
	{ { "-c", "import sys; print(sys.argv, __name__)", "q" }, 0, "['-c', 'q'] __main__\n", "", NULL },
	{ { "-m", "json.tool", "--help" }, 0, "usage: python -m json.tool", "", NULL },
	{ { "-m", "no_such_module_here" }, 1, "", "No module named no_such_module_here", NULL },
	{ { "/nonexistent/x.py" }, 2, "", "can't open file '/nonexistent/x.py'", NULL },
	/* not profiled: profile gives the function back */
	{ { "-c", "f = lambda: 0\nprint(profile(f) is f, profile.timestamp('x') is not None)" },
	  0, "True True\n", "", NULL },
};

START_TEST(test_python_passthrough)
{
	struct tl_result r;
	const char *argv[12] = { "python3", LAUNCHER, "--" };
	const char *env[] = { "MPROF_EVENTS=", NULL };
	size_t n = 3;

	for (size_t i = 0; i < 6 && passthroughs[_i].args[i]; i++)
		argv[n++] = passthroughs[_i].args[i];
	tl_run_env(&r, NULL, env, 60, argv);
	ck_assert_msg(r.status == passthroughs[_i].status, "status %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, passthroughs[_i].out), "stdout: '%s'", r.out);
	ck_assert_msg(strstr(r.err, passthroughs[_i].err), "stderr: '%s'", r.err);
	if (passthroughs[_i].not_err)
		ck_assert_ptr_null(strstr(r.err, passthroughs[_i].not_err));
	tl_result_free(&r);
}
END_TEST

/* mprof stops reading: the Python program gives up sending after a while
 * instead of hanging, and finishes. */
START_TEST(test_python_reader_stalls)
{
	struct chan c;
	struct tl_result r;
	const char *env[2];

	chan_open(&c);
	(void)fcntl(c.rfd, F_SETPIPE_SZ, 4096);
	env[0] = c.env;
	env[1] = NULL;
	tl_run_env(&r, NULL, env, 60, (const char *const[]){ "python3", LAUNCHER, "--", "-c",
			"f = profile(lambda: 0)\nfor i in range(3000): f()\nprint('finished')", NULL });
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "finished\n");
	tl_result_free(&r);
	chan_close(&c);
}
END_TEST

/* ---- the command lines that run Python programs ---- */

static const struct {
	const char *prog[8];
	bool explicit_python;
	const char *want; /* joined by spaces, L for the launcher; NULL: an error */
} commands[] = {
	{ { "script.py", "a", "b c" }, false, "python3 L -- script.py a b c" },
	{ { "python3", "script.py", "a" }, true, "python3 L -- script.py a" },
	{ { "/usr/bin/python3.11", "-u", "-X", "dev", "-Wignore", "s.py", "-m" }, true,
	  "/usr/bin/python3.11 -u -X dev -Wignore L -- s.py -m" },
	{ { "python3", "-m", "http.server", "8000" }, true, "python3 L -- -m http.server 8000" },
	{ { "python", "-O", "-c", "print(1)", "x" }, true, "python -O L -- -c print(1) x" },
	{ { "python3", "--", "s.py" }, true, "python3 L -- s.py" },
	{ { "script.py" }, true, "python3 L -- script.py" },
	{ { "no_such_module", "x" }, true, "python3 L -- -m no_such_module x" },
	{ { "python3" }, true, NULL },
	{ { "python3", "-u" }, true, NULL },
	{ { "python3", "-" }, true, NULL },
	{ { "python3", "-m" }, true, NULL },
	{ { NULL }, false, NULL },
};

START_TEST(test_python_command)
{
	struct strvec argv = { 0 };
	char *joined = xstrdup(""), *launcher = xstrdup(SOURCE_ROOT "/data/" PYTHON_LAUNCHER);
	int rc;

	setenv("MPROF_DATADIR", SOURCE_ROOT "/data", 1);
	strvec_push(&argv, "kept");
	error_set_quiet(true);
	rc = python_command((char *const *)commands[_i].prog, commands[_i].explicit_python, &argv);
	error_set_quiet(false);
	if (!commands[_i].want) {
		ck_assert_int_eq(rc, -1);
		ck_assert_uint_eq(argv.n, 1);
		ck_assert_str_ne(error_last(), "");
		goto cleanup;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(argv.v[0], "kept");
	for (size_t i = 1; i < argv.n; i++) {
		char *next = xasprintf("%s%s%s", joined, i > 1 ? " " : "",
				       strcmp(argv.v[i], launcher) == 0 ? "L" : argv.v[i]);

		free(joined);
		joined = next;
	}
	ck_assert_str_eq(joined, commands[_i].want);
	ck_assert_ptr_null(argv.v[argv.n]);
cleanup:
	unsetenv("MPROF_DATADIR");
	strvec_clear(&argv);
	free(joined);
	free(launcher);
}
END_TEST

START_TEST(test_data_path)
{
	char *p;

	/* from the build tree: the source tree's data/ */
	unsetenv("MPROF_DATADIR");
	p = mprof_data_path(PYTHON_LAUNCHER);
	ck_assert_str_eq(p, SOURCE_ROOT "/data/" PYTHON_LAUNCHER);
	free(p);
	/* MPROF_DATADIR wins */
	setenv("MPROF_DATADIR", SOURCE_ROOT "/tests", 1);
	p = mprof_data_path("workloads/emit_c.c");
	ck_assert_str_eq(p, SOURCE_ROOT "/tests/workloads/emit_c.c");
	free(p);
	error_set_quiet(true);
	ck_assert_ptr_null(mprof_data_path(PYTHON_LAUNCHER));
	error_set_quiet(false);
	ck_assert_ptr_nonnull(strstr(error_last(), "cannot find mprof's data file"));
	ck_assert_ptr_nonnull(strstr(error_last(), "MPROF_DATADIR"));
	unsetenv("MPROF_DATADIR");
}
END_TEST

/* ---- end to end, under mprof run ---- */

/* Run `mprof run -o p.dat ARGS...` in a fresh directory; return the summary
 * of the profile it wrote. */
static char *mprof_run(const char *const *args, char **dir_out)
{
	const char *argv[16] = { "mprof", "run", "-o", "p.dat" };
	struct tl_result r;
	char *dir = tl_tmpdir(), *path, *out;
	size_t n = 4;

	for (size_t i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 120, argv);
	ck_assert_msg(r.status == 0, "mprof run %s: %d: %s", args[0], r.status, r.err);
	tl_result_free(&r);
	path = tl_path(dir, "p.dat");
	out = summarize_profile(path);
	free(path);
	if (dir_out) {
		*dir_out = dir;
	} else {
		tl_rmrf(dir);
		free(dir);
	}
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of text, sorted. */
static char *sorted_lines(char *text)
{
	char *v[256], *save = NULL, *out = xstrdup("");
	size_t n = 0;

	for (char *l = strtok_r(text, "\n", &save); l && n < 256; l = strtok_r(NULL, "\n", &save))
		v[n++] = l;
	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s\n", out, v[i]);

		free(out);
		out = next;
	}
	return out;
}

/* The tutorial's example gives the FUNC names, counts and levels that the
 * Python tool wrote for it. */
START_TEST(test_run_python_example)
{
	char *fixture = tl_fixture("details-nested.dat");
	char *got = mprof_run((const char *const[]){ PYDIR "/fun_profiling_mprof_details.py", NULL },
			      NULL);
	char *want = summarize_profile(fixture), *a = sorted_lines(got), *b = sorted_lines(want);

	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, ".churn_phase 0\n__main__.churn 1\n__main__.grow 0\n"
			    "__main__.grow 2\n__main__.grow 2\n");
	free(a);
	free(b);
	free(got);
	free(want);
	free(fixture);
}
END_TEST

START_TEST(test_run_python_import)
{
	char *got = mprof_run((const char *const[]){ PYDIR "/mp_import.py", NULL }, NULL);

	ck_assert_str_eq(got, "__main__.work 0\n__main__.work2 0\n");
	free(got);
	if (access("/usr/bin/python3", X_OK) != 0) {
		tl_skip("mprof run --python /usr/bin/python3: it is not installed");
		return;
	}
	got = mprof_run((const char *const[]){ "--python", "/usr/bin/python3", PYDIR "/mp_import.py", NULL },
			NULL);
	ck_assert_str_eq(got, "__main__.work 0\n__main__.work2 0\n");
	free(got);
}
END_TEST

/* A C program built against the header: nested scopes, two threads, markers. */
START_TEST(test_run_c)
{
	char *dir = tl_tmpdir(), *exe = build_emit_c(dir, "gcc", "-std=c99", "c"), *got;

	got = mprof_run((const char *const[]){ exe, "threads", NULL }, NULL);
	ck_assert_str_eq(got, "inner 1\nMARK thread-a\nthread-a 0\ninner 1\nMARK thread-b\n"
			      "thread-b 0\nmain 0\n");
	free(got);
	free(exe);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Under mprof run, events go through the ring (MPROF_RING) and come out as
 * through the FIFO; with the ring absent, through the FIFO alone. */
START_TEST(test_run_c_ring)
{
	static const char *const envs[][2] = { { NULL }, { "MPROF_RING=/nonexistent/ring", NULL } };
	const char *env = envs[_i][0];
	struct tl_result r;
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *got;

	/* mprof sets MPROF_RING itself: a bogus one goes through it only when
	 * set for the program after mprof (sh -c) */
	if (env)
		tl_run_env(&r, dir, NULL, 120,
			   (const char *const[]){ "mprof", "run", "-o", "p.dat", "sh", "-c",
						  "MPROF_RING=/nonexistent/ring exec \"$0\" nested",
						  EMIT_C, NULL });
	else
		tl_run_env(&r, dir, NULL, 120,
			   (const char *const[]){ "mprof", "run", "-o", "p.dat", EMIT_C, "nested",
						  NULL });
	ck_assert_msg(r.status == 0, "mprof run: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, env ? "ring 0\n" : "ring 1\n"));
	got = summarize_profile(path);
	ck_assert_str_eq(got, "MARK a\\x20label\ninner 2\ninner 1\nblock\\x20two 2\n"
			      "block\\x20one 1\nouter 0\n");
	free(got);
	/* The program ends before the first sample: its events get its peak,
	 * never the nothing of a process gone. */
	{
		struct profile_reader rd;
		struct record rec;
		int n = 0, rc;

		ck_assert_int_eq(profile_reader_open(&rd, path), 0);
		while ((rc = profile_reader_next(&rd, &rec)) > 0) {
			if (rec.kind != REC_FUNC && rec.kind != REC_MARK)
				continue;
			n++;
			ck_assert_msg(rec.mem > 0.5, "%s at %.4f MiB", rec.kind == REC_FUNC ? "FUNC" : "MARK",
				      rec.mem);
		}
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(n, 6);
		profile_reader_close(&rd);
	}
	tl_result_free(&r);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_run_shell)
{
	char *dir = tl_tmpdir(), *script = tl_path(dir, "phases.sh"), *got;

	tl_write_file(script, "set -e\n"
			      "m=\"$1\"\n"
			      "\"$m\" mark --begin setup\n"
			      "\"$m\" mark step one\n"
			      "\"$m\" mark --begin inner\n"
			      "\"$m\" mark --end\n"
			      "\"$m\" mark --end setup\n"
			      "\"$m\" mark --begin left open\n");
	got = mprof_run((const char *const[]){ "sh", script, MPROF_BIN, NULL }, NULL);
	ck_assert_str_eq(got, "MARK step\\x20one\ninner 1\nsetup 0\nleft\\x20open 0 unfinished\n");
	free(got);
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* `mprof mark --end` with no span open: said in words, with the shell's pid;
 * the next bad one is counted, and the count said once at the end. */
START_TEST(test_run_shell_bad_events)
{
	char *dir = tl_tmpdir(), *script = tl_path(dir, "bad.sh"), *path = tl_path(dir, "p.dat");
	char *want, *got;
	struct tl_result r;

	tl_write_file(script, "m=\"$1\"\n"
			      "\"$m\" mark --end\n"
			      "\"$m\" mark --end no such span\n"
			      "\"$m\" mark --begin fine\n"
			      "\"$m\" mark --end\n"
			      "echo $$\n");
	tl_run(&r, dir, "mprof", "run", "-q", "-o", path, "sh", script, MPROF_BIN);
	ck_assert_msg(r.status == 0, "%s", r.err);
	want = xasprintf("mprof: warning: dropped an event from the profiled program: end of a span "
			 "with none open, from pid %ld; any more are counted at the end\n"
			 "mprof: warning: 2 bad events from the profiled program dropped\n",
			 strtol(r.out, NULL, 10));
	ck_assert_msg(str_ends_with(r.err, want), "stderr:\n%s\nwant at its end:\n%s", r.err, want);
	ck_assert_int_eq(tl_count_prefix(r.err, "mprof: warning: "), 2);
	got = summarize_profile(path);
	ck_assert_str_eq(got, "fine 0\n");
	free(got);
	free(want);
	tl_result_free(&r);
	free(path);
	free(script);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A program killed with SIGKILL keeps every span it finished. */
START_TEST(test_run_sigkill)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *got, *text;
	char out[4096] = "";
	size_t len = 0;
	int p[2], status;
	long target;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		dup2(devnull, 2);
		execl(MPROF_BIN, "mprof", "run", "-T", "0.02", "-o", path, EMIT_C, "spans", "5", "20",
		      "hold", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (!strstr(out, "done\n")) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		ssize_t n;

		ck_assert_msg(poll(&pfd, 1, 60000) == 1, "no 'done' from the target: '%s'", out);
		n = read(p[0], out + len, sizeof(out) - 1 - len);
		ck_assert_int_gt(n, 0);
		len += (size_t)n;
		out[len] = '\0';
	}
	target = id_after(out, "ids ");
	ck_assert_int_eq(kill((pid_t)target, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	close(p[0]);
	ck_assert(WIFEXITED(status));
	got = summarize_profile(path);
	ck_assert_str_eq(got, "span\\x200 1\nspan\\x201 1\nspan\\x202 1\nspan\\x203 1\n"
			      "span\\x204 1\nall 0 unfinished\n");
	text = tl_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, " signal 9\n"));
	free(text);
	free(got);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("emitters");
	TCase *tc_c = tcase_create("c");
	TCase *tc_mark = tcase_create("mark");
	TCase *tc_py = tcase_create("python");
	TCase *tc_run = tcase_create("run");

	tcase_set_timeout(tc_c, 120);
	tcase_add_loop_test(tc_c, test_format, 0, ARRAY_SIZE(formats));
	tcase_add_loop_test(tc_c, test_format_cuts_long_names, 0, ARRAY_SIZE(cuts));
	tcase_add_test(tc_c, test_header_nested);
	tcase_add_test(tc_c, test_header_threads);
	tcase_add_test(tc_c, test_header_fork);
	tcase_add_test(tc_c, test_header_names);
	tcase_add_test(tc_c, test_header_not_profiled);
	tcase_add_test(tc_c, test_header_reader_leaves);
	tcase_add_test(tc_c, test_header_reader_stalls);
	tcase_add_loop_test(tc_c, test_header_compiles, 0, ARRAY_SIZE(builds));
	suite_add_tcase(s, tc_c);

	tcase_set_timeout(tc_mark, 60);
	tcase_add_test(tc_mark, test_mark_events);
	tcase_add_loop_test(tc_mark, test_mark_errors, 0, ARRAY_SIZE(mark_cases));
	suite_add_tcase(s, tc_mark);

	tcase_set_timeout(tc_py, 120);
	tcase_add_test(tc_py, test_python_levels);
	tcase_add_loop_test(tc_py, test_python_memory_profiler_import, 0, ARRAY_SIZE(pythons));
	tcase_add_loop_test(tc_py, test_python_passthrough, 0, ARRAY_SIZE(passthroughs));
	tcase_add_test(tc_py, test_python_reader_stalls);
	tcase_add_loop_test(tc_py, test_python_command, 0, ARRAY_SIZE(commands));
	tcase_add_test(tc_py, test_data_path);
	suite_add_tcase(s, tc_py);

	tcase_set_timeout(tc_run, 240);
	tcase_add_test(tc_run, test_run_python_example);
	tcase_add_test(tc_run, test_run_python_import);
	tcase_add_test(tc_run, test_run_c);
	tcase_add_loop_test(tc_run, test_run_c_ring, 0, 2);
	tcase_add_test(tc_run, test_run_shell);
	tcase_add_test(tc_run, test_run_shell_bad_events);
	tcase_add_test(tc_run, test_run_sigkill);
	suite_add_tcase(s, tc_run);
	return tl_run_suite(s);
}
