/* cgroup_run: mprof run --cgroup, attach --cgroup, fit and peak on real
 * cgroups of the machine's hierarchy (as root, or in a delegated v2 cgroup),
 * and the cgroup records of the format.
 *
 * Checks that cannot run here print "SKIP: reason". */
#include "testlib.h"
#include "cgroup.h"
#include "profile.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)
#define PYTHON_TOOL "/usr/bin/python3-mprof"

/* --- the format --- */

static const struct {
	const char *line;
	int rc;
	enum record_kind kind;
	double mem, v0, v6, t;
} rec_cases[] = {
	{ "CGROUP 194.5 91.18 100.004 3.145 0 0 0.004 100 1795990478.23", 1, REC_CGROUP, 194.5, 91.18, 100,
	  1795990478.23 },
	{ "CGPRESSURE 1200 300 17.5", 1, REC_CGPRESSURE, 0, 1200, 0, 17.5 },
	{ "CGPEAK 412.25 18.0", 1, REC_CGPEAK, 412.25, 0, 0, 18.0 },
	{ "CGROUP 194.5 91.18 100.004 3.145 0 0 0.004 1795990478.23", -1, 0, 0, 0, 0, 0 },
	{ "CGROUP 194.5 -1 100.004 3.145 0 0 0.004 100 1795990478.23", -1, 0, 0, 0, 0, 0 },
	{ "CGPRESSURE x 300 17.5", -1, 0, 0, 0, 0, 0 },
	{ "CGPEAK nan 18.0", -1, 0, 0, 0, 0, 0 },
};

START_TEST(test_records)
{
	char *line = xstrdup(rec_cases[_i].line);
	struct record rec;
	const char *why = NULL;
	int rc = profile_parse_line(line, strlen(line), &rec, &why);

	ck_assert_msg(rc == rec_cases[_i].rc, "'%s': %d (%s)", rec_cases[_i].line, rc, why ? why : "");
	if (rc == 1) {
		ck_assert_int_eq(rec.kind, rec_cases[_i].kind);
		ck_assert_double_eq_tol(rec.mem, rec_cases[_i].mem, 1e-9);
		ck_assert_double_eq_tol(rec.cg[0], rec_cases[_i].v0, 1e-9);
		ck_assert_double_eq_tol(rec.cg[6], rec_cases[_i].v6, 1e-9);
		ck_assert_double_eq_tol(rec.t, rec_cases[_i].t, 1e-6);
	}
	free(line);
}
END_TEST

/* What is written reads back. */
START_TEST(test_records_round_trip)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "p.dat");
	struct profile_writer w;
	struct profile_reader r;
	struct record rec = { .kind = REC_CGROUP, .mem = 10.5, .t = 3.25,
			      .cg = { 1, 2, 3, 4, 5, 6, 7 } }, got;

	ck_assert_int_eq(profile_writer_open(&w, path, PROFILE_CREATE), 0);
	ck_assert_int_eq(profile_write(&w, &rec), 0);
	ck_assert_int_eq(profile_write_cgpeak(&w, 12.75, 4.5), 0);
	ck_assert_int_eq(profile_writer_close(&w), 0);
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	ck_assert_int_eq(profile_reader_next(&r, &got), 1);
	ck_assert_int_eq(got.kind, REC_CGROUP);
	for (int i = 0; i < 7; i++)
		ck_assert_double_eq_tol(got.cg[i], i + 1, 1e-9);
	ck_assert_int_eq(profile_reader_next(&r, &got), 1);
	ck_assert_int_eq(got.kind, REC_CGPEAK);
	ck_assert_double_eq_tol(got.mem, 12.75, 1e-9);
	ck_assert_int_eq(profile_reader_next(&r, &got), 0);
	profile_reader_close(&r);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A profile with cgroup records, as mprof run --cgroup writes them. */
static const char cg_profile[] =
	"CMDLINE job\n"
	"MPROF 1 0.1.0 backend=rss interval=0.1 mode=self pid=1 cgroup=/x cgroup_version=v1\n"
	"MEM 10.0 100.0\nCGROUP 50.000 10 40 0 0 0 0 40 100.0\nCGPRESSURE 0 0 100.0\n"
	"MEM 12.0 100.1\nCGROUP 250.000 12 238 0 0 0 0 238 100.1\nCGPRESSURE 10 5 100.1\n"
	"MARK cgroup:max 250.0 100.1\n"
	"MEM 11.0 100.2\nCGROUP 240.000 11 229 0 0 0 0 229 100.2\n"
	"PEAK 12.5 100.2\nCGPEAK 260.5 100.2\nEXIT 100.2 exit 0\n";

