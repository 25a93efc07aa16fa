#include "testlib.h"
#include "channel.h"
#include "events.h"
#include "profile.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static double fake_mem(void *ctx)
{
	double *m = ctx;

	return *m;
}

/* Feed `input` (in chunks of `chunk` bytes, 0: all at once) and return what the
 * writer wrote. */
static char *run_events(const char *input, size_t chunk, bool finish, unsigned long *dropped)
{
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "p.dat");
	struct profile_writer w;
	struct events *ev;
	double mem = 5.0;
	size_t len = strlen(input);
	char *text;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	error_set_quiet(true);
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len; off += chunk) {
		mem += 1.0;
		events_feed(ev, input + off, len - off < chunk ? len - off : chunk, fake_mem, &mem);
	}
	if (finish)
		events_finish(ev, 100.0, 42.0);
	error_set_quiet(false);
	if (dropped)
		*dropped = events_dropped(ev);
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	tl_rmrf(dir);
	free(path);
	free(dir);
	return text;
}

static const struct {
	const char *input;
	const char *expect;    /* lines that must be in the output, '|'-separated */
	int funcs, marks;
	unsigned long dropped;
} cases[] = {
	{ "B 10 10 1.5 outer\nB 10 10 2.5 inner\nE 10 10 3.5\nE 10 10 4.5\n",
	  "FUNC inner 6.0000 2.500000 6.0000 3.500000 1\n|FUNC outer 6.0000 1.500000 6.0000 4.500000 0\n",
	  2, 0, 0 },
	/* two threads nest independently */
	{ "B 10 10 1 a\nB 10 11 1 b\nB 10 11 2 c\nE 10 10 3\nE 10 11 4\nE 10 11 5\n",
	  "FUNC a 6.0000 1.000000 6.0000 3.000000 0\n|FUNC c 6.0000 2.000000 6.0000 4.000000 1\n"
	  "|FUNC b 6.0000 1.000000 6.0000 5.000000 0\n", 3, 0, 0 },
	{ "M 10 10 7.25 phase two\n", "MARK phase\\x20two 6.000000 7.250000\n", 0, 1, 0 },
	/* end by name closes what was begun inside it as unfinished */
	{ "B 1 1 1 job\nB 1 1 2 step\nE 1 1 3 job\n",
	  "FUNC step 6.0000 2.000000 6.0000 3.000000 1 unfinished\n|FUNC job 6.0000 1.000000 6.0000 3.000000 0\n",
	  2, 0, 0 },
	/* spans still open at the end are closed at the last sample, flagged */
	{ "B 1 1 1 open\n", "FUNC open 6.0000 1.000000 42.0000 100.000000 0 unfinished\n", 1, 0, 0 },
	/* garbage is dropped, good events around it are kept */
	{ "hello\nB x 1 1 f\nB 1 1 abc f\nB 1 1 1\nE 1 1 2\nX 1 1 1 f\nM 1 1 1 ok\n",
	  "MARK ok 6.000000 1.000000\n", 0, 1, 6 },
	{ "E 1 1 2 never\n", "", 0, 0, 1 },
	{ "B 1 1 nan f\nB 1 1 inf f\nB 1 1 -5 f\nB 0 1 1 f\n", "", 0, 0, 4 },
	/* CRLF and names with odd bytes */
	{ "B 1 1 1 a\tb\\c\r\nE 1 1 2\r\n", "FUNC a\\x09b\\x5cc 6.0000 1.000000 6.0000 2.000000 0\n", 1, 0, 0 },
	/* an end earlier than its begin (another process's clock) is clamped */
	{ "B 1 1 5 f\nE 1 1 4\n", "FUNC f 6.0000 5.000000 6.0000 5.000000 0\n", 1, 0, 0 },
};

