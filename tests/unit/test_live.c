/* What mprof shows while a profile is being written, on a pseudo-terminal:
 * the status line of mprof run, the live view (mprof run --live) and
 * mprof plot --terminal --follow; and that nothing of it (no escapes, no
 * colours) reaches what is not a terminal, or a terminal with NO_COLOR. */
#include "testlib.h"
#include "events.h"
#include "profile.h"
#include "status.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- a program on a pseudo-terminal ---- */

struct pty_run {
	pid_t pid;
	int master;
	char *out;          /* all it wrote, NUL-terminated */
	size_t len, cap;
	bool eof;
};

/* Start argv ("mprof" is the binary under test) on a new terminal of
 * cols x rows, in dir, with env entries ("NAME=value") added; COLUMNS, LINES
 * and NO_COLOR are taken out first. */
static void pty_start(struct pty_run *r, int cols, int rows, const char *dir, const char *const *env,
		      const char *const argv[])
{
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

	memset(r, 0, sizeof(*r));
	r->pid = forkpty(&r->master, NULL, NULL, &ws);
	ck_assert_msg(r->pid >= 0, "forkpty: %s", strerror(errno));
	if (r->pid == 0) {
		unsetenv("COLUMNS");
		unsetenv("LINES");
		unsetenv("NO_COLOR");
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (dir && chdir(dir) < 0)
			_exit(126);
		execv(strcmp(argv[0], "mprof") ? argv[0] : MPROF_BIN, (char *const *)argv);
		_exit(127);
	}
	fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
}

/* Read what is there, waiting up to ms for it. */
static void pty_read(struct pty_run *r, int ms)
{
	struct pollfd p = { .fd = r->master, .events = POLLIN };
	char buf[8192];
	ssize_t n;

	if (r->eof || poll(&p, 1, ms) <= 0)
		return;
	while ((n = read(r->master, buf, sizeof(buf))) > 0) {
		XGROW(r->out, r->cap, r->len + (size_t)n + 1);
		memcpy(r->out + r->len, buf, (size_t)n);
		r->len += (size_t)n;
		r->out[r->len] = '\0';
	}
	if (n == 0 || (n < 0 && errno == EIO))
		r->eof = true;
}

/* Wait until what it wrote after offset `from` holds needle. */
static bool pty_wait_for(struct pty_run *r, size_t from, const char *needle, double timeout)
{
	double end = tl_now() + timeout;

	for (;;) {
		if (r->len > from && strstr(r->out + from, needle))
			return true;
		if (r->eof || tl_now() > end)
			return false;
		pty_read(r, 100);
	}
}

/* Wait for its end, reading all it writes: its status (128+N after signal
 * N). Killed (by pid) and failed after timeout. */