/* mprof peak: the cgroup's peak on its own line, after the kernel's. */
START_TEST(test_peak_line)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "cg.dat"), *want;
	struct tl_result r;

	tl_write_file(path, cg_profile);
	tl_run(&r, dir, "mprof", "peak", path);
	ck_assert_msg(r.status == 0, "%s", r.err);
	want = xasprintf("%s\t12.000 MiB\n  Kernel peak\t\t\t12.500 MiB\n  Cgroup peak\t\t\t260.500 MiB\n", path);
	ck_assert_str_eq(r.out, want);
	tl_result_free(&r);
	free(want);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* mprof plot: the cgroup's charge is a line of the plot, with its legend
 * entry, and its axis reaches the cgroup's peak. */
START_TEST(test_plot_line)
{
	char *dir = tl_tmpdir(), *path = tl_path(dir, "cg.dat");
	struct tl_result r;

	tl_write_file(path, cg_profile);
	tl_run(&r, dir, "mprof", "plot", "--terminal", "--color", "never", "--width", "120", "--height",
	       "30", path);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "cgroup (page cache and kernel memory included)"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "cgroup kernel peak 260.5 MiB"), "%s", r.out);
	tl_result_free(&r);
	free(path);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* --- real cgroups --- */

/* The hierarchy, when mprof can make cgroups here; else a SKIP. */
static bool real_sys(struct cgroup_sys *sys, const char *what)
{
	struct cgroup_place pl;

	error_set_quiet(true);
	if (cgroup_sys_detect(sys) < 0) {
		error_set_quiet(false);
		tl_skip("%s: %s", what, error_last());
		return false;
	}
	if (cgroup_place_find(sys, &pl) < 0) {
		error_set_quiet(false);
		tl_skip("%s: mprof cannot make cgroups here (root, or a delegated v2 cgroup): %s", what,
			error_last());
		cgroup_sys_release(sys);
		return false;
	}
	error_set_quiet(false);
	cgroup_place_release(&pl);
	return true;
}

/* A directory for a file whose pages are page cache that can be reclaimed:
 * not on tmpfs (there they are shared memory). NULL after a SKIP. */
static char *disk_dir(const char *what)
{
	char *dir = tl_tmpdir();
	struct statfs sf;

	if (statfs(dir, &sf) == 0 && sf.f_type != 0x01021994)
		return dir;
	tl_rmrf(dir);
	free(dir);
	dir = strdup("/var/tmp/mprof-cgrun-XXXXXX");
	if (mkdtemp(dir) && statfs(dir, &sf) == 0 && sf.f_type != 0x01021994)
		return dir;
	tl_skip("%s: no directory off tmpfs for the page cache ($TMPDIR and /var/tmp are tmpfs)", what);
	rmdir(dir);
	free(dir);
	return NULL;
}

/* The profile's records, summed up. */
struct prof {
	double cgpeak;        /* CGPEAK */
	double rss_peaks;     /* PEAK + the highest CHLDPEAK of each child */
	double cg_max;        /* highest CGROUP charge */
	unsigned long mem, cgroup, pressure;
	bool oom_kill, exit_signal9;
};

