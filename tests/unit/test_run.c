/* mprof run and mprof attach, end to end: the built binary samples the
 * memwork workload (tests/workloads/memwork.c) and the profiles it writes are
 * read back with the profile reader. */
#include "testlib.h"
#include "plot_model.h"
#include "profile.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MW MEMWORK_BIN
#define MAX_PIDS 1024

/* ---- what a profile holds ---- */

struct prof {
	int mem, chld, peak, chldpeak, chldcmd, func, mark, exits, cmdlines, headers;
	double mem_max, mem_first, mem_last, peak_max, peak_last;
	double t_first, t_last;
	char cmdline[1024], header[512], exit_how[32], func_name[128], mark_label[128];
	double mark_mem;
	int exit_status;
	bool func_unfinished;
	pid_t chld_pid[MAX_PIDS];
	double chld_max[MAX_PIDS];
	int nchld_pids;
	pid_t cmd_pid[MAX_PIDS];
	char cmd_name[MAX_PIDS][32];
	int ncmd;
	pid_t chldpeak_pid[MAX_PIDS];
	double chldpeak_max[MAX_PIDS];
	int nchldpeak;
};

static void copy_text(char *dst, size_t cap, const struct record *rec)
{
	size_t n = rec->text_len < cap - 1 ? rec->text_len : cap - 1;

	memcpy(dst, rec->text, n);
	dst[n] = '\0';
}

static int pid_slot(pid_t *pids, int *n, pid_t pid)
{
	for (int i = 0; i < *n; i++)
		if (pids[i] == pid)
			return i;
	ck_assert_int_lt(*n, MAX_PIDS);
	pids[*n] = pid;
	return (*n)++;
}

/* Read a whole profile; the reader must accept every line. */
static void read_profile(const char *path, struct prof *p)
{
	struct profile_reader r;
	struct record rec;
	int rc, i;

	memset(p, 0, sizeof(*p));
	ck_assert_msg(profile_reader_open(&r, path) == 0, "cannot open %s", path);
	while ((rc = profile_reader_next(&r, &rec)) == 1) {
		switch (rec.kind) {
		case REC_CMDLINE:
			if (!p->cmdlines++)
				copy_text(p->cmdline, sizeof(p->cmdline), &rec);
			break;
		case REC_MPROF:
			if (!p->headers++)
				copy_text(p->header, sizeof(p->header), &rec);
			break;
		case REC_MEM:
			if (!p->mem++) {
				p->mem_first = rec.mem;
				p->t_first = rec.t;
			}
			if (rec.mem > p->mem_max)
				p->mem_max = rec.mem;
			p->mem_last = rec.mem;
			ck_assert_msg(rec.t >= p->t_last, "time goes backwards at line %ld", rec.lineno);
			p->t_last = rec.t;
			break;
		case REC_CHLD:
			p->chld++;
			i = pid_slot(p->chld_pid, &p->nchld_pids, (pid_t)rec.pid);
			if (rec.mem > p->chld_max[i])
				p->chld_max[i] = rec.mem;
			break;
		case REC_PEAK:
			p->peak++;
			if (rec.mem > p->peak_max)
				p->peak_max = rec.mem;
			p->peak_last = rec.mem;
			break;
		case REC_CHLDPEAK:
			p->chldpeak++;
			i = pid_slot(p->chldpeak_pid, &p->nchldpeak, (pid_t)rec.pid);
			if (rec.mem > p->chldpeak_max[i])
				p->chldpeak_max[i] = rec.mem;
			break;
		case REC_CHLDCMD:
			p->chldcmd++;
			i = p->ncmd;
			ck_assert_msg(pid_slot(p->cmd_pid, &p->ncmd, (pid_t)rec.pid) == i,
				      "CHLDCMD twice for pid %ld", rec.pid);
			copy_text(p->cmd_name[i], sizeof(p->cmd_name[i]), &rec);
			break;
		case REC_FUNC:
			p->func++;
			copy_text(p->func_name, sizeof(p->func_name), &rec);
			p->func_unfinished = rec.unfinished;
			break;
		case REC_MARK:
			p->mark++;
			copy_text(p->mark_label, sizeof(p->mark_label), &rec);
			p->mark_mem = rec.mem;
			break;
		case REC_EXIT:
			p->exits++;
			copy_text(p->exit_how, sizeof(p->exit_how), &rec);
			p->exit_status = rec.status;
			break;
		default:
			break;
		}
	}
	ck_assert_msg(rc == 0, "%s does not parse: %s", path, error_last());
	ck_assert_msg(!r.incomplete_tail, "%s ends in a partial record", path);
	profile_reader_close(&r);
}

/* ---- running things ---- */

struct run {
	char *dir;
	char *out;      /* dir/out.dat */
	struct tl_result r;
	struct prof p;
};

static void run_setup(struct run *x)
{
	memset(x, 0, sizeof(*x));
	x->dir = tl_tmpdir();
	x->out = tl_path(x->dir, "out.dat");
}

static void run_teardown(struct run *x)
{
	tl_result_free(&x->r);
	tl_rmrf(x->dir);
	free(x->dir);
	free(x->out);
}

#define RUN(x, ...) tl_run_env(&(x)->r, (x)->dir, NULL, 60, (const char *const[]){ "mprof", __VA_ARGS__, NULL })

static bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static bool exists_in(const char *dir, const char *name)
{
	char *path = tl_path(dir, name);
	bool yes = file_exists(path);

	free(path);
	return yes;
}

static bool still_running(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

/* Wait until path holds at least n lines starting with prefix. */
static void wait_lines(const char *path, const char *prefix, int n, double timeout)
{
	double end = tl_now() + timeout;

	for (;;) {
		char *text = tl_read_file(path, NULL);
		int k = text ? tl_count_prefix(text, prefix) : 0;

		free(text);
		if (k >= n)
			return;
		ck_assert_msg(tl_now() < end, "%s: fewer than %d '%s' lines after %.0f s", path, n, prefix,
			      timeout);
		tl_sleep_ms(20);
	}
}

/* The pid a workload wrote to dir/name (waits for it). */
static pid_t read_pidfile(const char *dir, const char *name, double timeout)
{
	double end = tl_now() + timeout;
	char *path = tl_path(dir, name);

	for (;;) {
		char *text = tl_read_file(path, NULL);
		long pid = 0;

		if (text && strchr(text, '\n'))
			pid = strtol(text, NULL, 10);
		free(text);
		if (pid > 0) {
			free(path);
			return (pid_t)pid;
		}
		ck_assert_msg(tl_now() < end, "no pid in %s", path);
		tl_sleep_ms(10);
	}
}

static bool pid_alive(pid_t pid)
{
	char path[64];
	char *st;
	bool alive;

	if (kill(pid, 0) < 0)
		return false;
	/* A zombie waiting for init is not alive. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	st = tl_read_file(path, NULL);
	alive = st && strstr(st, ") Z ") == NULL;
	free(st);
	return alive;
}

static void kill_pid(pid_t pid)
{
	kill(pid, SIGKILL);
}

/* The parent pid in /proc/PID/stat (0 if gone). */
static pid_t parent_of(pid_t pid)
{
	char path[64], *st, *end;
	pid_t ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	st = tl_read_file(path, NULL);
	end = st ? strrchr(st, ')') : NULL;
	if (end)
		ppid = (pid_t)strtol(end + 4, NULL, 10); /* ") S PPID" */
	free(st);
	return ppid;
}

/* SIGKILL to each child of parent, by pid. */
static void kill_children(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);

		if (pid > 0 && parent_of(pid) == parent)
			kill(pid, SIGKILL);
	}
	closedir(d);
}

