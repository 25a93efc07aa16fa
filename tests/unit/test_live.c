/* What mprof shows while a profile is being written, on a pseudo-terminal:
 * the status line of mprof run, the live view (mprof run --live) and
 * mprof plot --terminal --follow; and that nothing of it (no escapes, no
 * colours) reaches what is not a terminal, or a terminal with NO_COLOR. */
#include "testlib.h"
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

static double now_s(void)
{
	return (double)mono_ns() / 1e9;
}

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
	double end = now_s() + timeout;

	for (;;) {
		if (r->len > from && strstr(r->out + from, needle))
			return true;
		if (r->eof || now_s() > end)
			return false;
		pty_read(r, 100);
	}
}

/* Wait for its end, reading all it writes: its status (128+N after signal
 * N). Killed (by pid) and failed after timeout. */
static int pty_finish(struct pty_run *r, double timeout)
{
	double end = now_s() + timeout;
	int st;

	for (;;) {
		pid_t w = waitpid(r->pid, &st, WNOHANG);

		if (w == r->pid)
			break;
		if (now_s() > end) {
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
	ck_assert_msg(count(r.out, " samples") + count(r.out, " sample ") >= 2,
		      "the status line was not drawn at least twice:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "| in phase-one"), "no open span in the status line:\n%s", r.out);
	ck_assert_msg(strstr(r.out, "(exact "), "no exact peak in the status line:\n%s", r.out);
	/* Rewritten in place, and cleared at the end. */
	last_line = last_of(r.out, "mprof ");
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
	ck_assert_msg(!r.out || (!strstr(r.out, "samples") && !strchr(r.out, '\033')),
		      "--quiet drew something:\n%s", r.out);
	pty_release(&r);
	tl_run(&res, dir, "mprof", "run", "-T", "0.01", "-o", out2, MEMWORK_BIN, "sleep", "1300");
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(!strchr(res.err, '\033') && !strstr(res.err, "samples"),
		      "a status line went to a pipe:\n%s", res.err);
	tl_result_free(&res);
	tl_rmrf(dir);
	free(out);
	free(out2);
	free(dir);
}
END_TEST

/* ---- the live view ---- */

/* The widest line of the text after from, in characters. */
static int widest(const char *from)
{
	int w = 0, best = 0;

	for (const unsigned char *p = (const unsigned char *)from; *p; p++) {
		if (*p == '\n') {
			best = w > best ? w : best;
			w = 0;
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
	ck_assert_msg(pty_wait_for(&r, at, "samples", 30), "no status line after q:\n%s", r.out + at);
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
	tcase_add_test(tc, test_status_line);
	tcase_add_test(tc, test_status_line_off);
	tcase_add_loop_test(tc, test_live_view, 0, ARRAY_SIZE(live_sizes));
	tcase_add_loop_test(tc, test_live_restored, 0, ARRAY_SIZE(live_ends));
	tcase_add_test(tc, test_live_q);
	tcase_add_test(tc, test_live_no_color);
	tcase_add_test(tc, test_follow);
	tcase_add_test(tc, test_follow_pipe);
	tcase_add_test(tc, test_follow_html);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