static void read_prof(const char *path, struct prof *p)
{
	struct profile_reader r;
	struct record rec;
	long pids[64];
	double peaks[64];
	size_t n = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(profile_reader_open(&r, path), 0);
	while ((rc = profile_reader_next(&r, &rec)) > 0) {
		size_t i;

		switch (rec.kind) {
		case REC_CGPEAK: p->cgpeak = fmax(p->cgpeak, rec.mem); break;
		case REC_PEAK: peaks[0] = fmax(n ? peaks[0] : 0, rec.mem); pids[0] = 0; n = n ? n : 1; break;
		case REC_CHLDPEAK:
			if (!n)
				pids[n] = 0, peaks[n++] = 0;
			for (i = 1; i < n && pids[i] != rec.pid; i++)
				;
			if (i == n && n < 64)
				pids[n] = rec.pid, peaks[n++] = 0;
			if (i < n)
				peaks[i] = fmax(peaks[i], rec.mem);
			break;
		case REC_CGROUP: p->cgroup++; p->cg_max = fmax(p->cg_max, rec.mem); break;
		case REC_CGPRESSURE: p->pressure++; break;
		case REC_MEM: p->mem++; break;
		case REC_MARK:
			if (rec.text_len == 15 && !memcmp(rec.text, "cgroup:oom_kill", 15))
				p->oom_kill = true;
			break;
		case REC_EXIT:
			p->exit_signal9 = rec.text_len == 6 && !memcmp(rec.text, "signal", 6) && rec.status == 9;
			break;
		default: break;
		}
	}
	ck_assert_int_eq(rc, 0);
	profile_reader_close(&r);
	for (size_t i = 0; i < n; i++)
		p->rss_peaks += peaks[i];
}

/* Three processes with 40 MiB of anonymous memory each and a file of
 * 200 MiB written: the recorded peak is the kernel's own (read inside the
 * cgroup once the job is done, by its last process), and is above the sum of
 * the processes' own peaks by about the cache. */
START_TEST(test_run_exact_peak)
{
	struct cgroup_sys sys;
	char *dir, *big, *kfile, *script, *dat, *text;
	struct tl_result r;
	struct prof p;
	double kpeak;

	if (!real_sys(&sys, "run --cgroup, the exact peak"))
		return;
	if (!(dir = disk_dir("run --cgroup, the exact peak"))) {
		cgroup_sys_release(&sys);
		return;
	}
	big = tl_path(dir, "big");
	kfile = tl_path(dir, "kpeak");
	dat = tl_path(dir, "p.dat");
	/* the processes hold their memory 4 s from when each has it: long
	 * enough for the first one to write the file on a loaded machine */
	script = xasprintf("%s -n 3 -a 40 -f %s -s 200 -S -t 4000 >/dev/null || exit 1; "
			   "p=$(sed -n '%s' /proc/self/cgroup); cat %s$p/%s > %s",
			   CGWORK_BIN, big, sys.version == CGROUP_V2 ? "s/^0:://p" : "s/^[0-9]*:memory://p",
			   sys.mem_mount, sys.version == CGROUP_V2 ? "memory.peak" : "memory.max_usage_in_bytes",
			   kfile);
	tl_run_env(&r, dir, NULL, 120, (const char *const[]){ "mprof", "run", "-M", "--cgroup", "-T", "0.05",
							      "-o", dat, "sh", "-c", script, NULL });
	ck_assert_msg(r.status == 0, "mprof run --cgroup: %d: %s", r.status, r.err);
	tl_result_free(&r);
	text = tl_read_file(kfile, NULL);
	ck_assert_msg(text != NULL, "the job did not read its cgroup's peak");
	kpeak = strtod(text, NULL) / MIB;
	read_prof(dat, &p);
	ck_assert_msg(p.cgroup > 0 && p.mem > 0, "no CGROUP (%lu) or MEM (%lu) records", p.cgroup, p.mem);
	ck_assert_msg(fabs(p.cgpeak - kpeak) <= kpeak / 100, "recorded peak %.3f MiB, the kernel's %.3f MiB",
		      p.cgpeak, kpeak);
	ck_assert_msg(p.rss_peaks >= 110, "the processes' peaks add up to %.1f MiB only", p.rss_peaks);
	ck_assert_msg(p.cgpeak >= p.rss_peaks + 180, "cgroup peak %.1f MiB, processes' peaks %.1f MiB: "
		      "the 200 MiB of cache are missing", p.cgpeak, p.rss_peaks);
	/* mprof peak says it */
	tl_run(&r, dir, "mprof", "peak", dat);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "  Cgroup peak\t\t\t"));
	tl_result_free(&r);
	free(text);
	free(script);
	free(big);
	free(kfile);
	free(dat);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The Python tool still reads a profile with cgroup records, and plots it. */
