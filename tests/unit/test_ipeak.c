/* Interval peaks, end to end: mprof run and attach read and reset each
 * process's high-water mark at every sample (IPEAK, CHLDIPEAK records); a
 * spike shorter than the interval is in the file, in the interval that
 * holds it, with its size. */
#include "testlib.h"
#include "profile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MW MEMWORK_BIN
#define MAXREC 4096

/* ---- what a profile holds ---- */

struct point {
	long pid;
	double mem, t;
};

struct prof {
	struct point mem[MAXREC], ipeak[MAXREC], chldipeak[MAXREC], chld[MAXREC];
	int nmem, nipeak, nchldipeak, nchld;
	double peak;  /* the largest PEAK */
};

static void add(struct point *v, int *n, const struct record *rec)
{
	ck_assert_int_lt(*n, MAXREC);
	v[*n].pid = rec->pid;
	v[*n].mem = rec->mem;
	v[*n].t = rec->t;
	(*n)++;
}

static void read_profile(const char *path, struct prof *p)
{
	struct profile_reader r;
	struct record rec;
	int rc;

	memset(p, 0, sizeof(*p));
	ck_assert_msg(profile_reader_open(&r, path) == 0, "cannot open %s", path);
	while ((rc = profile_reader_next(&r, &rec)) == 1) {
		if (rec.kind == REC_MEM)
			add(p->mem, &p->nmem, &rec);
		else if (rec.kind == REC_IPEAK)
			add(p->ipeak, &p->nipeak, &rec);
		else if (rec.kind == REC_CHLDIPEAK)
			add(p->chldipeak, &p->nchldipeak, &rec);
		else if (rec.kind == REC_CHLD)
			add(p->chld, &p->nchld, &rec);
		else if (rec.kind == REC_PEAK && rec.mem > p->peak)
			p->peak = rec.mem;
	}
	ck_assert_msg(rc == 0, "%s does not parse: %s", path, error_last());
	profile_reader_close(&r);
}

/* The record of v at time t (written with the sample of that time), or NULL. */
static const struct point *at(const struct point *v, int n, double t)
{
	for (int i = 0; i < n; i++)
		if (v[i].t == t)
			return &v[i];
	return NULL;
}

/* ---- the spikes ---- */

struct spike {
	long mib;
	double start, end;
};

/* memwork prints "spike MIB START END" for each spike. */
static int read_spikes(const char *out, struct spike *sp, int cap)
{
	int n = 0;

	for (const char *line = strstr(out, "spike "); line && n < cap; line = strstr(line + 1, "spike ")) {
		ck_assert_int_eq(sscanf(line, "spike %ld %lf %lf", &sp[n].mib, &sp[n].start, &sp[n].end), 3);
		n++;
	}
	return n;
}

#define SPIKE_STEPS MW, "sleep", "250", "spike", "32", "1", "sleep", "300", "spike", "64", "1", \
	"sleep", "300", "spike", "96", "1", "sleep", "250"

/* What a sample says of its interval: its IPEAK, or itself. */
static double interval_top(const struct prof *p, const struct point *m)
{
	const struct point *ip = at(p->ipeak, p->nipeak, m->t);

	return ip && ip->mem > m->mem ? ip->mem : m->mem;
}

/* The first sample after t, or NULL. */
static const struct point *sample_after(const struct prof *p, double t)
{
	for (int i = 0; i < p->nmem; i++)
		if (p->mem[i].t > t)
			return &p->mem[i];
	return NULL;
}

/* Each spike is in the file, within 2% of its size above the sample before
 * it, at the latest in the interval that holds its end (a sample taken while
 * it was being touched may hold part of it, or all); a sample taken outside
 * it is far below. */