static int pty_finish(struct pty_run *r, double timeout)
{
	double end = tl_now() + timeout;
	int st;

	for (;;) {
		pid_t w = waitpid(r->pid, &st, WNOHANG);

		if (w == r->pid)
			break;
		if (tl_now() > end) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &st, 0);
			ck_abort_msg("still running after %g s; it wrote:\n%s", timeout, r->out ? r->out : "");
		}
		pty_read(r, 50);
	}
	pty_read(r, 200);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void pty_release(struct pty_run *r)
{
	close(r->master);
	free(r->out);
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; p && (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const char *last_of(const char *text, const char *needle)
{
	const char *last = NULL;

	for (const char *p = text; p && (p = strstr(p, needle)); p++)
		last = p;
	return last;
}

/* An SGR colour escape: ESC [ 3x / 38; / 9x. */
static bool has_color(const char *text)
{
	return strstr(text, "\033[3") || strstr(text, "\033[9") || strstr(text, "\033[1;3");
}

/* ---- the innermost open span, the line's text ---- */

static double fixed_mem(void *ctx)
{
	return *(double *)ctx;
}

/* Events fed one after the other; after each, the innermost open span. */
static const struct {
	const char *event;
	const char *open;   /* NULL: none */
} span_steps[] = {
	{ "B 1 1 10.0 outer\n", "outer" },
	{ "B 1 1 11.0 inner\n", "inner" },
	{ "B 1 2 12.0 other thread\n", "other thread" },
	{ "E 1 2 13.0\n", "inner" },
	{ "M 1 1 13.5 a marker\n", "inner" },
	{ "E 1 1 14.0\n", "outer" },
	{ "E 1 1 15.0 outer\n", NULL },
};

START_TEST(test_open_span)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "e.dat");
	struct profile_writer w;
	struct events *ev;
	double mem = 1.0;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	ck_assert_ptr_null(events_open_span(ev));
	for (size_t i = 0; i < ARRAY_SIZE(span_steps); i++) {
		const char *open;

		ck_assert_int_eq(events_feed(ev, span_steps[i].event, strlen(span_steps[i].event), fixed_mem, &mem), 0);
		open = events_open_span(ev);
		if (span_steps[i].open)
			ck_assert_msg(open && !strcmp(open, span_steps[i].open), "after %s: %s, not %s",
				      span_steps[i].event, open ? open : "none", span_steps[i].open);
		else
			ck_assert_msg(!open, "after %s: %s still open", span_steps[i].event, open);
	}
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

static const struct {
	double elapsed, mem, peak, hwm;
	unsigned long samples;
	const char *span;
	const char *want;
} formats[] = {
	{ 1.04, 10, 12.5, 13, 104, "load", "mprof 1.0 s | now 10.0 MiB | peak 12.5 MiB (exact 13.0) | 104 samples | in load" },
	{ 0, 0, 0, 0, 1, NULL, "mprof 0.0 s | now 0.0 MiB | peak 0.0 MiB | 1 sample" },
	{ 61.5, 1024.25, 2048, 0, 6150, "", "mprof 61.5 s | now 1024.2 MiB | peak 2048.0 MiB | 6150 samples" },
};

START_TEST(test_status_format)
{
	char buf[256], small[24];

	status_format(buf, sizeof(buf), formats[_i].elapsed, formats[_i].mem, formats[_i].peak, formats[_i].hwm,
		      formats[_i].samples, formats[_i].span);
	ck_assert_str_eq(buf, formats[_i].want);
	/* A short buffer gets the start of it. */
	status_format(small, sizeof(small), formats[_i].elapsed, formats[_i].mem, formats[_i].peak,
		      formats[_i].hwm, formats[_i].samples, formats[_i].span);
	ck_assert_int_eq(strncmp(small, formats[_i].want, sizeof(small) - 1), 0);
}
END_TEST

/* term_line: the line cut to the width, never inside a character. */
static const struct {
	const char *text;
	int width;
	const char *want;
} cuts[] = {
	{ "abcdef", 80, TERM_CLEAR_LINE "abcdef" },
	{ "abcdef", 4, TERM_CLEAR_LINE "abc" },
	{ "ab\xc3\xa9\xc3\xa9", 4, TERM_CLEAR_LINE "ab" },       /* "abéé": "ab\xc3" would split é */
	{ "a\xe2\xa0\x89xyz", 3, TERM_CLEAR_LINE "a" },
	{ NULL, 80, TERM_CLEAR_LINE },
};

START_TEST(test_term_line)
{
	int p[2];
	char buf[128];
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(term_line(p[1], cuts[_i].text, cuts[_i].width), 0);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, cuts[_i].want);
}
END_TEST

/* ---- the status line ---- */

