/* mprof fit: the smallest memory limit a program still succeeds under.
 *
 * One run without a limit gives the cgroup's peak and the part of it that no
 * reclaim can free (anonymous, kernel and shared memory); the limit is then
 * bisected between the two, each run in a cgroup of its own under
 * memory.max (swap off). A run succeeds when the program exits 0 and nothing
 * of it was OOM-killed. The lowest limit that passed is run once more: a
 * limit that passed once and failed once is flaky, said so, and the search
 * goes on above it. One profile per run.
 */
#include "cgroup.h"
#include "commands.h"
#include "options.h"
#include "sampler.h"
#include "size.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIB (1024.0 * 1024.0)
#define RUNS_DEFAULT 12
#define PAGE_MIB (4096.0 / MIB)

struct fit_args {
	double interval;
	long runs;
	double tol_pct;           /* --tolerance N%: of the peak */
	uint64_t tol_bytes;       /* --tolerance SIZE */
	double timeout;           /* per run; 0: 3 times the first run, plus 10 s */
	const char *prefix;       /* profiles PREFIX_fitNN.dat */
};

struct fit {
	const struct fit_args *a;
	char *const *argv;
	int nruns;
	int again;                /* runs of a limit tried before */
	int flaky;                /* limits that passed once and failed once */
	double timeout;
	double *passed;           /* limits that passed (MiB) */
	size_t npassed, cap;
};

static int runs_value(struct opt_parser *p, void *field, const char *arg)
{
	long *v = field;

	if (parse_long(arg, v) < 0 || *v < 2 || *v > 1000)
		return opt_bad_value(p, "'%s' is not a number of runs from 2 to 1000", arg);
	return 0;
}

static int tolerance_value(struct opt_parser *p, void *field, const char *arg)
{
	struct fit_args *a = p->values;
	size_t n = strlen(arg);
	enum size_error e;

	(void)field;
	if (n > 1 && arg[n - 1] == '%') {
		char *num = xstrdup(arg);
		int rc;

		num[n - 1] = '\0';
		rc = parse_finite(num, &a->tol_pct);
		free(num);
		if (rc < 0 || a->tol_pct <= 0 || a->tol_pct >= 100)
			return opt_bad_value(p, "'%s' is not a percentage above 0 and below 100", arg);
		a->tol_bytes = 0;
		return 0;
	}
	e = size_parse(arg, &a->tol_bytes);
	if (e)
		return opt_bad_value(p, "'%s': %s (or a percentage of the peak: 2%%)", arg, size_strerror(e));
	if (!a->tol_bytes)
		return opt_bad_value(p, "'%s': the tolerance must be more than 0", arg);
	a->tol_pct = 0;
	return 0;
}

static int seconds_value(struct opt_parser *p, void *field, const char *arg)
{
	double *v = field;

	if (parse_finite(arg, v) < 0 || *v <= 0)
		return opt_bad_value(p, "'%s' is not a number of seconds > 0", arg);
	return 0;
}

static int prefix_value(struct opt_parser *p, void *field, const char *arg)
{
	if (!*arg)
		return opt_bad_value(p, "a file name prefix is needed");
	*(const char **)field = arg;
	return 0;
}