static void check_spikes(const struct prof *p, const struct spike *sp, int nsp)
{
	for (int k = 0; k < nsp; k++) {
		const struct point *last = sample_after(p, sp[k].end), *base = NULL;
		double top = 0;

		ck_assert_msg(last, "no sample after the %ld MiB spike", sp[k].mib);
		for (const struct point *m = p->mem; m <= last; m++) {
			if (m->t < sp[k].start)
				base = m;
			else if (interval_top(p, m) > top)
				top = interval_top(p, m);
		}
		ck_assert_msg(base, "no sample before the %ld MiB spike", sp[k].mib);
		ck_assert_msg(top - base->mem >= sp[k].mib * 0.98 && top - base->mem <= sp[k].mib * 1.02,
			      "%ld MiB spike: interval peak %.2f above a sample of %.2f", sp[k].mib, top,
			      base->mem);
	}
	for (int i = 0; i < p->nmem; i++) {
		bool inside = false;

		for (int k = 0; k < nsp; k++)
			inside |= p->mem[i].t >= sp[k].start - 0.002 && p->mem[i].t <= sp[k].end;
		if (!inside)
			ck_assert_msg(p->mem[i].mem < 16, "a sample at %.3f reads %.2f MiB", p->mem[i].t,
				      p->mem[i].mem);
	}
}

START_TEST(test_spikes)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "out.dat");
	struct prof *p = malloc(sizeof(*p));
	struct spike sp[3];
	struct tl_result r;

	tl_run(&r, dir, "mprof", "run", "-T", "0.1", "-o", "out.dat", SPIKE_STEPS);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(read_spikes(r.out, sp, 3), 3);
	read_profile(out, p);
	check_spikes(p, sp, 3);
	ck_assert_msg(p->peak >= 96 && p->peak < 96 * 1.02 + 2, "PEAK %.2f", p->peak);
	/* few records: an IPEAK only where the interval went above its sample */
	ck_assert_int_le(p->nipeak, 6);
	tl_result_free(&r);

	/* without: no IPEAK, and the run's peak is still the kernel's */
	tl_run(&r, dir, "mprof", "run", "--no-interval-peaks", "-T", "0.1", "--force", "-o", "out.dat",
	       SPIKE_STEPS);
	ck_assert_msg(r.status == 0, "%s", r.err);
	read_profile(out, p);
	ck_assert_int_eq(p->nipeak, 0);
	ck_assert_msg(p->peak >= 96 && p->peak < 96 * 1.02 + 2, "PEAK %.2f", p->peak);
	tl_result_free(&r);
	free(p);
	tl_rmrf(dir);
	free(dir);
	free(out);
}
END_TEST

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The samples' 10th percentile: a tree's memory without a spike (a sample
 * taken while the program spikes without a pause holds part of one). */
static double low_mem(const struct prof *p)
{
	double *v = malloc((size_t)p->nmem * sizeof(*v)), m;

	for (int i = 0; i < p->nmem; i++)
		v[i] = p->mem[i].mem;
	qsort(v, (size_t)p->nmem, sizeof(*v), cmp_double);
	m = v[p->nmem / 10];
	free(v);
	return m;
}

/* Marks read less often than the samples: the program spikes by 8 MiB
 * RAPID_SPIKES times without a pause; its IPEAK records come at least
 * min_gap apart, however busy it is, and still nothing escapes: the highest
 * interval peak is the spike.
 * - sampling faster than 100 a second: every 10 ms (less half an interval);
 * - a tree of 41 processes: at most 2000 marks a second in all, so every
 *   20.5 ms (less half an interval). */
#define RAPID_SPIKES 600

static const struct {
	const char *opts[4];
	const char *before[8], *after[3];
	double min_gap;
	bool tree;  /* the base is the tree's memory, not the first sample */
} spaced_cases[] = {
	{ { "-T", "0.001" }, { "sleep", "30" }, { "sleep", "30" }, 0.009, false },
	{ { "-C", "-T", "0.005" }, { "fork", "40", "1", "4000", "sleep", "300" }, { "wait" }, 0.0175, true },
};

static size_t push_all(const char **argv, size_t n, const char *const *v, size_t cap)
{
	for (size_t i = 0; i < cap && v[i]; i++)
		argv[n++] = v[i];
	return n;
}