START_TEST(test_status_line)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "s.dat");
	struct pty_run r;
	const char *last_line, *cleared;
	int st;

	pty_start(&r, 200, 30, dir, NULL,
		  (const char *const[]){ "mprof", "run", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc", "8",
					 "begin", "phase-one", "sleep", "2600", "end", NULL });
	st = pty_finish(&r, 60);
	ck_assert_int_eq(st, 0);
	ck_assert_msg(count(r.out, "| now ") >= 2,
		      "the status line was not drawn at least twice:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "| in phase-one"), "no open span in the status line:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "(exact "), "no exact peak in the status line:\n%s", r.out);
	/* Rewritten in place, and cleared at the end. */
	last_line = last_of(r.out, "| now ");
	cleared = last_of(r.out, TERM_CLEAR_LINE);
	ck_assert_ptr_nonnull(last_line);
	ck_assert_msg(cleared && cleared > last_line, "the status line was not cleared at the end:\n%s", r.out);
	ck_assert_msg(!strstr(r.out, "\n" "mprof 1."), "the status line took a new line:\n%s", r.out);
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* --quiet, and stderr not a terminal: no status line. */
START_TEST(test_status_line_off)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "q.dat"), *out2 = tl_path(dir, "p.dat");
	struct pty_run r;
	struct tl_result res;

	pty_start(&r, 120, 30, dir, NULL,
		  (const char *const[]){ "mprof", "run", "--quiet", "-T", "0.01", "-o", out, MEMWORK_BIN,
					 "sleep", "1300", NULL });
	ck_assert_int_eq(pty_finish(&r, 60), 0);
	ck_assert_msg(!r.out || (!strstr(r.out, "| now ") && !strchr(r.out, '\033')),
		      "--quiet drew something:\n%s", r.out);
	pty_release(&r);
	tl_run(&res, dir, "mprof", "run", "-T", "0.01", "-o", out2, MEMWORK_BIN, "sleep", "1300");
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(!strchr(res.err, '\033') && !strstr(res.err, "| now "),
		      "a status line went to a pipe:\n%s", res.err);
	tl_result_free(&res);
	tl_rmrf(dir);
	free(out);
	free(out2);
	free(dir);
}
END_TEST

/* ---- the live view ---- */

/* The widest line of the picture after from, in characters (mprof's own
 * messages, such as a warning of a busy machine, left out). */