START_TEST(test_python_reads)
{
	struct cgroup_sys sys;
	char *dir, *dat, *png;
	struct tl_result r;

	if (access(PYTHON_TOOL, X_OK) != 0) {
		tl_skip("%s is not installed: its reading of cgroup records is not checked", PYTHON_TOOL);
		return;
	}
	if (!real_sys(&sys, "the Python tool reads cgroup records"))
		return;
	dir = tl_tmpdir();
	dat = tl_path(dir, "p.dat");
	png = tl_path(dir, "p.png");
	tl_run(&r, dir, "mprof", "run", "--cgroup", "-T", "0.02", "-o", dat, CGWORK_BIN, "-a", "8", "-t", "200");
	ck_assert_msg(r.status == 0, "%s", r.err);
	tl_result_free(&r);
	tl_run_env(&r, dir, (const char *const[]){ "MPLBACKEND=Agg", NULL }, 120,
		   (const char *const[]){ PYTHON_TOOL, "plot", "-o", png, dat, NULL });
	ck_assert_msg(r.status == 0, "%s plot: %s", PYTHON_TOOL, r.err);
	ck_assert_msg(access(png, F_OK) == 0, "no picture");
	tl_result_free(&r);
	tl_run(&r, dir, PYTHON_TOOL, "peak", dat);
	ck_assert_msg(r.status == 0 && strstr(r.out, " MiB"), "%s peak: %s", PYTHON_TOOL, r.err);
	tl_result_free(&r);
	free(dat);
	free(png);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Is a cgroup of ours (mprof-PID-*) left under dir? */
static bool left_behind(const char *dir, pid_t pid)
{
	char *cmd = xasprintf("ls -d %s/mprof-%d-* >/dev/null 2>&1", dir, (int)pid);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

/* Cgroups mprof-PID-N under our own whose PID has ended: left behind. */
static int dead_leftovers(const struct cgroup_sys *sys)
{
	char *own = sys->mem_self && strcmp(sys->mem_self, "/") ? xasprintf("%s%s", sys->mem_mount, sys->mem_self)
								: xstrdup(sys->mem_mount);
	DIR *d = opendir(own);
	struct dirent *e;
	int n = 0, pid;

	ck_assert_msg(d != NULL, "%s", own);
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "mprof-%d-", &pid) == 1 && kill(pid, 0) < 0 && errno == ESRCH) {
			fprintf(stderr, "left behind: %s/%s\n", own, e->d_name);
			n++;
		}
	closedir(d);
	free(own);
	return n;
}

/* The profile cannot be written: the cgroup made for the run goes too. */
START_TEST(test_run_no_output)
{
	struct cgroup_sys sys;
	char *dir, *dat;
	struct tl_result r;

	if (!real_sys(&sys, "run --cgroup, no profile"))
		return;
	dir = tl_tmpdir();
	dat = tl_path(dir, "missing/x.dat");
	tl_run(&r, dir, "mprof", "run", "--cgroup", "-o", dat, "true");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "cannot write") && !strstr(r.err, "cgroup"), "%s", r.err);
	tl_result_free(&r);
	ck_assert_int_eq(dead_leftovers(&sys), 0);
	free(dat);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A limit below the anonymous need: the kernel kills the program; a marker,
 * the exit as killed, a profile that reads, and no cgroup left. */
START_TEST(test_run_oom)
{
	struct cgroup_sys sys;
	char *dir, *dat, *own;
	struct tl_result r;
	struct prof p;
	long pid = 0;

	if (!real_sys(&sys, "run --memory-max, an OOM kill"))
		return;
	dir = tl_tmpdir();
	dat = tl_path(dir, "oom.dat");
	tl_run(&r, dir, "mprof", "run", "-E", "--cgroup", "--memory-max", "32M", "-T", "0.02", "-o", dat,
	       CGWORK_BIN, "-a", "64", "-t", "200");
	ck_assert_msg(r.status == 128 + SIGKILL, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "killed by the kernel's OOM killer at its limit of 32.0 MiB"), "%s", r.err);
	tl_result_free(&r);
	read_prof(dat, &p);
	ck_assert_msg(p.oom_kill, "no cgroup:oom_kill marker");
	ck_assert_msg(p.exit_signal9, "the exit is not signal 9");
	ck_assert(p.cgpeak > 0 && p.cgpeak <= 32.0 + 1e-6);
	tl_run(&r, dir, "mprof", "peak", dat);
	ck_assert_msg(r.status == 0, "mprof peak: %s", r.err);
	tl_result_free(&r);
	/* the cgroup went: its pid (mprof's) is in the header */
	{
		char *text = tl_read_file(dat, NULL), *at = strstr(text, "cgroup=");

		ck_assert_ptr_nonnull(at);
		ck_assert_msg(sscanf(strstr(at, "/mprof-") + 7, "%ld", &pid) == 1, "%s", at);
		free(text);
	}
	own = sys.mem_self && strcmp(sys.mem_self, "/") ? xasprintf("%s%s", sys.mem_mount, sys.mem_self)
							 : xstrdup(sys.mem_mount);
	ck_assert_msg(!left_behind(own, (pid_t)pid), "a cgroup of mprof %ld is left in %s", pid, own);
	free(own);
	free(dat);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* The exit status of cgwork ... under a limit of mib MiB, run by mprof in a
 * cgroup of its own. */