static const struct opt fit_opts[] = {
	OPT_CALLBACK(0, "runs", "N", struct fit_args, runs, runs_value,
		     "at most N runs in all, the first without a limit (default 12)"),
	OPT_CALLBACK(0, "tolerance", "SIZE", struct fit_args, tol_bytes, tolerance_value,
		     "stop when the limit is known this closely: a size (4M)\n"
		     "or a percentage of the peak (2%); default 1%, at least 1 MiB"),
	OPT_CALLBACK(0, "timeout", "SEC", struct fit_args, timeout, seconds_value,
		     "a run that takes longer is killed and counts as failed\n"
		     "(default: 3 times the run without a limit, plus 10 s)"),
	OPT_CALLBACK('T', "interval", "SEC", struct fit_args, interval, seconds_value,
		     "seconds between samples (default 0.1)"),
	OPT_CALLBACK('o', "output", "PREFIX", struct fit_args, prefix, prefix_value,
		     "profiles PREFIX_fit01.dat, PREFIX_fit02.dat...\n"
		     "(default mprofile_<YYYYMMDDhhmmss>)"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_fit = {
	"fit", OPT_USAGE("mprof fit [options] [--] PROGRAM [ARGS...]"),
	"Find the smallest memory limit (cgroup memory.max, swap off) under which\n"
	"PROGRAM still succeeds: exit status 0 and no process OOM-killed. It is\n"
	"run once without a limit, then under limits bisected between its peak\n"
	"and the part of it that cannot be reclaimed. PROGRAM must be repeatable:\n"
	"do the same work, from the same start, each time it is run.\n",
	fit_opts, "Needs a memory cgroup mprof may create: see Cgroups in mprof(1).\n", OPT_STOP_AT_ARG,
};

enum outcome { FIT_OK, FIT_FAILED, FIT_ERROR };

static void describe(const struct sampler_result *res, char *buf, size_t cap)
{
	if (res->timed_out)
		snprintf(buf, cap, "timed out, killed");
	else if (res->cgroup_events & CGROUP_EV_OOM_KILL)
		snprintf(buf, cap, "OOM-killed");
	else if (res->end == SAMPLER_SIGNALED)
		snprintf(buf, cap, "killed by signal %d", res->status);
	else if (res->end == SAMPLER_EXITED && res->status)
		snprintf(buf, cap, "failed, exit status %d", res->status);
	else
		snprintf(buf, cap, "fits");
}

/* One run under limit (MiB; 0: none). */
static enum outcome run_once(struct fit *f, double limit, struct sampler_result *res)
{
	struct sampler_opts so = { 0 };
	char *out = xasprintf("%s_fit%02d.dat", f->a->prefix, f->nruns + 1);
	char what[64], lim[48];
	int rc;

	so.interval = f->a->interval;
	so.backend = PROC_RSS;
	so.output = out;
	so.output_mode = PROFILE_CREATE;
	so.argv = f->argv;
	so.events = true;
	so.cgroup = true;
	so.memory_max = (uint64_t)llround(limit * MIB);
	so.timeout = f->timeout;
	so.kill_at_timeout = true;
	rc = sampler_run(&so, res);
	free(out);
	if (rc < 0 && !res->output)
		return FIT_ERROR; /* said: no cgroup, no program, no profile */
	f->nruns++;
	describe(res, what, sizeof(what));
	if (limit > 0)
		snprintf(lim, sizeof(lim), "limit %.1f MiB", limit);
	else
		snprintf(lim, sizeof(lim), "no limit");
	printf("run %d: %s: %s, cgroup peak %.1f MiB (%s)\n", f->nruns, lim, what, res->cgroup_peak,
	       res->output ? res->output : "no profile");
	fflush(stdout);
	free(res->output);
	res->output = NULL;
	if (rc < 0)
		return FIT_ERROR;
	if (res->stop_signal) {
		error("interrupted (signal %d): no limit found", res->stop_signal);
		return FIT_ERROR;
	}
	return strcmp(what, "fits") == 0 ? FIT_OK : FIT_FAILED;
}

/* The lowest limit that passed above lo, else top. */
static double next_pass_above(const struct fit *f, double lo, double top)
{
	double best = top;

	for (size_t i = 0; i < f->npassed; i++)
		if (f->passed[i] > lo && f->passed[i] < best)
			best = f->passed[i];
	return best;
}

static void note_pass(struct fit *f, double limit)
{
	XGROW(f->passed, f->cap, f->npassed + 1);
	f->passed[f->npassed++] = limit;
}

/* Bisect (lo fails, hi passes) until tol or the runs run out, then run the
 * answer again. -1 on an error; else the answer in *hi. */
static int bisect(struct fit *f, double *lo, double *hi, double peak, double tol)
{
	struct sampler_result res;
	enum outcome o;

	for (;;) {
		while (*hi - *lo > tol && f->nruns < f->a->runs) {
			double mid = floor((*lo + *hi) / 2 / PAGE_MIB) * PAGE_MIB;

			if ((o = run_once(f, mid, &res)) == FIT_ERROR)
				return -1;
			if (o == FIT_OK) {
				note_pass(f, mid);
				*hi = mid;
			} else {
				*lo = mid;
			}
		}
		if (*hi >= peak || f->nruns >= f->a->runs)
			return 0;
		/* the answer again: a limit that passes only at times is no fit */
		f->again++;
		if ((o = run_once(f, *hi, &res)) == FIT_ERROR)
			return -1;
		if (o == FIT_OK)
			return 0;
		f->flaky++;
		warning("flaky: the program passed once and failed once under %.1f MiB; looking above it", *hi);
		*lo = *hi;
		*hi = next_pass_above(f, *lo, peak);
	}
}

static void format_duration(double s, char *buf, size_t cap)
{
	if (s < 60)
		snprintf(buf, cap, "%.1f s", s);
	else
		snprintf(buf, cap, "%d m %d s", (int)(s / 60), (int)fmod(s, 60));
}

static int fit_search(struct fit *f)
{
	struct sampler_result res;
	double t0 = (double)mono_ns() * 1e-9, peak, lo, hi, tol;
	char took[48];

	switch (run_once(f, 0, &res)) {
	case FIT_ERROR:
		return -1;
	case FIT_FAILED:
		return error("the program does not succeed even without a limit: nothing to fit");
	case FIT_OK:
		break;
	}
	if (!(res.cgroup_peak > 0))
		return error("the cgroup's peak could not be read");
	peak = ceil(res.cgroup_peak / PAGE_MIB) * PAGE_MIB;
	lo = floor(res.cgroup_floor / PAGE_MIB) * PAGE_MIB;
	hi = peak;
	if (!f->a->timeout)
		f->timeout = 3 * ((double)mono_ns() * 1e-9 - t0) + 10;
	tol = f->a->tol_bytes ? (double)f->a->tol_bytes / MIB
			      : fmax(1, peak * (f->a->tol_pct ? f->a->tol_pct : 1) / 100);
	if (bisect(f, &lo, &hi, peak, tol) < 0)
		return -1;
	format_duration((double)mono_ns() * 1e-9 - t0, took, sizeof(took));
	printf("peak %.1f MiB, of which %.1f MiB reclaimable cache; fits in %.1f MiB (tried %d limit%s, %s)\n",
	       res.cgroup_peak, fmax(0, res.cgroup_peak - res.cgroup_floor), hi, f->nruns - 1 - f->again,
	       f->nruns - 1 - f->again == 1 ? "" : "s", took);
	if (f->flaky)
		printf("flaky: %d limit%s passed once and failed once; the program may not be repeatable\n",
		       f->flaky, f->flaky > 1 ? "s" : "");
	if (hi - lo > tol)
		printf("the runs ran out: the limit is between %.1f and %.1f MiB\n", lo, hi);
	return 0;
}

int cmd_fit(int argc, char **argv)
{
	struct fit_args a = { .interval = 0.1, .runs = RUNS_DEFAULT };
	struct fit f = { .a = &a };
	char stamp[64];
	int nargs, rc;

	nargs = opt_parse(&opt_cmd_fit, &a, argc, argv);
	if (!nargs)
		die_usage("fit", "a program to run is needed");
	if (!a.prefix) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "mprofile_%Y%m%d%H%M%S", &tm);
		a.prefix = stamp;
	}
	f.argv = argv;
	f.timeout = a.timeout;
	rc = fit_search(&f);
	free(f.passed);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