static int widest(const char *from)
{
	int w = 0, best = 0;
	bool message = str_starts_with(from, "mprof:");

	for (const unsigned char *p = (const unsigned char *)from; *p; p++) {
		if (*p == '\n') {
			if (!message && w > best)
				best = w;
			w = 0;
			message = str_starts_with((const char *)p + 1, "mprof:");
		} else if (*p == '\033') {
			while (p[1] && !((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z')))
				p++;
			p++;
		} else if ((*p & 0xc0) != 0x80 && *p != '\r') {
			w++;
		}
	}
	return best;
}

static const struct {
	int cols, rows;
} live_sizes[] = { { 100, 30 }, { 64, 20 } };

START_TEST(test_live_view)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "l.dat");
	int cols = live_sizes[_i].cols, rows = live_sizes[_i].rows;
	struct pty_run r;
	const char *off;
	struct termios t;

	pty_start(&r, cols, rows, dir, NULL,
		  (const char *const[]){ "mprof", "run", "--live", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc",
					 "4", "sleep", "700", "alloc", "16", "mark", "grown", "sleep", "1800",
					 NULL });
	ck_assert_int_eq(pty_finish(&r, 60), 0);
	ck_assert_msg(strstr(r.out, TERM_ALT_ON), "the alternate screen was not entered:\n%s", r.out);
	ck_assert_msg(count(r.out, "\033[H") >= 3, "the view was not redrawn in place (%d times):\n%s",
		      count(r.out, "\033[H"), r.out);
	ck_assert_msg(has_color(r.out), "no colours on a terminal without NO_COLOR");
	off = last_of(r.out, TERM_ALT_OFF);
	ck_assert_msg(off && off > last_of(r.out, TERM_ALT_ON), "the alternate screen was not left:\n%s", r.out);
	ck_assert_msg(last_of(r.out, TERM_CURSOR_ON) > last_of(r.out, TERM_CURSOR_OFF), "the cursor is hidden");
	/* The last picture stays, sized to the terminal. */
	ck_assert_msg(strstr(off, "peak"), "no last picture:\n%s", off);
	ck_assert_msg(widest(off) <= cols && widest(off) >= cols - 2, "the picture is %d wide on %d columns:\n%s",
		      widest(off), cols, off);
	ck_assert_msg(strstr(r.out, "grown"), "the marker was not drawn:\n%s", r.out);
	ck_assert_int_eq(tcgetattr(r.master, &t), 0);
	ck_assert_msg((t.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO), "the terminal's modes were not restored");
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* The terminal is given back when mprof is told to stop (SIGTERM) and when
 * the program dies. */
static const struct {
	const char *what;
	bool sigterm;
	const char *argv[6];
} live_ends[] = {
	{ "SIGTERM to mprof", true, { MEMWORK_BIN, "alloc", "4", "sleep", "30000", NULL } },
	{ "the program killed", false, { MEMWORK_BIN, "alloc", "4", "sleep", "1200", "raise", } },
};

START_TEST(test_live_restored)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "k.dat");
	const char *argv[16] = { "mprof", "run", "--live", "-T", "0.01", "-o", out };
	size_t n = 7;
	struct pty_run r;
	struct termios t;
	int st;

	for (size_t i = 0; i < 6 && live_ends[_i].argv[i]; i++)
		argv[n++] = live_ends[_i].argv[i];
	if (!live_ends[_i].sigterm)
		argv[n++] = "9";
	pty_start(&r, 90, 25, dir, NULL, argv);
	ck_assert_msg(pty_wait_for(&r, 0, "\033[H", 30), "%s: no live view:\n%s", live_ends[_i].what, r.out);
	if (live_ends[_i].sigterm) {
		ck_assert_msg(pty_wait_for(&r, 0, "MiB", 30), "no picture:\n%s", r.out);
		kill(r.pid, SIGTERM);
	}
	st = pty_finish(&r, 60);
	ck_assert_msg(st == (live_ends[_i].sigterm ? 128 + SIGTERM : 0), "%s: status %d", live_ends[_i].what, st);
	ck_assert_msg(last_of(r.out, TERM_ALT_OFF) > last_of(r.out, TERM_ALT_ON),
		      "%s: the alternate screen was not left:\n%s", live_ends[_i].what, r.out);
	ck_assert_msg(last_of(r.out, TERM_CURSOR_ON) > last_of(r.out, TERM_CURSOR_OFF),
		      "%s: the cursor is hidden", live_ends[_i].what);
	ck_assert_int_eq(tcgetattr(r.master, &t), 0);
	ck_assert_msg((t.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO), "%s: modes not restored",
		      live_ends[_i].what);
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* q stops watching; the run goes on to its end. */
START_TEST(test_live_q)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "q.dat"), *gate = tl_path(dir, "gate");
	struct pty_run r;
	size_t at;
	char *dat;

	pty_start(&r, 90, 25, dir, NULL,
		  (const char *const[]){ "mprof", "run", "--live", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc",
					 "4", "waitfile", gate, NULL });
	ck_assert_msg(pty_wait_for(&r, 0, "MiB", 30), "no live view:\n%s", r.out);
	ck_assert_int_eq(write(r.master, "q", 1), 1);
	ck_assert_msg(pty_wait_for(&r, 0, TERM_ALT_OFF, 30), "q did not leave the view:\n%s", r.out);
	at = r.len;
	/* Still sampling: its status line goes on. */
	ck_assert_msg(pty_wait_for(&r, at, "| now ", 30), "no status line after q:\n%s", r.out + at);
	ck_assert_int_eq(waitpid(r.pid, NULL, WNOHANG), 0);
	tl_write_file(gate, "");
	ck_assert_int_eq(pty_finish(&r, 60), 0);
	ck_assert_int_eq(count(r.out, TERM_ALT_ON), 1);
	dat = tl_read_file(out, NULL);
	ck_assert_msg(dat && strstr(dat, "\nEXIT "), "the run did not end its profile:\n%s", dat);
	free(dat);
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(gate);
	free(dir);
}
END_TEST

/* --last: the view slides; its last picture starts after 0. */
static const char *axis_labels(const char *picture)
{
	const char *axis = strstr(picture, "\u2514");

	return axis ? strchr(axis, '\n') : NULL;
}

START_TEST(test_live_last)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "w.dat");
	struct pty_run r;
	const char *labels;

	pty_start(&r, 90, 25, dir, NULL,
		  (const char *const[]){ "mprof", "run", "--live", "--last", "1", "-T", "0.01", "-o", out,
					 MEMWORK_BIN, "alloc", "4", "sleep", "3000", NULL });
	ck_assert_int_eq(pty_finish(&r, 60), 0);
	ck_assert_ptr_nonnull(last_of(r.out, TERM_ALT_OFF));
	labels = axis_labels(last_of(r.out, TERM_ALT_OFF));
	ck_assert_msg(labels, "no time axis:\n%s", r.out);
	ck_assert_msg(!strstr(labels, " 0.0 ") && strstr(labels, "2."),
		      "the last picture does not show the last second:\n%s", labels);
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* NO_COLOR: the view is drawn, without colours. */
START_TEST(test_live_no_color)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "n.dat");
	struct pty_run r;

	pty_start(&r, 90, 25, dir, (const char *const[]){ "NO_COLOR=1", NULL },
		  (const char *const[]){ "mprof", "run", "--live", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc",
					 "4", "sleep", "1200", NULL });
	ck_assert_int_eq(pty_finish(&r, 60), 0);
	ck_assert_msg(strstr(r.out, TERM_ALT_ON), "no live view:\n%s", r.out);
	ck_assert_msg(!has_color(r.out), "colours with NO_COLOR:\n%s", r.out);
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* ---- following a profile being written ---- */