static bool dir_is_empty(const char *dir)
{
	char *cmd = xasprintf("test -z \"$(ls -A '%s')\"", dir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

/* ---- sampling ---- */

/* Known amounts show within 5%: 32 MiB, then 64, then back down. */
START_TEST(test_known_amounts)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-T", "0.01", "-o", "out.dat", MW, "sleep", "100", "alloc", "32", "sleep", "250",
	    "alloc", "32", "sleep", "250", "free", "free", "sleep", "150");
	ck_assert_msg(x.r.status == 0, "status %d: %s", x.r.status, x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 20);
	ck_assert_msg(x.p.mem_max >= 64 && x.p.mem_max <= 64 * 1.05 + 2, "max %.2f MiB", x.p.mem_max);
	ck_assert_msg(x.p.mem_last < 8, "last %.2f MiB after free", x.p.mem_last);
	ck_assert_msg(x.p.peak_max >= 64 && x.p.peak_max <= 64 * 1.05 + 2, "PEAK %.2f", x.p.peak_max);
	ck_assert_int_eq(x.p.cmdlines, 1);
	ck_assert(str_starts_with(x.p.cmdline, MW " sleep 100 alloc 32"));
	ck_assert_int_eq(x.p.headers, 1);
	ck_assert_msg(strstr(x.p.header, "backend=rss interval=0.01 mode=self pid=") != NULL, "%s",
		      x.p.header);
	ck_assert_str_eq(x.p.exit_how, "exit");
	ck_assert_int_eq(x.p.exits, 1);
	ck_assert(strstr(x.r.err, "Sampling memory every 0.01s") != NULL);
	ck_assert(strstr(x.r.err, "out.dat") != NULL);
	run_teardown(&x);
}
END_TEST

/* Samples follow absolute deadlines: at 10 ms for 1 s, one per 10 ms of the
 * run, never more, and not much fewer (generous: on a loaded machine late
 * deadlines are skipped, not made up; the benchmark measures the real
 * figure). */
START_TEST(test_schedule)
{
	struct run x;
	double span, asked;

	run_setup(&x);
	RUN(&x, "run", "-T", "0.01", "-o", "out.dat", MW, "sleep", "1000");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	span = x.p.t_last - x.p.t_first;
	asked = span / 0.01 + 1;
	ck_assert_msg(span >= 0.95, "sampled for %.3f s", span);
	ck_assert_msg(x.p.mem <= asked + 1 && x.p.mem >= 0.5 * asked, "%d samples in %.3f s", x.p.mem, span);
	run_teardown(&x);
}
END_TEST

/* A program that ends at once still gives a valid file with a sample. */
START_TEST(test_quick_exit)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-o", "out.dat", "true");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 1);
	ck_assert_int_ge(x.p.peak, 1);
	ck_assert_str_eq(x.p.exit_how, "exit");
	ck_assert_int_eq(x.p.exit_status, 0);
	ck_assert_str_eq(x.p.cmdline, "true");
	run_teardown(&x);
}
END_TEST

/* A 64 MiB spike held 1 ms between two samples 0.1 s apart: the PEAK record
 * (the kernel's high-water mark) has it. */
START_TEST(test_spike_peak)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-o", "out.dat", MW, "sleep", "230", "alloc", "64", "sleep", "1", "free", "sleep", "230");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_msg(x.p.peak_last >= 64 && x.p.peak_last < 64 * 1.05 + 2, "last PEAK %.2f", x.p.peak_last);
	run_teardown(&x);
}
END_TEST

/* The kernel folds the peak of the children a program reaped into its own
 * ru_maxrss: PEAK stays the program's own (here ~1 MiB, not the child's 48). */
START_TEST(test_peak_is_the_programs_own)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-T", "0.02", "-o", "out.dat", MW, "fork", "1", "48", "150", "wait", "sleep", "50");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_msg(x.p.peak_last < 10, "PEAK %.2f", x.p.peak_last);
	ck_assert_msg(x.p.mem_max < 10, "MEM %.2f", x.p.mem_max);
	run_teardown(&x);
}
END_TEST

/* The wake-up on exit is immediate: a 50 ms program at a 10 s interval takes
 * far less than 10 s. */
START_TEST(test_exit_wakes_at_once)
{
	struct run x;
	double t0 = tl_now();

	run_setup(&x);
	RUN(&x, "run", "-T", "10", "-o", "out.dat", MW, "sleep", "50");
	ck_assert_int_eq(x.r.status, 0);
	ck_assert_msg(tl_now() - t0 < 5, "took %.1f s", tl_now() - t0);
	read_profile(x.out, &x.p);
	ck_assert_int_eq(x.p.mem, 1);
	ck_assert_int_eq(x.p.exits, 1);
	run_teardown(&x);
}
END_TEST

/* ---- exit codes ---- */

static const struct {
	const char *step, *arg;
	bool propagate;
	int want_status;
	const char *how;
	int n;
} exits[] = {
	{ "exit", "0", true, 0, "exit", 0 },
	{ "exit", "3", true, 3, "exit", 3 },
	{ "exit", "3", false, 0, "exit", 3 },
	{ "raise", "11", true, 128 + 11, "signal", 11 },
	{ "raise", "9", true, 128 + 9, "signal", 9 },
	{ "raise", "15", false, 0, "signal", 15 },
};

START_TEST(test_exit_codes)
{
	struct run x;

	run_setup(&x);
	if (exits[_i].propagate)
		RUN(&x, "run", "-E", "-o", "out.dat", MW, exits[_i].step, exits[_i].arg);
	else
		RUN(&x, "run", "-o", "out.dat", MW, exits[_i].step, exits[_i].arg);
	ck_assert_msg(x.r.status == exits[_i].want_status, "%s %s: status %d", exits[_i].step, exits[_i].arg,
		      x.r.status);
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.exit_how, exits[_i].how);
	ck_assert_int_eq(x.p.exit_status, exits[_i].n);
	run_teardown(&x);
}
END_TEST

START_TEST(test_exit_code_long_option)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "--exit-code", "-o", "out.dat", MW, "exit", "42");
	ck_assert_int_eq(x.r.status, 42);
	run_teardown(&x);
}
END_TEST

/* A program that cannot be started: 127 (126 if not executable), the
 * message, and no profile left behind. */
START_TEST(test_exec_failure)
{
	struct run x;
	char *plain;

	run_setup(&x);
	RUN(&x, "run", "-o", "out.dat", "no-such-program-mprof");
	ck_assert_int_eq(x.r.status, 127);
	ck_assert_msg(strstr(x.r.err, "mprof: cannot run 'no-such-program-mprof': No such file or directory"),
		      "%s", x.r.err);
	ck_assert(!file_exists(x.out));
	tl_result_free(&x.r);
	RUN(&x, "run", "./missing/prog");
	ck_assert_int_eq(x.r.status, 127);
	ck_assert(dir_is_empty(x.dir));
	tl_result_free(&x.r);
	plain = tl_path(x.dir, "plain");
	tl_write_file(plain, "data\n");
	RUN(&x, "run", "-o", "out.dat", "./plain");
	ck_assert_int_eq(x.r.status, 126);
	ck_assert(strstr(x.r.err, "cannot run './plain': Permission denied") != NULL);
	ck_assert(!file_exists(x.out));
	free(plain);
	run_teardown(&x);
}
END_TEST

/* A program that exits 1 is not a failure to start it. */
START_TEST(test_exit_one_is_not_exec_failure)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-E", "-o", "out.dat", "false");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert(file_exists(x.out));
	ck_assert(strstr(x.r.err, "cannot run") == NULL);
	run_teardown(&x);
}
END_TEST