START_TEST(test_event_cases)
{
	for (size_t chunk = 0; chunk < 4; chunk++) {
		unsigned long dropped;
		char *out = run_events(cases[_i].input, chunk, true, &dropped);
		char *want = xstrdup(cases[_i].expect), *save = NULL;

		ck_assert_int_eq(tl_count_prefix(out, "FUNC "), cases[_i].funcs);
		ck_assert_int_eq(tl_count_prefix(out, "MARK "), cases[_i].marks);
		ck_assert_uint_eq(dropped, cases[_i].dropped);
		if (chunk == 0) {
			for (char *l = strtok_r(want, "|", &save); l; l = strtok_r(NULL, "|", &save))
				ck_assert_msg(strstr(out, l), "case %d: missing '%s' in:\n%s", _i, l, out);
		}
		free(want);
		free(out);
	}
}
END_TEST

START_TEST(test_event_output_parses)
{
	/* whatever bytes come in, the profile written stays valid */
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "p.dat");
	struct profile_writer w;
	struct profile_reader r;
	struct record rec;
	struct events *ev;
	double mem = 1;
	unsigned seed = 7;
	char buf[512];
	int rc, n = 0;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	error_set_quiet(true);
	for (int i = 0; i < 20000; i++) {
		size_t len = 0;

		seed = seed * 1103515245u + 12345u;
		if (seed % 3 == 0) {
			len = (size_t)snprintf(buf, sizeof(buf), "%c %u %u %u.5 n\xff %u\n", "BEM"[seed % 3 + (i % 3 == 1)],
					       seed % 5 + 1, seed % 3 + 1, i, seed);
		} else {
			len = seed % sizeof(buf);
			for (size_t k = 0; k < len; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[k] = (char)(seed >> 16);
			}
		}
		events_feed(ev, buf, len, fake_mem, &mem);
	}
	events_finish(ev, 1e6, 1);
	error_set_quiet(false);
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while ((rc = profile_reader_next(&r, &rec)) > 0)
		n++;
	profile_reader_close(&r);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(n, 0);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_event_overlong_line)
{
	size_t big = EVENT_LINE_MAX * 3;
	char *in = malloc(big + 64);
	unsigned long dropped;
	char *out;

	memset(in, 'x', big);
	memcpy(in, "M 1 1 1 ", 8);
	strcpy(in + big, "\nM 1 1 2 after\n");
	out = run_events(in, 1000, true, &dropped);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_int_eq(tl_count_prefix(out, "MARK "), 1);
	ck_assert_ptr_nonnull(strstr(out, "MARK after "));
	free(out);
	free(in);
}
END_TEST

/* What was wrong with a dropped event, in words; then, at the end, how many. */
static const struct {
	const char *input;
	const char *first; /* the warning for the first bad event */
	unsigned long dropped;
} drops[] = {
	{ "E 15382 15382 1.5\n", "end of a span with none open, from pid 15382", 1 },
	{ "B 7 8 1 a\nE 7 8 2 job\n", "end of span 'job' with none of that name open, from pid 7, thread 8", 1 },
	{ "E 7 7 2 a b\n", "end of span 'a\\x20b' with none of that name open, from pid 7", 1 },
	{ "hello\nB x 1 1 f\n", "not an event (B, E, M or H, then pid, thread id, time): 'hello'", 2 },
	{ "B x 1 1 f\n", "no pid, thread id and time (positive numbers) in 'B\\x20x", 1 },
	{ "B 1 2 abc f\n", "a time that is not a positive number ('abc'), from pid 1, thread 2", 1 },
	{ "B 1 1 1\n", "the beginning of a span without a name, from pid 1", 1 },
	{ "M 1 1 1\nE 1 1 1\nE 1 1 1\n", "a marker without a label, from pid 1", 3 },
};