START_TEST(test_follow)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "f.dat"), *gate = tl_path(dir, "gate");
	const char *writer[] = { MPROF_BIN, "run", "-q", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc", "4",
				 "waitfile", gate, "alloc", "20", "sleep", "800", NULL };
	struct pty_run r;
	struct stat st0, st1;
	pid_t w;
	int st;
	size_t at;

	w = fork();
	ck_assert_int_ge(w, 0);
	if (w == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(writer[0], (char *const *)writer);
		_exit(127);
	}
	for (int i = 0; i < 300 && (stat(out, &st0) < 0 || st0.st_size < 200); i++)
		usleep(100000);
	pty_start(&r, 80, 24, dir, NULL,
		  (const char *const[]){ "mprof", "plot", "--terminal", "--follow", out, NULL });
	ck_assert_msg(pty_wait_for(&r, 0, "following", 30), "nothing drawn:\n%s", r.out);
	ck_assert_msg(pty_wait_for(&r, 0, "MiB", 30), "no picture:\n%s", r.out);
	ck_assert_msg(has_color(r.out), "no colours on a terminal without NO_COLOR");
	at = r.len;
	ck_assert_msg(pty_wait_for(&r, at, "\033[H", 30), "not redrawn:\n%s", r.out);
	/* It keeps following while the run goes on ... */
	ck_assert_int_eq(waitpid(r.pid, NULL, WNOHANG), 0);
	ck_assert_int_eq(stat(out, &st0), 0);
	tl_write_file(gate, "");
	/* ... and ends by itself when the run has written its end. */
	st = pty_finish(&r, 60);
	ck_assert_int_eq(st, 0);
	ck_assert_int_eq(waitpid(w, &st, 0), w);
	ck_assert_int_eq(stat(out, &st1), 0);
	ck_assert_msg(st1.st_size > st0.st_size, "the file did not grow during the test");
	ck_assert_msg(last_of(r.out, TERM_ALT_OFF) > last_of(r.out, TERM_ALT_ON), "the screen was not left");
	ck_assert_msg(strstr(last_of(r.out, TERM_ALT_OFF), "peak"), "no last picture:\n%s", r.out);
	pty_release(&r);
	tl_rmrf(dir);
	free(out);
	free(gate);
	free(dir);
}
END_TEST

/* With no file, the newest profile; SIGTERM gives the terminal back;
 * NO_COLOR: no colours. */
START_TEST(test_follow_sigterm)
{
	char *dir = tl_tmpdir(), *older = tl_path(dir, "mprofile_20250101000000.dat");
	char *newest = tl_path(dir, "mprofile_20260101000000.dat");
	struct pty_run r;
	struct termios t;

	tl_write_file(older, "CMDLINE older\nMEM 1.0 1000.0\nMEM 2.0 1001.0\nEXIT 1001.0 exit 0\n");
	tl_write_file(newest, "CMDLINE newest\nMEM 1.0 1000.0\nMEM 5.0 1000.5\nMEM 3.0 1001.0\n");
	pty_start(&r, 80, 24, dir, (const char *const[]){ "NO_COLOR=1", NULL },
		  (const char *const[]){ "mprof", "plot", "--terminal", "--follow", NULL });
	ck_assert_msg(pty_wait_for(&r, 0, "following mprofile_20260101000000.dat", 30), "not the newest:\n%s", r.out);
	ck_assert_msg(pty_wait_for(&r, 0, "newest", 30), "no picture:\n%s", r.out);
	kill(r.pid, SIGTERM);
	ck_assert_int_eq(pty_finish(&r, 60), 128 + SIGTERM);
	ck_assert_msg(!has_color(r.out), "colours with NO_COLOR:\n%s", r.out);
	ck_assert_msg(last_of(r.out, TERM_ALT_OFF) > last_of(r.out, TERM_ALT_ON), "the screen was not left:\n%s",
		      r.out);
	ck_assert_msg(last_of(r.out, TERM_CURSOR_ON) > last_of(r.out, TERM_CURSOR_OFF), "the cursor is hidden");
	ck_assert_int_eq(tcgetattr(r.master, &t), 0);
	ck_assert_msg((t.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO), "modes not restored");
	pty_release(&r);
	tl_rmrf(dir);
	free(older);
	free(newest);
	free(dir);
}
END_TEST