/* ---- options ---- */

/* Bad values: exit 2, a message naming the option and what it accepts,
 * nothing written. */
static const struct {
	const char *args[4];
	const char *msg;
} bad_options[] = {
	{ { "-T", "0" }, "option --interval: '0' is not a number of seconds from 0.0001 to 86400" },
	{ { "-T", "-1" }, "option --interval: '-1'" },
	{ { "-T", "nan" }, "option --interval: 'nan'" },
	{ { "-T", "abc" }, "option --interval: 'abc'" },
	{ { "--interval", "0.00001" }, "option --interval: '0.00001'" },
	{ { "-T", "inf" }, "option --interval" },
	{ { "-t", "-1" }, "option --timeout: '-1' is not a number of seconds >= 0" },
	{ { "--timeout", "x" }, "option --timeout: 'x'" },
	{ { "--backend", "foo" }, "option --backend: 'foo' is not one of rss, pss, uss" },
	{ { "--backend", "tracemalloc" }, "option --backend: tracemalloc is not supported" },
	{ { "--force", "--append" }, "--force and --append" },
	{ { "--python", "--nopython" }, "--python and --nopython" },
	{ { "--no-such-option" }, "unknown option '--no-such-option'" },
	{ { "-x" }, "unknown option '-x'" },
	{ { "-o" }, "option '-o' needs a value" },
	{ { "-o", "" }, "option --output" },
	{ { NULL }, "a program to run is needed" },
	{ { "-C", "-M" }, "a program to run is needed" },
};

START_TEST(test_bad_options)
{
	struct run x;
	const char *argv[10] = { "mprof", "run" };
	int n = 2;

	run_setup(&x);
	for (int i = 0; bad_options[_i].args[i]; i++)
		argv[n++] = bad_options[_i].args[i];
	if (!(bad_options[_i].args[0] && !strcmp(bad_options[_i].args[0], "-o") && !bad_options[_i].args[1]) &&
	    !strstr(bad_options[_i].msg, "program to run"))
		argv[n++] = "true";
	argv[n] = NULL;
	tl_run_env(&x.r, x.dir, NULL, 30, argv);
	ck_assert_msg(x.r.status == 2, "status %d for %s", x.r.status, bad_options[_i].msg);
	ck_assert_msg(strstr(x.r.err, bad_options[_i].msg) != NULL, "want '%s', got: %s", bad_options[_i].msg,
		      x.r.err);
	ck_assert_msg(str_starts_with(x.r.err, "mprof run: "), "%s", x.r.err);
	ck_assert_msg(dir_is_empty(x.dir), "something was written");
	run_teardown(&x);
}
END_TEST

START_TEST(test_help)
{
	static const char *const words[] = { "--interval", "--output", "--force", "--append",
					     "--include-children", "--multiprocess", "--exit-code",
					     "--timeout", "--attach", "--backend", "--python", "--nopython" };
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "--help");
	ck_assert_int_eq(x.r.status, 0);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		ck_assert_msg(strstr(x.r.out, words[i]) != NULL, "help lacks %s", words[i]);
	tl_result_free(&x.r);
	RUN(&x, "help", "attach");
	ck_assert_int_eq(x.r.status, 0);
	ck_assert(strstr(x.r.out, "mprof attach") != NULL);
	ck_assert(dir_is_empty(x.dir));
	run_teardown(&x);
}
END_TEST

/* Long options, unambiguous prefixes, and options after PROGRAM belong to it
 * (--inter could be --interval or --interval-peaks). */
START_TEST(test_long_options_and_prefixes)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "--interval", "0.02", "--out", "out.dat", "--include", MW, "-T", "5", "-o", "x");
	/* memwork does not know "-T": it exits 100; mprof saw none of these. */
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert(strstr(x.p.header, "interval=0.02 mode=children") != NULL);
	ck_assert(str_ends_with(x.p.cmdline, " -T 5 -o x"));
	ck_assert_int_eq(x.p.exit_status, 100);
	tl_result_free(&x.r);
	RUN(&x, "run", "--force", "-o", "out.dat", "--", MW, "exit", "0");
	ck_assert_int_eq(x.r.status, 0);
	run_teardown(&x);
}
END_TEST

static const struct {
	const char *name, *want;
} backend_names[] = {
	{ "rss", "backend=rss" },
	{ "pss", "backend=pss" },
	{ "uss", "backend=uss" },
	{ "psutil", "backend=rss" },
	{ "psutil_pss", "backend=pss" },
	{ "psutil_uss", "backend=uss" },
	{ "posix", "backend=rss" },
};

START_TEST(test_backends)
{
	struct run x;

	if (access("/proc/self/smaps_rollup", R_OK) != 0 && strcmp(backend_names[_i].want, "backend=rss") != 0) {
		tl_skip("mprof run --backend %s: this kernel has no /proc/PID/smaps_rollup (Linux 4.14 and later)",
			backend_names[_i].name);
		return;
	}
	run_setup(&x);
	RUN(&x, "run", "--backend", backend_names[_i].name, "-T", "0.02", "-o", "out.dat", MW, "alloc", "24",
	    "sleep", "150");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert(strstr(x.p.header, backend_names[_i].want) != NULL);
	/* Private anonymous memory counts fully in each of them. */
	ck_assert_msg(x.p.mem_max >= 24 && x.p.mem_max < 24 * 1.05 + 2, "%s: %.2f MiB", backend_names[_i].name,
		      x.p.mem_max);
	run_teardown(&x);
}
END_TEST

/* The output policy: an existing file is refused, --force replaces it,
 * --append adds to it. */
START_TEST(test_output_policy)
{
	struct run x;
	char *text;

	run_setup(&x);
	tl_write_file(x.out, "CMDLINE old\nMEM 1.0 1.0\n");
	RUN(&x, "run", "-o", "out.dat", "true");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert(strstr(x.r.err, "'out.dat' exists; use --force to replace it or --append") != NULL);
	text = tl_read_file(x.out, NULL);
	ck_assert_str_eq(text, "CMDLINE old\nMEM 1.0 1.0\n");
	free(text);
	tl_result_free(&x.r);

	RUN(&x, "run", "--append", "-o", "out.dat", "true");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_int_eq(x.p.cmdlines, 2);
	ck_assert_str_eq(x.p.cmdline, "old");
	tl_result_free(&x.r);

	RUN(&x, "run", "--force", "--output", "out.dat", "true");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_int_eq(x.p.cmdlines, 1);
	ck_assert_str_eq(x.p.cmdline, "true");
	run_teardown(&x);
}
END_TEST