/* A NUL kind is no event (strchr finds the terminator of "BEM"). */
START_TEST(test_drop_nul_kind)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat"), *text;
	struct profile_writer w;
	struct events *ev;
	double mem = 1;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	error_set_quiet(true);
	ck_assert_int_eq(events_feed(ev, "\0 1 1 1 x\n", 11, fake_mem, &mem), 0);
	ck_assert_uint_eq(events_dropped(ev), 1);
	ck_assert_ptr_nonnull(strstr(error_last(), "not an event"));
	events_finish(ev, 10, 1);
	error_set_quiet(false);
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	ck_assert_str_eq(text, "");
	free(text);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_drop_messages)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat");
	struct profile_writer w;
	struct events *ev;
	double mem = 1;
	char *want;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	error_set_quiet(true);
	ck_assert_int_eq(events_feed(ev, drops[_i].input, strlen(drops[_i].input), fake_mem, &mem), 0);
	want = xasprintf("dropped an event from the profiled program: %s", drops[_i].first);
	ck_assert_msg(str_starts_with(error_last(), want), "'%s', want '%s'", error_last(), want);
	free(want);
	ck_assert_uint_eq(events_dropped(ev), drops[_i].dropped);
	ck_assert_int_eq(events_finish(ev, 10, 1), 0);
	want = xasprintf("%lu bad event%s from the profiled program dropped", drops[_i].dropped,
			 drops[_i].dropped == 1 ? "" : "s");
	ck_assert_str_eq(error_last(), want);
	error_set_quiet(false);
	free(want);
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

/* Records that cannot be written: the writer says why once, events say so
 * to their caller, and are still read. */
START_TEST(test_write_failure)
{
	struct profile_writer w;
	struct events *ev;
	double mem = 1;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC), rc = 0;
	char line[64];

	if (fd < 0) {
		tl_skip("no /dev/full: a failing write is not tried");
		return;
	}
	profile_writer_init_fd(&w, fd, "/dev/full");
	ev = events_new(&w);
	error_set_quiet(true);
	for (int i = 1; i <= 5000 && rc == 0; i++) {
		int n = snprintf(line, sizeof(line), "B 1 1 %d.5 span\nE 1 1 %d.75\n", i, i);

		rc = events_feed(ev, line, (size_t)n, fake_mem, &mem);
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(error_last(), "cannot write '/dev/full'"));
	ck_assert_uint_lt(events_spans(ev), 5000);
	/* still read: a span begun now is not an error, and ends unfinished
	 * without being written */
	ck_assert_int_eq(events_feed(ev, "B 1 1 9999 x\n", 13, fake_mem, &mem), -1);
	ck_assert_int_eq(events_finish(ev, 10000, 1), -1);
	ck_assert_uint_eq(events_dropped(ev), 0);
	error_set_quiet(false);
	events_free(ev);
	profile_writer_close(&w);
}
END_TEST

START_TEST(test_channel)
{
	struct events_channel ch;
	char *dir = tl_tmpdir();
	char *path = tl_path(dir, "p.dat");
	struct profile_writer w;
	struct events *ev;
	double mem = 3;
	char *text, *fifo_dir;
	int fd;
	const char *msg = "B 5 5 1 w\nE 5 5 2\n";

	ck_assert_int_eq(events_channel_open(&ch), 0);
	ck_assert_ptr_nonnull(ch.path);
	fd = open(ch.path, O_WRONLY | O_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, msg, strlen(msg)), (ssize_t)strlen(msg));
	close(fd);
	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ev = events_new(&w);
	ck_assert_int_eq(events_drain(ev, ch.rfd, fake_mem, &mem), (ssize_t)strlen(msg));
	/* the writer left: no end-of-file, just nothing to read */
	ck_assert_int_eq(events_drain(ev, ch.rfd, fake_mem, &mem), 0);
	ck_assert_uint_eq(events_spans(ev), 1);
	events_free(ev);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	text = tl_read_file(path, NULL);
	ck_assert_ptr_nonnull(strstr(text, "FUNC w 3.0000 1.000000 3.0000 2.000000 0\n"));
	free(text);
	fifo_dir = xstrdup(ch.dir);
	events_channel_close(&ch);
	ck_assert_int_ne(access(fifo_dir, F_OK), 0);
	free(fifo_dir);
	tl_rmrf(dir);
	free(path);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("protocol");

	tcase_add_loop_test(tc, test_event_cases, 0, ARRAY_SIZE(cases));
	tcase_add_test(tc, test_event_output_parses);
	tcase_add_test(tc, test_event_overlong_line);
	tcase_add_loop_test(tc, test_drop_messages, 0, ARRAY_SIZE(drops));
	tcase_add_test(tc, test_drop_nul_kind);
	tcase_add_test(tc, test_write_failure);
	tcase_add_test(tc, test_channel);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