static int run_under(const char *dir, double mib, const char *big, const char *dat)
{
	char lim[32];
	struct tl_result r;
	int st;

	snprintf(lim, sizeof(lim), "%.3fM", mib);
	tl_run_env(&r, dir, NULL, 120, (const char *const[]){ "mprof", "run", "-E", "--cgroup", "--memory-max",
		   lim, "-o", dat, CGWORK_BIN, "-a", "48", "-f", big, "-s", "160", "-S", "-t", "100", NULL });
	st = r.status;
	tl_result_free(&r);
	return st;
}

/* 48 MiB anonymous and 160 MiB of cache written: the limit found lies
 * between 48 and 48 + 80 MiB; the job succeeds under it, not under 85% of it. */
START_TEST(test_fit)
{
	struct cgroup_sys sys;
	char *dir, *big, *prefix, *dat1, *dat2;
	const char *at;
	struct tl_result r;
	double fit;

	if (!real_sys(&sys, "mprof fit"))
		return;
	if (!(dir = disk_dir("mprof fit"))) {
		cgroup_sys_release(&sys);
		return;
	}
	big = tl_path(dir, "big");
	prefix = tl_path(dir, "f");
	tl_run_env(&r, dir, NULL, 280, (const char *const[]){ "mprof", "fit", "-o", prefix, CGWORK_BIN,
		   "-a", "48", "-f", big, "-s", "160", "-S", "-t", "100", NULL });
	ck_assert_msg(r.status == 0, "mprof fit: %d: %s%s", r.status, r.out, r.err);
	at = strstr(r.out, "; fits in ");
	ck_assert_msg(at && sscanf(at, "; fits in %lf MiB", &fit) == 1, "%s", r.out);
	ck_assert_msg(strstr(r.out, "\npeak ") && strstr(r.out, " reclaimable cache; fits in "), "%s", r.out);
	ck_assert_msg(fit >= 48 && fit <= 48 + 80, "fits in %.1f MiB: not between 48 and 128\n%s", fit, r.out);
	ck_assert_int_ge(tl_count_prefix(r.out, "run "), 3);
	tl_result_free(&r);
	dat1 = tl_path(dir, "at.dat");
	dat2 = tl_path(dir, "below.dat");
	ck_assert_msg(run_under(dir, fit, big, dat1) == 0, "fails under the limit found, %.1f MiB", fit);
	ck_assert_msg(run_under(dir, fit * 0.85, big, dat2) != 0, "succeeds under 85%% of %.1f MiB", fit);
	free(dat1);
	free(dat2);
	free(big);
	free(prefix);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A job that fails every second run, whatever the limit: the limit found
 * once is tried again, and the outcome said to be flaky. */
START_TEST(test_fit_flaky)
{
	struct cgroup_sys sys;
	char *dir, *big, *cnt, *prefix, *script;
	struct tl_result r;

	if (!real_sys(&sys, "mprof fit, a flaky job"))
		return;
	if (!(dir = disk_dir("mprof fit, a flaky job"))) {
		cgroup_sys_release(&sys);
		return;
	}
	big = tl_path(dir, "big");
	cnt = tl_path(dir, "count");
	prefix = tl_path(dir, "f");
	tl_write_file(cnt, "0\n");
	script = xasprintf("%s -a 8 -f %s -s 64 -S >/dev/null || exit 1; n=$(cat %s); echo $((n + 1)) > %s; "
			   "exit $((n %% 2))", CGWORK_BIN, big, cnt, cnt);
	tl_run_env(&r, dir, NULL, 280, (const char *const[]){ "mprof", "fit", "--tolerance", "20M", "-o", prefix,
							      "sh", "-c", script, NULL });
	ck_assert_msg(r.status == 0, "mprof fit: %d: %s%s", r.status, r.out, r.err);
	ck_assert_msg(strstr(r.err, "flaky: the program passed once and failed once under "), "%s", r.err);
	ck_assert_msg(strstr(r.out, "; fits in "), "%s", r.out);
	tl_result_free(&r);
	free(script);
	free(big);
	free(cnt);
	free(prefix);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A program that fails without a limit: nothing to fit, said, status 1. */
START_TEST(test_fit_fails_unlimited)
{
	struct cgroup_sys sys;
	char *dir, *prefix;
	struct tl_result r;

	if (!real_sys(&sys, "mprof fit of a failing program"))
		return;
	dir = tl_tmpdir();
	prefix = tl_path(dir, "f");
	tl_run(&r, dir, "mprof", "fit", "-o", prefix, "false");
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "the program does not succeed even without a limit"), "%s", r.err);
	ck_assert_msg(strstr(r.out, "run 1: no limit: failed, exit status 1"), "%s", r.out);
	ck_assert_int_eq(tl_count_prefix(r.out, "run "), 1);
	tl_result_free(&r);
	free(prefix);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

struct job {
	pid_t pid;
	int in, out;
};

/* cgwork -a MIB -w in cg, ready when this returns. */
static void job_start(struct job *j, const struct cgroup *cg, const char *mib)
{
	int in[2], out[2];
	char buf[16] = "";
	struct pollfd p;

	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	fflush(NULL);
	j->pid = fork();
	ck_assert_int_ge(j->pid, 0);
	if (j->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (cgroup_join_child(cg) < 0)
			_exit(126);
		execl(CGWORK_BIN, CGWORK_BIN, "-a", mib, "-w", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	j->in = in[1];
	j->out = out[0];
	p = (struct pollfd){ j->out, POLLIN, 0 };
	ck_assert_msg(poll(&p, 1, 120000) == 1, "the job never got ready");
	ck_assert(read(j->out, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "ready", 5) == 0);
}

static void job_end(struct job *j)
{
	close(j->in);
	close(j->out);
	ck_assert_int_eq(waitpid(j->pid, NULL, 0), j->pid);
}

static uint64_t peak_of(const struct cgroup *cg)
{
	struct cgroup_reader rd;
	struct cgroup_sample s;

	ck_assert_int_eq(cgroup_reader_open(&rd, cg->version, cg->path, NULL), 0);
	ck_assert_int_eq(cgroup_read(&rd, CGROUP_PEAK | CGROUP_CURRENT, &s), 0);
	cgroup_reader_close(&rd);
	ck_assert_msg(s.have & CGROUP_PEAK, "no peak file in %s", cg->path);
	return s.peak;
}

/* attach --cgroup PATH to a cgroup of the test's, holding 32 MiB: samples of
 * it, and its peak as it was (read-only). */
START_TEST(test_attach_by_path)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct job j;
	struct tl_result r;
	struct prof p;
	char *dir, *dat;
	uint64_t before, after;

	if (!real_sys(&sys, "attach --cgroup"))
		return;
	ck_assert_int_eq(cgroup_create(&cg, &sys, 0), 0);
	job_start(&j, &cg, "32");
	before = peak_of(&cg);
	dir = tl_tmpdir();
	dat = tl_path(dir, "a.dat");
	tl_run(&r, dir, "mprof", "attach", "--cgroup", cg.path, "-t", "0.5", "-T", "0.05", "-o", dat);
	after = peak_of(&cg);
	/* the cgroup goes before any check can fail */
	job_end(&j);
	ck_assert_int_eq(cgroup_remove(&cg, 5), 0);
	ck_assert_msg(r.status == 0, "mprof attach: %s", r.err);
	tl_result_free(&r);
	ck_assert_uint_eq(before, after);
	read_prof(dat, &p);
	ck_assert_msg(p.mem >= 3 && p.cgroup >= p.mem, "MEM %lu, CGROUP %lu", p.mem, p.cgroup);
	ck_assert_msg(p.cg_max >= 32 && p.cg_max < 64, "the cgroup held %.1f MiB", p.cg_max);
	free(dat);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* attach --reset-peak: the peak of a job that has gone is forgotten; the run's
 * own peak is written. */
START_TEST(test_attach_reset_peak)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct job j;
	struct tl_result r;
	struct prof p;
	char *dir, *dat;
	uint64_t before, after;

	if (!real_sys(&sys, "attach --reset-peak"))
		return;
	ck_assert_int_eq(cgroup_create(&cg, &sys, 0), 0);
	job_start(&j, &cg, "48");
	job_end(&j);
	before = peak_of(&cg);
	dir = tl_tmpdir();
	dat = tl_path(dir, "r.dat");
	tl_run(&r, dir, "mprof", "attach", "--cgroup", cg.path, "--reset-peak", "-t", "0.3", "-o", dat);
	after = peak_of(&cg);
	ck_assert_int_eq(cgroup_remove(&cg, 5), 0);
	if (r.status != 0 && strstr(r.err, "peak")) {
		tl_skip("attach --reset-peak: this kernel cannot reset the peak: %s", r.err);
	} else {
		ck_assert_msg(r.status == 0, "%s", r.err);
		ck_assert_msg(before >= 48 * MIB, "the job's peak was %.1f MiB", (double)before / MIB);
		ck_assert_msg(after < 16 * MIB, "the peak after the reset is %.1f MiB", (double)after / MIB);
		read_prof(dat, &p);
		ck_assert_msg(p.cgpeak < 16, "CGPEAK %.1f MiB: not the run's", p.cgpeak);
	}
	tl_result_free(&r);
	free(dat);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* attach --cgroup ends when the cgroup is removed, long before its timeout. */
START_TEST(test_attach_until_removed)
{
	struct cgroup_sys sys;
	struct cgroup cg;
	struct tl_result r;
	char *dir, *dat, *text;
	pid_t pid;
	double t0;

	if (!real_sys(&sys, "attach --cgroup until it is removed"))
		return;
	ck_assert_int_eq(cgroup_create(&cg, &sys, 0), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		usleep(1500000);
		_exit(cgroup_remove(&cg, 1) == 0 ? 0 : 1);
	}
	dir = tl_tmpdir();
	dat = tl_path(dir, "gone.dat");
	t0 = (double)mono_ns() * 1e-9;
	tl_run(&r, dir, "mprof", "attach", "--cgroup", cg.path, "-t", "50", "-o", dat);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	cgroup_remove(&cg, 1);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg((double)mono_ns() * 1e-9 - t0 < 40, "it waited for its timeout");
	text = tl_read_file(dat, NULL);
	ck_assert_int_ge(tl_count_prefix(text, "MEM "), 1);
	tl_result_free(&r);
	free(text);
	free(dat);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* A cgroup that cannot be made (an ordinary user outside a delegated
 * subtree): one message, non-zero, no profile left. */
START_TEST(test_cannot_create)
{
	char *dir = tl_tmpdir(), *bin;
	struct tl_result r;

	if (geteuid() != 0) {
		tl_run(&r, dir, "mprof", "run", "--cgroup", "-o", "x.dat", "true");
	} else {
		if (!(bin = tl_nobody_mprof(dir, "run --cgroup, refused"))) {
			tl_rmrf(dir);
			free(dir);
			return;
		}
		tl_run(&r, dir, TL_AS_NOBODY, bin, "run", "--cgroup", "-o", "x.dat", "true");
		free(bin);
	}
	if (r.status == 0) {
		tl_skip("run --cgroup, refused: this user may make cgroups here (a delegated cgroup)");
	} else {
		ck_assert_int_eq(r.status, 1);
		ck_assert_msg(strstr(r.err, "cgroup"), "%s", r.err);
		{
			char *p = tl_path(dir, "x.dat");

			ck_assert_msg(access(p, F_OK) != 0, "a profile was left");
			free(p);
		}
	}
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Cgroups that a killed mprof left: removed at the next run when empty and
 * their mprof is gone; kept when they hold a process or their mprof runs. */
static char *stale_dir(const char *parent, long pid, int n)
{
	char *p = xasprintf("%s/mprof-%ld-%d", parent, pid, n);

	ck_assert_msg(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
	return p;
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

START_TEST(test_stale_swept)
{
	struct cgroup_sys sys;
	struct cgroup_place pl;
	char *dir, *gone, *inner, *busy, *mine, *procs, num[24];
	pid_t dead, sleeper;
	struct tl_result r;
	int fd;

	if (!real_sys(&sys, "run --cgroup, cgroups left by a killed run"))
		return;
	ck_assert_int_eq(cgroup_place_find(&sys, &pl), 0);
	dir = tl_tmpdir();
	dead = dead_pid();
	gone = stale_dir(pl.parent, dead, 7);
	inner = stale_dir(gone, 1, 1); /* a cgroup the job made inside */
	busy = stale_dir(pl.parent, dead, 8);
	mine = stale_dir(pl.parent, getpid(), 9);
	sleeper = fork();
	ck_assert_int_ge(sleeper, 0);
	if (sleeper == 0) {
		execlp("sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	procs = tl_path(busy, "cgroup.procs");
	snprintf(num, sizeof(num), "%ld\n", (long)sleeper);
	fd = open(procs, O_WRONLY);
	ck_assert_msg(fd >= 0 && write(fd, num, strlen(num)) == (ssize_t)strlen(num), "%s: %s", procs,
		      strerror(errno));
	close(fd);
	tl_run(&r, dir, "mprof", "run", "--cgroup", "-o", "x.dat", "true");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(access(gone, F_OK) != 0 && access(inner, F_OK) != 0, "%s was left", gone);
	ck_assert_msg(strstr(r.err, gone) && tl_count_prefix(r.err, "mprof: warning: removed the cgroup") == 1,
		      "%s", r.err);
	ck_assert_msg(access(busy, F_OK) == 0, "%s, which holds a process, was removed", busy);
	ck_assert_msg(access(mine, F_OK) == 0, "%s, whose mprof runs, was removed", mine);
	kill(sleeper, SIGKILL);
	ck_assert_int_eq(waitpid(sleeper, NULL, 0), sleeper);
	for (int i = 0; rmdir(busy) < 0 && errno == EBUSY && i < 200; i++)
		usleep(5000);
	ck_assert_int_eq(rmdir(mine), 0);
	tl_result_free(&r);
	free(procs);
	free(gone);
	free(inner);
	free(busy);
	free(mine);
	cgroup_place_release(&pl);
	cgroup_sys_release(&sys);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* Bad options: said, with the option named. */
static const struct {
	const char *argv[8];
	const char *says;
} bad_cases[] = {
	{ { "mprof", "run", "--memory-max", "1G", "true" }, "--memory-max needs --cgroup" },
	{ { "mprof", "run", "--cgroup", "--memory-max", "12", "true" }, "option --memory-max: '12'" },
	{ { "mprof", "attach", "--reset-peak", "1" }, "--reset-peak needs --cgroup" },
	{ { "mprof", "run", "-a", "--cgroup", "1" }, "to watch a cgroup, mprof attach --cgroup PATH" },
	{ { "mprof", "attach", "--cgroup", "/x", "--unit", "y" }, "one of --cgroup, --unit, --container" },
	{ { "mprof", "fit", "--runs", "1", "true" }, "option --runs: '1'" },
	{ { "mprof", "fit", "--tolerance", "0%", "true" }, "option --tolerance: '0%'" },
	{ { "mprof", "fit" }, "a program to run is needed" },
};

START_TEST(test_bad_options)
{
	struct tl_result r;

	tl_run_env(&r, NULL, NULL, 0, bad_cases[_i].argv);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, bad_cases[_i].says), "%s", r.err);
	tl_result_free(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroup_run");
	TCase *tc = tcase_create("format");

	tcase_add_loop_test(tc, test_records, 0, ARRAY_SIZE(rec_cases));
	tcase_add_test(tc, test_records_round_trip);
	tcase_add_test(tc, test_peak_line);
	tcase_add_test(tc, test_plot_line);
	tcase_add_loop_test(tc, test_bad_options, 0, ARRAY_SIZE(bad_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("real");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_run_exact_peak);
	tcase_add_test(tc, test_python_reads);
	tcase_add_test(tc, test_run_oom);
	tcase_add_test(tc, test_run_no_output);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_fit_flaky);
	tcase_add_test(tc, test_fit_fails_unlimited);
	tcase_add_test(tc, test_attach_by_path);
	tcase_add_test(tc, test_attach_until_removed);
	tcase_add_test(tc, test_attach_reset_peak);
	tcase_add_test(tc, test_cannot_create);
	tcase_add_test(tc, test_stale_swept);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