static bool profile_name_like(const char *name)
{
	if (strlen(name) != strlen("mprofile_20261126125600.dat") || !str_starts_with(name, "mprofile_") ||
	    !str_ends_with(name, ".dat"))
		return false;
	for (int i = 9; i < 23; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

static int not_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Without -o: mprofile_<YYYYMMDDhhmmss>.dat; a second run in the same
 * second gets its own file. */
START_TEST(test_default_output_name)
{
	struct run x;
	struct dirent **names;
	const char *a, *b;
	int n;

	run_setup(&x);
	RUN(&x, "run", "true");
	ck_assert_int_eq(x.r.status, 0);
	tl_result_free(&x.r);
	RUN(&x, "run", "true");
	ck_assert_int_eq(x.r.status, 0);
	n = scandir(x.dir, &names, not_dot, alphasort);
	ck_assert_msg(n == 2, "two profiles expected, %d files", n);
	a = names[0]->d_name;
	b = names[1]->d_name;
	ck_assert_msg(profile_name_like(a) && profile_name_like(b), "%s %s", a, b);
	ck_assert(strstr(x.r.err, b) != NULL || strstr(x.r.err, a) != NULL);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	run_teardown(&x);
}
END_TEST

/* ---- the process tree ---- */

/* -C sums a tree: three children of 20 MiB each. */
START_TEST(test_include_children)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-C", "-T", "0.02", "-o", "out.dat", MW, "fork", "3", "20", "500", "sleep", "100", "wait");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_msg(x.p.mem_max >= 60 && x.p.mem_max < 60 * 1.05 + 5, "-C max %.2f", x.p.mem_max);
	ck_assert(strstr(x.p.header, "mode=children") != NULL);
	ck_assert_int_eq(x.p.chld, 0);
	/* What the kernel can tell per child: their own peaks and names. */
	ck_assert_int_eq(x.p.nchldpeak, 3);
	for (int i = 0; i < x.p.nchldpeak; i++)
		ck_assert_msg(x.p.chldpeak_max[i] >= 20, "CHLDPEAK %.2f", x.p.chldpeak_max[i]);
	tl_result_free(&x.r);

	/* Without -C, only the parent. */
	RUN(&x, "run", "--force", "-T", "0.02", "-o", "out.dat", MW, "fork", "3", "20", "500", "sleep", "100",
	    "wait");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_msg(x.p.mem_max < 10, "max %.2f without -C", x.p.mem_max);
	ck_assert_int_eq(x.p.nchldpeak, 0);
	run_teardown(&x);
}
END_TEST

/* -M: a CHLD record per child per sample, each child's own memory, and each
 * child's name once. Grandchildren count too. */
START_TEST(test_multiprocess)
{
	struct run x;
	int named = 0;

	run_setup(&x);
	RUN(&x, "run", "-M", "-T", "0.02", "-o", "out.dat", MW, "fork", "2", "16", "500", "fork", "1", "30",
	    "500", "sleep", "100", "wait");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert(strstr(x.p.header, "mode=multiprocess") != NULL);
	ck_assert_msg(x.p.mem_max < 10, "MEM is the parent alone: %.2f", x.p.mem_max);
	ck_assert_int_eq(x.p.nchld_pids, 3);
	ck_assert_int_ge(x.p.chld, 3 * 10);
	for (int i = 0; i < x.p.nchld_pids; i++) {
		double m = x.p.chld_max[i];

		ck_assert_msg((m >= 16 && m < 16 * 1.05 + 2) || (m >= 30 && m < 30 * 1.05 + 2), "CHLD max %.2f", m);
	}
	ck_assert_int_eq(x.p.ncmd, 3);
	for (int i = 0; i < x.p.ncmd; i++)
		named += strcmp(x.p.cmd_name[i], "memwork") == 0;
	ck_assert_int_eq(named, 3);
	tl_result_free(&x.r);

	/* With -C too, MEM is the sum. */
	RUN(&x, "run", "-C", "-M", "--force", "-T", "0.02", "-o", "out.dat", MW, "fork", "2", "16", "500",
	    "sleep", "100", "wait");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert(x.p.mem_max >= 32);
	ck_assert_int_eq(x.p.nchld_pids, 2);
	ck_assert(strstr(x.p.header, "mode=children+multiprocess") != NULL);
	run_teardown(&x);
}
END_TEST

/* Many short-lived children under -C and -M: each is followed while it
 * lives, named once, and the file stays valid. */
START_TEST(test_many_children)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-C", "-M", "-T", "0.001", "-o", "out.dat", MW, "churn", "500", "fork", "3", "4", "200",
	    "wait");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 10);
	ck_assert_int_le(x.p.ncmd, 503);
	ck_assert_int_ge(x.p.ncmd, 3);
	ck_assert_str_eq(x.p.exit_how, "exit");
	run_teardown(&x);
}
END_TEST

/* A tree that changes while nothing else forks: the program's child sleeps
 * 0.3 s, forks two children that hold 16 MiB each for 1 s, and exits 0.4 s
 * later (they go to another parent: out of the tree); the program then
 * execs and sleeps 1.2 s. */
#define LATE_TREE MW " sleep 300 fork 2 16 1000 sleep 400; exec " MW " sleep 1200"

static const struct {
	const char *opts[2];
	bool chld, sum; /* CHLD records, MEM is the sum */
} late_tree_modes[] = {
	{ { "-M", "-M" }, true, false },
	{ { "-C", "-M" }, true, true },
	{ { "-C", "-C" }, false, true },
};

#define MAX_MEM 4096

struct timeline {
	int nmem;
	double t[MAX_MEM], mem[MAX_MEM];
	int npids;
	pid_t pid[MAX_PIDS];
	double first[MAX_PIDS], last[MAX_PIDS];
	int n[MAX_PIDS];
};

static void read_timeline(const char *path, struct timeline *tl)
{
	struct profile_reader r;
	struct record rec;
	int rc, i;

	memset(tl, 0, sizeof(*tl));
	ck_assert_msg(profile_reader_open(&r, path) == 0, "cannot open %s", path);
	while ((rc = profile_reader_next(&r, &rec)) == 1) {
		if (rec.kind == REC_MEM && tl->nmem < MAX_MEM) {
			tl->t[tl->nmem] = rec.t;
			tl->mem[tl->nmem++] = rec.mem;
		} else if (rec.kind == REC_CHLD) {
			i = pid_slot(tl->pid, &tl->npids, (pid_t)rec.pid);
			if (!tl->n[i]++)
				tl->first[i] = rec.t;
			tl->last[i] = rec.t;
		}
	}
	ck_assert_msg(rc == 0, "%s does not parse: %s", path, error_last());
	profile_reader_close(&r);
}

static int samples_above(const struct timeline *tl, double mib)
{
	int n = 0;

	for (int i = 0; i < tl->nmem; i++)
		n += tl->mem[i] >= mib;
	return n;
}

/* The child: its CHLD records begin first. Its children, forked late, are
 * followed within a few samples, and leave the profile within a few samples
 * of its end, with no pid allocated to tell (the walk of the tree is
 * otherwise reused while no pid is). */
static void assert_late_children(const struct timeline *tl)
{
	int mid = 0, gone = 0;
	double last = 0;

	ck_assert_int_eq(tl->npids, 3);
	for (int i = 1; i < tl->npids; i++)
		if (tl->first[i] < tl->first[mid])
			mid = i;
	for (int i = 0; i < tl->npids; i++) {
		if (i == mid)
			continue;
		ck_assert_msg(tl->first[i] >= tl->t[0] + 0.25, "a child forked after 0.3 s sampled at %.3f s",
			      tl->first[i] - tl->t[0]);
		ck_assert_msg(tl->n[i] >= 5, "a child in the tree for 0.4 s has %d CHLD records", tl->n[i]);
		last = tl->last[i] > last ? tl->last[i] : last;
	}
	for (int i = 0; i < tl->nmem; i++)
		gone += tl->t[i] > tl->last[mid] && tl->t[i] <= last;
	ck_assert_msg(gone <= 3, "the children of an ended process still sampled %d samples after its end", gone);
}