START_TEST(test_marks_spaced)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "out.dat");
	struct prof *p = malloc(sizeof(*p));
	const char *argv[32 + 3 * RAPID_SPIKES];
	double top = 0, base;
	size_t n = 0;
	struct tl_result r;

	n = push_all(argv, n, (const char *const[]){ "mprof", "run", "-o", "out.dat", NULL }, 8);
	n = push_all(argv, n, spaced_cases[_i].opts, ARRAY_SIZE(spaced_cases[_i].opts));
	argv[n++] = MW;
	n = push_all(argv, n, spaced_cases[_i].before, ARRAY_SIZE(spaced_cases[_i].before));
	for (int i = 0; i < RAPID_SPIKES; i++)
		n = push_all(argv, n, (const char *const[]){ "spike", "8", "0", NULL }, 3);
	n = push_all(argv, n, spaced_cases[_i].after, ARRAY_SIZE(spaced_cases[_i].after));
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 90, argv);
	ck_assert_msg(r.status == 0, "%s", r.err);
	read_profile(out, p);
	ck_assert_int_ge(p->nmem, 20);
	ck_assert_int_ge(p->nipeak, 1);
	base = spaced_cases[_i].tree ? low_mem(p) : p->mem[0].mem;
	for (int i = 1; i < p->nipeak; i++)
		ck_assert_msg(p->ipeak[i].t - p->ipeak[i - 1].t >= spaced_cases[_i].min_gap,
			      "interval peaks %.4f s apart at %.4f (%d of them, %d samples)",
			      p->ipeak[i].t - p->ipeak[i - 1].t, p->ipeak[i].t, p->nipeak, p->nmem);
	for (int i = 0; i < p->nmem; i++)
		if (interval_top(p, &p->mem[i]) > top)
			top = interval_top(p, &p->mem[i]);
	ck_assert_msg(top - base >= 8 * 0.98, "highest interval peak %.2f MiB, %.2f without a spike", top, base);
	if (!spaced_cases[_i].tree)
		ck_assert_msg(p->peak - base >= 8 * 0.98, "PEAK %.2f MiB, %.2f at the start", p->peak, base);
	tl_result_free(&r);
	free(p);
	tl_rmrf(dir);
	free(dir);
	free(out);
}
END_TEST

/* The Python tool reads a file with IPEAK and CHLDIPEAK records. */
static void python_reads(const char *dir, const char *name)
{
	const char *py = "/usr/bin/python3-mprof";
	struct tl_result r;
	char *png;

	if (access(py, X_OK) != 0) {
		tl_skip("the Python tool reading interval peaks: %s is not installed", py);
		return;
	}
	tl_run_env(&r, dir, NULL, 60, (const char *const[]){ py, "peak", name, NULL });
	ck_assert_msg(r.status == 0 && strstr(r.out, " MiB"), "python3-mprof peak: %s", r.err);
	tl_result_free(&r);
	tl_run_env(&r, dir, (const char *const[]){ "MPLBACKEND=Agg", NULL }, 120,
		   (const char *const[]){ py, "plot", "-o", "py.png", name, NULL });
	ck_assert_msg(r.status == 0, "python3-mprof plot: %s", r.err);
	png = tl_path(dir, "py.png");
	ck_assert_msg(access(png, F_OK) == 0, "python3-mprof plot wrote no picture");
	free(png);
	tl_result_free(&r);
}