/* Not a terminal: no escapes at all, the picture once the run has ended. */
START_TEST(test_follow_pipe)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "p.dat");
	struct tl_result res;

	tl_run(&res, dir, "mprof", "run", "-q", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc", "4", "sleep", "300");
	ck_assert_int_eq(res.status, 0);
	tl_result_free(&res);
	tl_run(&res, dir, "mprof", "plot", "--terminal", "--follow", out);
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "MiB"), "no picture:\n%s", res.out);
	ck_assert_msg(!strchr(res.out, '\033') && !strchr(res.err, '\033'), "escapes in a pipe:\n%s", res.out);
	tl_result_free(&res);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* The page of a run still going reloads itself; the last one does not, and
 * no temporary file is left. */
START_TEST(test_follow_html)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "h.dat"), *page = tl_path(dir, "h.html");
	char *gate = tl_path(dir, "gate"), *html;
	const char *writer[] = { MPROF_BIN, "run", "-q", "-T", "0.01", "-o", out, MEMWORK_BIN, "alloc", "4",
				 "waitfile", gate, NULL };
	const char *plot[] = { MPROF_BIN, "plot", "-o", page, "--follow", out, NULL };
	pid_t w, p;
	struct stat st;
	int status;
	char *dat;

	w = fork();
	ck_assert_int_ge(w, 0);
	if (w == 0) {
		execv(writer[0], (char *const *)writer);
		_exit(127);
	}
	for (int i = 0; i < 300 && (stat(out, &st) < 0 || st.st_size < 200); i++)
		usleep(100000);
	p = fork();
	ck_assert_int_ge(p, 0);
	if (p == 0) {
		execv(plot[0], (char *const *)plot);
		_exit(127);
	}
	for (int i = 0; i < 300 && stat(page, &st) < 0; i++)
		usleep(100000);
	html = tl_read_file(page, NULL);
	ck_assert_msg(html && strstr(html, "http-equiv=\"refresh\""), "the page of a run going does not reload");
	free(html);
	tl_write_file(gate, "");
	ck_assert_int_eq(waitpid(w, &status, 0), w);
	ck_assert_int_eq(waitpid(p, &status, 0), p);
	ck_assert_int_eq(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	html = tl_read_file(page, NULL);
	ck_assert_msg(html && strstr(html, "</html>") && !strstr(html, "http-equiv=\"refresh\""),
		      "the last page still reloads");
	free(html);
	dat = tl_read_file(out, NULL);
	ck_assert_ptr_nonnull(dat);
	free(dat);
	tl_rmrf(dir);
	free(out);
	free(page);
	free(gate);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("live");
	TCase *tc = tcase_create("live");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_open_span);
	tcase_add_loop_test(tc, test_status_format, 0, ARRAY_SIZE(formats));
	tcase_add_loop_test(tc, test_term_line, 0, ARRAY_SIZE(cuts));
	tcase_add_test(tc, test_status_line);
	tcase_add_test(tc, test_status_line_off);
	tcase_add_loop_test(tc, test_live_view, 0, ARRAY_SIZE(live_sizes));
	tcase_add_loop_test(tc, test_live_restored, 0, ARRAY_SIZE(live_ends));
	tcase_add_test(tc, test_live_q);
	tcase_add_test(tc, test_live_last);
	tcase_add_test(tc, test_live_no_color);
	tcase_add_test(tc, test_follow);
	tcase_add_test(tc, test_follow_sigterm);
	tcase_add_test(tc, test_follow_pipe);
	tcase_add_test(tc, test_follow_html);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