START_TEST(test_late_children_and_middle_exit)
{
	struct run x;
	struct timeline *tl = malloc(sizeof(*tl));

	ck_assert_ptr_nonnull(tl);
	run_setup(&x);
	RUN(&x, "run", late_tree_modes[_i].opts[0], late_tree_modes[_i].opts[1], "-T", "0.02", "-o", "out.dat",
	    "sh", "-c", LATE_TREE);
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_timeline(x.out, tl);
	ck_assert_int_ge(tl->nmem, 20);
	if (late_tree_modes[_i].chld)
		assert_late_children(tl);
	else
		ck_assert_int_eq(tl->npids, 0);
	if (late_tree_modes[_i].sum) {
		ck_assert_msg(samples_above(tl, 32) >= 5, "%d samples with both children", samples_above(tl, 32));
		ck_assert_msg(tl->mem[tl->nmem - 1] < 12, "last MEM %.2f MiB: the children are counted still",
			      tl->mem[tl->nmem - 1]);
	} else {
		ck_assert_int_eq(samples_above(tl, 12), 0);
	}
	run_teardown(&x);
	free(tl);
}
END_TEST

static long status_kib(pid_t pid, const char *key)
{
	char path[64];
	char *text, *p;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = tl_read_file(path, NULL);
	if (text && (p = strstr(text, key)))
		v = strtol(p + strlen(key), NULL, 10);
	free(text);
	return v;
}

/* Open descriptors of pid: the fewest of several looks, since a look can
 * fall while mprof holds a /proc file of the tree open for a moment. */
static int count_fds(pid_t pid)
{
	char *path = xasprintf("/proc/%d/fd", (int)pid);
	int fewest = -1;

	for (int look = 0; look < 8; look++) {
		DIR *d = opendir(path);
		struct dirent *de;
		int n = 0;

		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
		if (fewest < 0 || n < fewest)
			fewest = n;
		tl_sleep_ms(7);
	}
	free(path);
	return fewest;
}

/* A long fast run keeps mprof's own memory and open files flat: compare
 * them before and after 300 children came and went at -T 0.0005. */
START_TEST(test_flat_resources)
{
	struct run x;
	pid_t mprof;
	long rss0, rss1;
	int fds0, fds1;

	run_setup(&x);
	mprof = TL_START(x.dir, "mprof", "run", "-C", "-M", "-T", "0.0005", "-o", "out.dat", MW, "begin", "s",
		      "pidfile", "a.pid", "sleep", "600", "churn", "300", "mark", "m", "end", "pidfile", "b.pid",
		      "sleep", "800");
	read_pidfile(x.dir, "a.pid", 10);
	tl_sleep_ms(300);
	rss0 = status_kib(mprof, "VmRSS:");
	fds0 = count_fds(mprof);
	read_pidfile(x.dir, "b.pid", 60);
	tl_sleep_ms(300);
	rss1 = status_kib(mprof, "VmRSS:");
	fds1 = count_fds(mprof);
	ck_assert_int_eq(tl_wait(mprof, 60), 0);
	ck_assert_msg(rss0 > 0 && rss1 > 0, "RSS %ld -> %ld KiB", rss0, rss1);
#if !defined(__SANITIZE_ADDRESS__)
	/* (a sanitizer build keeps freed memory in quarantine) */
	ck_assert_msg(rss1 - rss0 < 1024, "RSS %ld -> %ld KiB", rss0, rss1);
#endif
	ck_assert_msg(fds0 == fds1, "fds %d -> %d", fds0, fds1);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 100);
	run_teardown(&x);
}
END_TEST

/* A child named after its exec gets that name, not its parent's. */
START_TEST(test_child_name_after_exec)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-M", "-T", "0.01", "-o", "out.dat", "sh", "-c", "sleep 0.4 & wait");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_int_eq(x.p.ncmd, 1);
	ck_assert_str_eq(x.p.cmd_name[0], "sleep");
	run_teardown(&x);
}
END_TEST

/* ---- attach ---- */

static pid_t start_workload(const char *dir, const char *comm, long ms, const char *pidfile)
{
	char msbuf[32];

	snprintf(msbuf, sizeof(msbuf), "%ld", ms);
	return TL_START(dir, MW, "comm", comm, "alloc", "30", "pidfile", pidfile, "sleep", msbuf);
}

START_TEST(test_attach_pid)
{
	struct run x;
	char pidstr[32];
	pid_t target;

	run_setup(&x);
	target = start_workload(x.dir, "mwattach", 20000, "target.pid");
	read_pidfile(x.dir, "target.pid", 10);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
	RUN(&x, "attach", "-T", "0.02", "-t", "0.4", "-o", "out.dat", pidstr);
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_msg(x.p.mem_max >= 30 && x.p.mem_max < 30 * 1.05 + 2, "%.2f", x.p.mem_max);
	ck_assert_int_ge(x.p.mem, 10);
	ck_assert_str_eq(x.p.exit_how, "detached");
	ck_assert(str_starts_with(x.p.cmdline, MW " comm mwattach"));
	ck_assert(x.p.peak_max >= 30);
	/* The target goes on. */
	ck_assert(still_running(target));
	tl_result_free(&x.r);

	/* options may follow the pid */
	RUN(&x, "attach", pidstr, "-t", "0.1", "--force", "-o", "out.dat");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 1);
	tl_result_free(&x.r);

	/* run --attach is the same */
	RUN(&x, "run", "--attach", "--force", "-t", "0.1", "-o", "out.dat", pidstr);
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 1);
	kill_pid(target);
	tl_wait(target, 10);
	run_teardown(&x);
}
END_TEST

START_TEST(test_attach_name)
{
	struct run x;
	char comm[16];
	pid_t target;

	run_setup(&x);
	snprintf(comm, sizeof(comm), "mwa%d", (int)getpid() % 100000);
	target = start_workload(x.dir, comm, 20000, "target.pid");
	read_pidfile(x.dir, "target.pid", 10);
	RUN(&x, "attach", "-T", "0.02", "-t", "0.2", "-C", "-o", "out.dat", comm + 1);
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert(x.p.mem_max >= 30);
	{
		char want[64];

		snprintf(want, sizeof(want), "pid=%d", (int)target);
		ck_assert(strstr(x.p.header, want) != NULL);
	}
	kill_pid(target);
	tl_wait(target, 10);
	tl_result_free(&x.r);
	RUN(&x, "attach", "-o", "out2.dat", "no-such-process-name-mprof");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert(strstr(x.r.err, "no process whose name contains 'no-such-process-name-mprof'") != NULL);
	ck_assert(!exists_in(x.dir, "out2.dat"));
	run_teardown(&x);
}
END_TEST

/* Attached, sampling ends when the process does. */
START_TEST(test_attach_target_exits)
{
	struct run x;
	char pidstr[32];
	pid_t target;
	double t0;

	run_setup(&x);
	target = start_workload(x.dir, "mwexit", 400, "target.pid");
	read_pidfile(x.dir, "target.pid", 10);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
	t0 = tl_now();
	RUN(&x, "attach", "-T", "0.02", "-o", "out.dat", pidstr);
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	ck_assert(tl_now() - t0 < 30);
	tl_wait(target, 10);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 1);
	ck_assert_str_eq(x.p.exit_how, "detached");
	run_teardown(&x);
}
END_TEST