/* Under -C -M: a child's spike is its CHLDIPEAK, and in the tree's IPEAK. */
START_TEST(test_children)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "out.dat");
	struct prof *p = malloc(sizeof(*p));
	struct spike sp[1];
	struct tl_result r;
	const struct point *m, *cp = NULL;

	tl_run(&r, dir, "mprof", "run", "-C", "-M", "-T", "0.1", "-o", "out.dat", MW, "vmspawn", "0", MW,
	       "sleep", "350", "spike", "48", "1", "sleep", "350");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(read_spikes(r.out, sp, 1), 1);
	read_profile(out, p);
	check_spikes(p, sp, 1);
	/* the child's own interval peak, by the end of the spike's interval */
	m = sample_after(p, sp[0].end);
	for (int i = 0; i < p->nchldipeak; i++)
		if (p->chldipeak[i].t <= m->t && (!cp || p->chldipeak[i].mem > cp->mem))
			cp = &p->chldipeak[i];
	ck_assert_msg(cp, "no CHLDIPEAK (%d IPEAK)", p->nipeak);
	ck_assert_msg(cp->mem >= 48 && cp->mem <= 48 * 1.02 + 2, "child: %.2f", cp->mem);
	tl_result_free(&r);
	python_reads(dir, "out.dat");
	free(p);
	tl_rmrf(dir);
	free(dir);
	free(out);
}
END_TEST

/* ---- children that no sample saw ---- */

static int count_kind(const char *path, const char *prefix, double *last_mem)
{
	char *text = tl_read_file(path, NULL);
	int n = 0;

	ck_assert(text);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, prefix, strlen(prefix)) != 0)
			continue;
		n++;
		if (last_mem)
			*last_mem = strtod(l + strlen(prefix), NULL);
	}
	free(text);
	return n;
}

/* A child that lives a few ms between two samples: UNSEEN in the interval,
 * its exact peak as UNSEENPEAK at the end. One that is sampled: neither. */
START_TEST(test_unseen)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "out.dat");
	struct tl_result r;
	double peak = 0;

	tl_run(&r, dir, "mprof", "run", "-M", "-T", "0.5", "-o", "out.dat", MW, "sleep", "150", "fork", "1",
	       "24", "1", "wait", "sleep", "600");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(count_kind(out, "CHLD ", NULL), 0);
	ck_assert_int_eq(count_kind(out, "UNSEEN ", NULL), 1);
	ck_assert_int_eq(count_kind(out, "UNSEENPEAK ", &peak), 1);
	ck_assert_msg(peak >= 24 && peak <= 24 * 1.02 + 2, "UNSEENPEAK %.2f", peak);
	tl_result_free(&r);

	tl_run(&r, dir, "mprof", "run", "-M", "-T", "0.1", "--force", "-o", "out.dat", MW, "fork", "1", "24",
	       "800", "wait", "sleep", "300");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_gt(count_kind(out, "CHLD ", NULL), 0);
	ck_assert_int_eq(count_kind(out, "UNSEEN ", NULL), 0);
	ck_assert_int_eq(count_kind(out, "UNSEENPEAK ", NULL), 0);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
	free(out);
}
END_TEST

/* ---- attach ---- */

static long vmhwm_kib(pid_t pid)
{
	char path[64], *text, *p;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = tl_read_file(path, NULL);
	ck_assert_msg(text, "cannot read %s", path);
	p = strstr(text, "VmHWM:");
	if (p)
		v = strtol(p + 6, NULL, 10);
	free(text);
	return v;
}

static pid_t start_quiet(const char *const argv[])
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static void wait_for_file(const char *path)
{
	struct timespec ts = { 0, 10000000 };

	for (int i = 0; i < 3000 && access(path, F_OK) < 0; i++)
		nanosleep(&ts, NULL);
	ck_assert_msg(access(path, F_OK) == 0, "%s never came", path);
}