START_TEST(test_attach_missing_pid)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "attach", "-o", "out.dat", "999999999");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert_msg(strstr(x.r.err, "mprof: no process with pid 999999999"), "%s", x.r.err);
	ck_assert(!file_exists(x.out));
	tl_result_free(&x.r);
	/* a process that has ended but is not reaped yet */
	{
		pid_t z = fork();
		char zs[32];

		ck_assert_int_ge(z, 0);
		if (z == 0)
			_exit(0);
		snprintf(zs, sizeof(zs), "%d", (int)z);
		/* wait until it is a zombie (slow under valgrind) */
		for (int i = 0; i < 1000; i++) {
			char path[64], state = 0;
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/stat", (int)z);
			f = fopen(path, "r");
			if (f && fscanf(f, "%*d (%*[^)]) %c", &state) == 1 && state == 'Z') {
				fclose(f);
				break;
			}
			if (f)
				fclose(f);
			tl_sleep_ms(10);
		}
		RUN(&x, "attach", "-o", "out.dat", zs);
		ck_assert_int_eq(x.r.status, 1);
		ck_assert_msg(strstr(x.r.err, "has ended") != NULL, "%s", x.r.err);
		ck_assert(!file_exists(x.out));
		tl_result_free(&x.r);
		waitpid(z, NULL, 0);
	}
	RUN(&x, "attach", "-o", "out.dat", "12x");
	ck_assert_int_eq(x.r.status, 2);
	tl_result_free(&x.r);
	RUN(&x, "attach", "1", "2");
	ck_assert_int_eq(x.r.status, 2);
	ck_assert(dir_is_empty(x.dir));
	run_teardown(&x);
}
END_TEST

/* Run bin (an mprof binary) with args in x->dir without root's rights: as
 * nobody when we are root (bin from tl_nobody_mprof), as ourselves otherwise. */
static void run_as(struct run *x, const char *bin, const char *const args[])
{
	static const char *const nobody[] = { TL_AS_NOBODY };
	const char *argv[32];
	size_t n = 0;

	if (geteuid() == 0)
		for (size_t i = 0; i < ARRAY_SIZE(nobody); i++)
			argv[n++] = nobody[i];
	argv[n++] = bin;
	for (size_t i = 0; args[i]; i++) {
		ck_assert_uint_lt(n, ARRAY_SIZE(argv) - 1);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	tl_run_env(&x->r, x->dir, NULL, 30, argv);
}

#define RUN_AS(x, bin, ...) run_as((x), (bin), (const char *const[]){ __VA_ARGS__, NULL })

/* A live process of another user, not a kernel thread (0 if none is
 * visible). */
static pid_t other_users_process(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	ck_assert_ptr_nonnull(d);
	while (!found && (de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		char path[64];
		struct stat st;
		size_t len = 0;
		char *cmd;

		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
		if (pid <= 0 || stat(path, &st) != 0 || st.st_uid == geteuid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
		cmd = tl_read_file(path, &len);
		if (cmd && len > 0)
			found = pid;
		free(cmd);
	}
	closedir(d);
	return found;
}

/* As an unprivileged user: RSS of another user's process can be read (statm
 * is public); PSS cannot, and says so. Root runs mprof as nobody on itself;
 * another user runs it on a process of someone else. */
START_TEST(test_attach_unprivileged)
{
	struct run x;
	char pidstr[32];
	char *bin = NULL;
	pid_t target;

	if (access("/proc/self/smaps_rollup", R_OK) != 0) {
		tl_skip("mprof attach --backend pss to another user's process: this kernel has no "
			"/proc/PID/smaps_rollup (Linux 4.14 and later)");
		return;
	}
	run_setup(&x);
	if (geteuid() == 0) {
		target = getpid();
		bin = tl_nobody_mprof(x.dir, "mprof attach to another user's process");
		if (!bin)
			goto cleanup;
		ck_assert_int_eq(chmod(x.dir, 0777), 0);
	} else {
		target = other_users_process();
		if (!target) {
			tl_skip("mprof attach to another user's process: no process of another user is visible");
			goto cleanup;
		}
		bin = xstrdup(MPROF_BIN);
	}
	snprintf(pidstr, sizeof(pidstr), "%d", (int)target);
	RUN_AS(&x, bin, "attach", "--backend", "pss", "-o", "out.dat", pidstr);
	ck_assert_int_eq(x.r.status, 1);
	ck_assert_msg(strstr(x.r.err, "cannot read the memory of pid") && strstr(x.r.err, "Permission denied"),
		      "%s", x.r.err);
	ck_assert(!file_exists(x.out));
	tl_result_free(&x.r);
	RUN_AS(&x, bin, "attach", "-t", "0.2", "-T", "0.05", "-o", "out.dat", pidstr);
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 1);
cleanup:
	free(bin);
	run_teardown(&x);
}
END_TEST

/* ---- timeout ---- */

START_TEST(test_timeout_leaves_target_running)
{
	struct run x;
	pid_t target, mprof;

	run_setup(&x);
	/* Not through tl_run, which would wait for the output pipes that the
	 * target still holds. */
	mprof = TL_START(x.dir, "mprof", "run", "-t", "0.3", "-T", "0.02", "-o", "out.dat", MW, "pidfile",
		      "target.pid", "sleep", "20000");
	ck_assert_int_eq(tl_wait(mprof, 30), 0);
	target = read_pidfile(x.dir, "target.pid", 5);
	ck_assert(pid_alive(target));
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.exit_how, "detached");
	ck_assert_int_ge(x.p.mem, 5);
	ck_assert_msg(x.p.t_last - x.p.t_first < 2, "sampled %.2f s", x.p.t_last - x.p.t_first);
	kill(target, SIGKILL);
	run_teardown(&x);
}
END_TEST

/* ---- signals ---- */

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

/* A signal to mprof goes to the program; mprof writes the end and exits. */
START_TEST(test_signal_forwarded)
{
	int sig = stop_signals[_i];
	struct run x;
	pid_t mprof;
	int status;

	run_setup(&x);
	mprof = TL_START(x.dir, "mprof", "run", "-E", "-T", "0.02", "-o", "out.dat", MW, "sleep", "20000");
	wait_lines(x.out, "MEM ", 1, 10);
	kill(mprof, sig);
	status = tl_wait(mprof, 20);
	ck_assert_int_eq(status, 128 + sig);
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.exit_how, "signal");
	ck_assert_int_eq(x.p.exit_status, sig);
	ck_assert_int_ge(x.p.peak, 1);
	run_teardown(&x);
}
END_TEST

/* A stopped program still gets the signal, and is let go on to act on it
 * (here: a handler that exits 42). */
START_TEST(test_signal_to_stopped_program)
{
	struct run x;
	pid_t mprof, target;

	run_setup(&x);
	mprof = TL_START(x.dir, "mprof", "run", "-E", "-T", "0.02", "-o", "out.dat", MW, "onsig", "15", "42",
		      "pidfile", "target.pid", "sleep", "20000");
	target = read_pidfile(x.dir, "target.pid", 10);
	wait_lines(x.out, "MEM ", 1, 10);
	kill(target, SIGSTOP);
	tl_sleep_ms(100);
	kill(mprof, SIGTERM);
	ck_assert_int_eq(tl_wait(mprof, 20), 42);
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.exit_how, "exit");
	ck_assert_int_eq(x.p.exit_status, 42);
	run_teardown(&x);
}
END_TEST

/* A program that ignores SIGTERM keeps running; a second SIGTERM stops the
 * sampling, and the program is left running, not stopped. */
START_TEST(test_target_ignores_sigterm)
{
	struct run x;
	pid_t mprof, target;
	int status;

	run_setup(&x);
	mprof = TL_START(x.dir, "mprof", "run", "-T", "0.02", "-o", "out.dat", MW, "ignore", "15", "pidfile",
		      "target.pid", "sleep", "20000");
	target = read_pidfile(x.dir, "target.pid", 10);
	wait_lines(x.out, "MEM ", 1, 10);
	kill(mprof, SIGTERM);
	tl_sleep_ms(300);
	ck_assert(still_running(mprof));
	ck_assert(pid_alive(target));
	kill(mprof, SIGTERM);
	status = tl_wait(mprof, 20);
	ck_assert_int_eq(status, 128 + SIGTERM);
	ck_assert(pid_alive(target));
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.exit_how, "detached");
	kill(target, SIGKILL);
	run_teardown(&x);
}
END_TEST

/* SIGKILL of mprof mid-run leaves a file the reader takes whole, already
 * flushed (at least once a second). */
START_TEST(test_sigkill_leaves_valid_file)
{
	struct run x;
	pid_t mprof, target;

	run_setup(&x);
	mprof = TL_START(x.dir, "mprof", "run", "-T", "0.001", "-M", "-o", "out.dat", MW, "pidfile", "target.pid",
		      "fork", "2", "1", "20000", "sleep", "20000");
	target = read_pidfile(x.dir, "target.pid", 10);
	wait_lines(x.out, "MEM ", 50, 10);
	kill(mprof, SIGKILL);
	tl_wait(mprof, 10);
	read_profile(x.out, &x.p);
	ck_assert_int_ge(x.p.mem, 50);
	ck_assert_int_eq(x.p.exits, 0);
	/* its children first, while they are still its own */
	kill_children(target);
	kill(target, SIGKILL);
	run_teardown(&x);
}
END_TEST

/* ---- output errors ---- */

/* A disk that fills: a clear error, exit 1, and mprof waits for the program
 * (not left orphaned or stopped). */
START_TEST(test_output_full)
{
	struct run x;
	char *done;

	if (access("/dev/full", W_OK) != 0) {
		tl_skip("mprof run -o /dev/full: no writable /dev/full here");
		return;
	}
	run_setup(&x);
	done = tl_path(x.dir, "done.pid");
	RUN(&x, "run", "--force", "-o", "/dev/full", MW, "sleep", "300", "pidfile", "done.pid");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert_msg(strstr(x.r.err, "mprof: cannot write '/dev/full': No space left on device"), "%s", x.r.err);
	ck_assert_msg(file_exists(done), "mprof did not wait for the program");
	tl_result_free(&x.r);
	unlink(done);

	/* It keeps emptying the event channel: 4 MB of events do not block
	 * the program. */
	RUN(&x, "run", "--force", "-o", "/dev/full", MW, "marks", "100000", "a-label-of-some-length",
	    "pidfile", "done.pid");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert_msg(file_exists(done), "the program did not finish");
	free(done);
	run_teardown(&x);
}
END_TEST

START_TEST(test_output_unwritable)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-o", "no/such/dir/out.dat", MW, "pidfile", "ran.pid");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert_msg(strstr(x.r.err, "mprof: cannot write 'no/such/dir/out.dat': No such file or directory"), "%s",
		      x.r.err);
	ck_assert_msg(!exists_in(x.dir, "ran.pid"), "the program ran");
	tl_result_free(&x.r);
	mkdir(x.out, 0755); /* a directory named like the output */
	RUN(&x, "run", "--force", "-o", "out.dat", "true");
	ck_assert_int_eq(x.r.status, 1);
	ck_assert(strstr(x.r.err, "cannot write 'out.dat'") != NULL);
	tl_result_free(&x.r);
	rmdir(x.out);

	/* no permission: a directory we may not write to (as root: nobody may
	 * not), and the program is not started */
	{
		char *writable = tl_path(x.dir, "writable"), *bin;

		ck_assert_int_eq(mkdir(writable, 0777), 0);
		ck_assert_int_eq(chmod(writable, 0777), 0);
		if (geteuid() == 0) {
			bin = tl_nobody_mprof(x.dir, "mprof run -o into a directory not writable");
		} else {
			ck_assert_int_eq(chmod(x.dir, 0555), 0);
			bin = xstrdup(MPROF_BIN);
		}
		if (bin) {
			RUN_AS(&x, bin, "run", "-o", "out.dat", "/bin/touch", "writable/ran");
			chmod(x.dir, 0755);
			ck_assert_int_eq(x.r.status, 1);
			ck_assert_msg(strstr(x.r.err, "mprof: cannot write 'out.dat': Permission denied"), "%s",
				      x.r.err);
			ck_assert_msg(!exists_in(writable, "ran"), "the program ran");
			ck_assert(!file_exists(x.out));
		}
		free(bin);
		free(writable);
	}
	run_teardown(&x);
}
END_TEST

/* ---- events ---- */

START_TEST(test_events_become_records)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-T", "0.02", "-o", "out.dat", MW, "begin", "work", "alloc", "10", "sleep", "100", "end",
	    "mark", "done", "begin", "open", "sleep", "50");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_int_eq(x.p.func, 2);
	ck_assert_int_eq(x.p.mark, 1);
	ck_assert_str_eq(x.p.mark_label, "done");
	/* the span still open at the end */
	ck_assert_str_eq(x.p.func_name, "open");
	ck_assert(x.p.func_unfinished);
	tl_result_free(&x.r);

	/* An event sent on the way out gets the memory last measured while
	 * the program lived, never the nothing of a process gone. */
	for (int i = 0; i < 5; i++) {
		/* 300 ms: samples while it lives, even on a loaded machine */
		RUN(&x, "run", "--force", "-T", "0.02", "-o", "out.dat", MW, "alloc", "10", "sleep", "300", "mark",
		    "last");
		ck_assert_int_eq(x.r.status, 0);
		read_profile(x.out, &x.p);
		ck_assert_int_eq(x.p.mark, 1);
		ck_assert_msg(x.p.mark_mem >= 10, "MARK at %.2f MiB", x.p.mark_mem);
		tl_result_free(&x.r);
	}
	run_teardown(&x);
}
END_TEST

/* The program finds the event channel in its environment. */
START_TEST(test_events_env)
{
	struct run x;

	run_setup(&x);
	RUN(&x, "run", "-o", "out.dat", "sh", "-c", "test -p \"$MPROF_EVENTS\"");
	ck_assert_int_eq(x.r.status, 0);
	read_profile(x.out, &x.p);
	ck_assert_int_eq(x.p.exit_status, 0);
	run_teardown(&x);
}
END_TEST

/* ---- Python ---- */

START_TEST(test_python_program)
{
	struct run x;
	char *script;

	if (access("/usr/bin/python3", X_OK) != 0) {
		tl_skip("mprof run on a Python program: /usr/bin/python3 is not installed");
		return;
	}
	run_setup(&x);
	script = tl_path(x.dir, "prog.py");
	tl_write_file(script, "#!/usr/bin/env python3\nimport sys\nb = bytearray(20 << 20)\nsys.exit(int(sys.argv[1]))\n");
	chmod(script, 0755);
	RUN(&x, "run", "-E", "-T", "0.01", "-o", "out.dat", "prog.py", "5");
	ck_assert_msg(x.r.status == 5, "%d %s", x.r.status, x.r.err);
	read_profile(x.out, &x.p);
	ck_assert_msg(str_ends_with(x.p.cmdline, "python3 prog.py 5") && x.p.cmdline[0] == '/', "%s", x.p.cmdline);
	ck_assert(x.p.peak_last >= 20);
	tl_result_free(&x.r);

	/* --nopython: run it as it is (here through its #! line) */
	RUN(&x, "run", "--nopython", "--force", "-E", "-o", "out.dat", "./prog.py", "6");
	ck_assert_int_eq(x.r.status, 6);
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.cmdline, "./prog.py 6");
	tl_result_free(&x.r);

	/* --python: PROGRAM is the interpreter */
	RUN(&x, "run", "--python", "--force", "-E", "-o", "out.dat", "python3", "prog.py", "7");
	ck_assert_int_eq(x.r.status, 7);
	read_profile(x.out, &x.p);
	ck_assert_str_eq(x.p.cmdline, "python3 prog.py 7");
	free(script);
	run_teardown(&x);
}
END_TEST