/* attach leaves the process's VmHWM alone unless asked. */
START_TEST(test_attach)
{
	char *dir = tl_tmpdir(), *pidfile = tl_path(dir, "pid"), pidstr[24], *bpath;
	struct prof *p;
	struct tl_result r;
	pid_t pid = start_quiet((const char *const[]){ MW, "alloc", "64", "free", "pidfile", pidfile,
						       "sleep", "60000", NULL });

	wait_for_file(pidfile);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	ck_assert_int_ge(vmhwm_kib(pid), 64 * 1024);
	tl_run(&r, dir, "mprof", "attach", "-T", "0.05", "-t", "0.3", "-o", "a.dat", pidstr);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_ge(vmhwm_kib(pid), 64 * 1024);
	tl_result_free(&r);

	tl_run(&r, dir, "mprof", "attach", "--interval-peaks", "-T", "0.05", "-t", "0.3", "-o", "b.dat",
	       pidstr);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_lt(vmhwm_kib(pid), 32 * 1024);
	/* the mark from before the attach is neither an interval's nor the run's */
	bpath = tl_path(dir, "b.dat");
	p = malloc(sizeof(*p));
	read_profile(bpath, p);
	ck_assert_int_ge(p->nmem, 2);
	ck_assert_int_eq(p->nipeak, 0);
	ck_assert_msg(p->peak < 32, "PEAK %.2f", p->peak);
	free(p);
	free(bpath);
	tl_result_free(&r);

	tl_run(&r, dir, "mprof", "attach", "--interval-peaks", "--no-interval-peaks", pidstr);
	ck_assert_int_ne(r.status, 0);
	ck_assert_msg(strstr(r.err, "--no-interval-peaks"), "%s", r.err);
	tl_result_free(&r);
	tl_kill_wait(pid);
	tl_rmrf(dir);
	free(dir);
	free(pidfile);
}
END_TEST

/* ---- the kernel says no ---- */

/* memwork, where user nobody can run it: a copy in dir. */
static char *nobody_memwork(const char *dir)
{
	char *dst = tl_path(dir, "memwork");
	size_t len;
	char *bin = tl_read_file(MW, &len);
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	ck_assert(bin && fd >= 0);
	ck_assert(write(fd, bin, len) == (ssize_t)len);
	close(fd);
	free(bin);
	return dst;
}

/* An undumpable process's clear_refs is root's: an ordinary user is refused.
 * Said once; the run goes on without. */
START_TEST(test_refused)
{
	static const char *const nobody[] = { TL_AS_NOBODY };
	char *dir = tl_tmpdir(), *bin = NULL, *mw, *out, *text;
	const char *argv[32];
	size_t n = 0;
	struct tl_result r;

	if (geteuid() == 0) {
		bin = tl_nobody_mprof(dir, "interval peaks refused to an ordinary user");
		if (!bin)
			goto out;
		for (size_t i = 0; i < ARRAY_SIZE(nobody); i++)
			argv[n++] = nobody[i];
		argv[n++] = bin;
	} else {
		argv[n++] = MPROF_BIN;
	}
	mw = nobody_memwork(dir);
	out = tl_path(dir, "w");
	/* a directory nobody may write to */
	ck_assert(mkdir(out, 0700) == 0 && chmod(out, 0777) == 0);
	free(out);
	for (const char *const *a = (const char *const[]){ "run", "-M", "-T", "0.02", "-o", "w/out.dat", mw,
							   "undumpable", "fork", "2", "1", "300", "sleep",
							   "300", "wait", NULL }; *a; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	tl_run_env(&r, dir, NULL, 30, argv);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(tl_count_prefix(r.err, "mprof: warning: no interval peaks") == 1, "%s", r.err);
	ck_assert_msg(strstr(r.err, "clear_refs: Permission denied"), "%s", r.err);
	out = tl_path(dir, "w/out.dat");
	text = tl_read_file(out, NULL);
	ck_assert(text);
	ck_assert_int_ge(tl_count_prefix(text, "MEM "), 5);
	ck_assert_int_eq(tl_count_prefix(text, "IPEAK "), 0);
	free(text);
	free(out);
	tl_result_free(&r);
	free(mw);
out:
	free(bin);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipeak");
	TCase *tc = tcase_create("ipeak");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_spikes);
	tcase_add_loop_test(tc, test_marks_spaced, 0, ARRAY_SIZE(spaced_cases));
	tcase_add_test(tc, test_children);
	tcase_add_test(tc, test_unseen);
	tcase_add_test(tc, test_attach);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