/* The Python tool reads our files. */
START_TEST(test_python_tool_reads_ours)
{
	struct run x;
	const char *py = "/usr/bin/python3-mprof";

	if (access(py, X_OK) != 0) {
		tl_skip("the Python tool reading our profile: %s is not installed (Debian: python3-memory-profiler)",
			py);
		return;
	}
	run_setup(&x);
	RUN(&x, "run", "-M", "-C", "-T", "0.02", "-o", "out.dat", MW, "begin", "phase", "fork", "1", "8", "200",
	    "alloc", "12", "sleep", "200", "end", "mark", "m", "wait");
	ck_assert_int_eq(x.r.status, 0);
	tl_result_free(&x.r);
	tl_run_env(&x.r, x.dir, NULL, 60, (const char *const[]){ py, "peak", "out.dat", NULL });
	ck_assert_msg(x.r.status == 0, "python3-mprof peak: %s", x.r.err);
	ck_assert_msg(str_starts_with(x.r.out, "out.dat\t") && strstr(x.r.out, " MiB"), "%s", x.r.out);
	tl_result_free(&x.r);
	/* its plot too, with our FUNC, MARK, CHLDCMD and PEAK records in the file */
	tl_run_env(&x.r, x.dir, (const char *const[]){ "MPLBACKEND=Agg", NULL }, 120,
		   (const char *const[]){ py, "plot", "-o", "py.png", "out.dat", NULL });
	ck_assert_msg(x.r.status == 0, "python3-mprof plot: %s", x.r.err);
	{
		char *png = tl_path(x.dir, "py.png");

		ck_assert_msg(access(png, F_OK) == 0, "python3-mprof plot wrote no picture");
		free(png);
	}
	run_teardown(&x);
}
END_TEST

/* With -M, a decorated function that a multiprocessing child runs: its FUNC
 * record carries the child's pid (the program's own spans none), the Python
 * tool still reads the file, and the plot puts the bracket on the child's
 * line: at its end the child holds its 40 MiB, the program far less. */
START_TEST(test_child_span_pid)
{
	static const char script[] =
		"import multiprocessing as mp\nimport time\n\nKEEP = []\n\n"
		"@profile\ndef work(n):\n    KEEP.append(bytearray(b'x' * (n << 20)))\n    time.sleep(0.4)\n\n"
		"def child():\n    work(40)\n    time.sleep(0.3)  # still holding it when the call has ended\n\n"
		"@profile\ndef main():\n    p = mp.get_context('fork').Process(target=child)\n"
		"    p.start()\n    p.join()\n    time.sleep(0.1)\n\n"
		"if __name__ == '__main__':\n    main()\n";
	static const char reader[] =
		"import sys\nsys.path.insert(0, '/usr/lib/python3/dist-packages')\nimport mprof\n"
		"d = mprof.read_mprofile_file('out.dat')\nprint(sorted(d['func_timestamp']))\n";
	struct profile_reader r;
	struct record rec;
	struct plot_model m;
	long child = 0;
	int own = 0;
	struct run x;
	char *path;

	if (access("/usr/bin/python3", X_OK) != 0) {
		tl_skip("spans in a Python child under -M: /usr/bin/python3 is not installed");
		return;
	}
	run_setup(&x);
	path = tl_path(x.dir, "pool.py");
	tl_write_file(path, script);
	free(path);
	RUN(&x, "run", "--python", "-M", "-T", "0.02", "-o", "out.dat", "/usr/bin/python3", "pool.py");
	ck_assert_msg(x.r.status == 0, "%s", x.r.err);
	ck_assert_int_eq(profile_reader_open(&r, x.out), 0);
	while (profile_reader_next(&r, &rec) > 0) {
		if (rec.kind != REC_FUNC)
			continue;
		if (rec.text_len == 13 && memcmp(rec.text, "__main__.work", 13) == 0)
			child = rec.pid;
		else
			own += rec.pid == 0;
	}
	profile_reader_close(&r);
	ck_assert_int_eq(own, 1);
	ck_assert_msg(child > 0, "no pid in work's FUNC record");
	/* the Python tool's reader */
	if (access("/usr/lib/python3/dist-packages/mprof.py", F_OK) != 0) {
		tl_skip("the Python tool reading a FUNC record with a pid: it is not installed");
	} else {
		tl_result_free(&x.r);
		tl_run(&x.r, x.dir, "/usr/bin/python3", "-c", reader);
		ck_assert_msg(x.r.status == 0, "%s", x.r.err);
		ck_assert_str_eq(x.r.out, "['__main__.main', '__main__.work']\n");
	}
	/* the bracket on the child's line */
	ck_assert_int_eq(plot_model_read(&m, x.out, NULL, 0), 0);
	for (size_t i = 0; i < m.nspans; i++) {
		const struct plot_span *sp = &m.spans[i];

		if (strcmp(m.funcs[sp->func].key, "__main__.work") != 0)
			continue;
		ck_assert_int_eq(sp->pid, child);
		ck_assert_msg(sp->m1 >= 40 && sp->m1 > m.main.peak.v, "bracket's end at %.1f MiB, the program's peak %.1f",
			      sp->m1, m.main.peak.v);
	}
	plot_model_release(&m);
	run_teardown(&x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_known_amounts);
	tcase_add_test(tc, test_schedule);
	tcase_add_test(tc, test_quick_exit);
	tcase_add_test(tc, test_spike_peak);
	tcase_add_test(tc, test_peak_is_the_programs_own);
	tcase_add_test(tc, test_exit_wakes_at_once);
	tcase_add_loop_test(tc, test_exit_codes, 0, ARRAY_SIZE(exits));
	tcase_add_test(tc, test_exit_code_long_option);
	tcase_add_test(tc, test_exec_failure);
	tcase_add_test(tc, test_exit_one_is_not_exec_failure);
	tcase_add_loop_test(tc, test_bad_options, 0, ARRAY_SIZE(bad_options));
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_long_options_and_prefixes);
	tcase_add_loop_test(tc, test_backends, 0, ARRAY_SIZE(backend_names));
	tcase_add_test(tc, test_output_policy);
	tcase_add_test(tc, test_default_output_name);
	tcase_add_test(tc, test_include_children);
	tcase_add_test(tc, test_multiprocess);
	tcase_add_test(tc, test_child_name_after_exec);
	tcase_add_test(tc, test_many_children);
	tcase_add_loop_test(tc, test_late_children_and_middle_exit, 0, ARRAY_SIZE(late_tree_modes));
	tcase_add_test(tc, test_flat_resources);
	tcase_add_test(tc, test_attach_pid);
	tcase_add_test(tc, test_attach_name);
	tcase_add_test(tc, test_attach_target_exits);
	tcase_add_test(tc, test_attach_missing_pid);
	tcase_add_test(tc, test_attach_unprivileged);
	tcase_add_test(tc, test_timeout_leaves_target_running);
	tcase_add_loop_test(tc, test_signal_forwarded, 0, ARRAY_SIZE(stop_signals));
	tcase_add_test(tc, test_signal_to_stopped_program);
	tcase_add_test(tc, test_target_ignores_sigterm);
	tcase_add_test(tc, test_sigkill_leaves_valid_file);
	tcase_add_test(tc, test_output_full);
	tcase_add_test(tc, test_output_unwritable);
	tcase_add_test(tc, test_events_become_records);
	tcase_add_test(tc, test_events_env);
	tcase_add_test(tc, test_python_program);
	tcase_add_test(tc, test_python_tool_reads_ours);
	tcase_add_test(tc, test_child_span_pid);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
