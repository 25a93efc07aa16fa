/* mprof run, mprof attach: options, then the sampler does the work. */
#include "cgroup.h"
#include "commands.h"
#include "gpu.h"
#include "options.h"
#include "proc.h"
#include "pyinject.h"
#include "sampler.h"
#include "size.h"
#include "spawn.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#define ATTACH_TIMEOUT 3600.0
#define INTERVAL_MIN 0.0001
#define INTERVAL_MAX 86400.0

static const struct {
	const char *name;
	enum proc_backend backend;
} backends[] = {
	{ "rss", PROC_RSS },
	{ "pss", PROC_PSS },
	{ "uss", PROC_USS },
	{ "psutil", PROC_RSS },
	{ "psutil_pss", PROC_PSS },
	{ "psutil_uss", PROC_USS },
	{ "posix", PROC_RSS },
};

struct run_args {
	const char *cmd;          /* "run" or "attach", for messages */
	struct sampler_opts so;
	bool exit_code;
	bool attach;
	bool timeout_given;
	bool force, append;
	bool python, nopython;
	bool quiet;
	struct size_arg max, kill_above;
	char kill_label[64];          /* the marker of --kill-above */
	bool memory_max_given;
	bool python_heap;
	bool gpu;
	bool interval_peaks, no_interval_peaks;
	char **program;           /* PROGRAM ARGS..., NULL-terminated */
	int nprogram;
};

/* ---- options ---- */

static int interval_value(struct opt_parser *p, void *field, const char *arg)
{
	double *v = field;

	if (parse_finite(arg, v) < 0 || *v < INTERVAL_MIN || *v > INTERVAL_MAX)
		return opt_bad_value(p, "'%s' is not a number of seconds from 0.0001 to 86400", arg);
	return 0;
}

static int timeout_value(struct opt_parser *p, void *field, const char *arg)
{
	double *v = field;

	if (parse_finite(arg, v) < 0 || *v < 0)
		return opt_bad_value(p, "'%s' is not a number of seconds >= 0 (0: no limit)", arg);
	((struct run_args *)p->values)->timeout_given = true;
	return 0;
}

/* attach takes no program: options may come after the pid too */
static int attach_value(struct opt_parser *p, void *field, const char *arg)
{
	*(bool *)field = true;
	p->stop_at_arg = false;
	return 0;
}

static int backend_value(struct opt_parser *p, void *field, const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
		if (strcmp(arg, backends[i].name) == 0) {
			*(enum proc_backend *)field = backends[i].backend;
			return 0;
		}
	}
	if (strcmp(arg, "tracemalloc") == 0)
		return opt_bad_value(p, "tracemalloc is not supported (it measures Python allocations "
				     "from inside the interpreter); use rss, pss or uss");
	return opt_bad_value(p, "'%s' is not one of rss, pss, uss (or psutil, psutil_pss, psutil_uss, posix)",
			     arg);
}

static int memory_max_value(struct opt_parser *p, void *field, const char *arg)
{
	struct run_args *a = p->values;
	enum size_error e = size_parse(arg, field);

	if (e)
		return opt_bad_value(p, "'%s': %s", arg, size_strerror(e));
	if (!*(uint64_t *)field)
		return opt_bad_value(p, "'%s': the limit must be more than 0", arg);
	a->memory_max_given = true;
	return 0;
}

/* attach --cgroup PATH, --unit NAME, --container ID: one of them */
static int cgroup_arg(struct opt_parser *p, const char *arg, enum cgroup_by by)
{
	struct run_args *a = p->values;

	if (!*arg)
		return opt_bad_value(p, "a cgroup, unit or container is needed");
	if (a->so.cgroup_arg)
		return opt_bad_value(p, "one of --cgroup, --unit, --container, given once");
	a->so.cgroup_arg = arg;
	a->so.cgroup_by = by;
	return 0;
}

static int cg_path_value(struct opt_parser *p, void *field, const char *arg)
{
	(void)field;
	return cgroup_arg(p, arg, CGROUP_BY_PATH);
}

static int cg_unit_value(struct opt_parser *p, void *field, const char *arg)
{
	(void)field;
	return cgroup_arg(p, arg, CGROUP_BY_UNIT);
}

static int cg_container_value(struct opt_parser *p, void *field, const char *arg)
{
	(void)field;
	return cgroup_arg(p, arg, CGROUP_BY_CONTAINER);
}

static int last_value(struct opt_parser *p, void *field, const char *arg)
{
	double *v = field;

	if (parse_finite(arg, v) < 0 || *v <= 0)
		return opt_bad_value(p, "'%s' is not a number of seconds > 0", arg);
	return 0;
}

#define RUN_COMMON_OPTS \
	OPT_CALLBACK('T', "interval", "SEC", struct run_args, so.interval, interval_value, \
		     "seconds between samples (default 0.1, at least 0.0001)"), \
	OPT_FILE('o', "output", "FILE", struct run_args, so.output, \
		     "write the profile to FILE; an existing FILE is refused"), \
	OPT_BOOL(0, "force", struct run_args, force, "replace FILE if it exists"), \
	OPT_BOOL(0, "append", struct run_args, append, "add to FILE if it exists"), \
	OPT_BOOL('C', "include-children", struct run_args, so.children, \
		 "MEM is the sum over the program and all its descendants"), \
	OPT_BOOL('M', "multiprocess", struct run_args, so.multiprocess, \
		 "also a CHLD record per child process per sample"), \
	OPT_BOOL(0, "breakdown", struct run_args, so.breakdown, \
		 "also record resident anonymous, file-backed and shared\n" \
		 "memory and swap with each sample (KIND records)"), \
	OPT_BOOL(0, "gpu", struct run_args, gpu, \
		 "also record the GPU memory of the program and its\n" \
		 "descendants (NVIDIA, through libnvidia-ml.so.1)"), \
	OPT_BOOL('E', "exit-code", struct run_args, exit_code, \
		 "exit with the program's status (128+N after signal N)"), \
	OPT_CALLBACK('t', "timeout", "SEC", struct run_args, so.timeout, timeout_value, \
		     "stop sampling after SEC; the program keeps running\n" \
		     "(attach: 3600 unless given; 0: no limit)"), \
	OPT_CALLBACK('a', "attach", NULL, struct run_args, attach, attach_value, \
		     "PROGRAM is a pid or a part of a process name;\n" \
		     "options may follow it, as with mprof attach"), \
	OPT_CALLBACK(0, "backend", "BACKEND", struct run_args, so.backend, backend_value, \
		     "rss (default), pss or uss; also psutil, psutil_pss,\n" \
		     "psutil_uss, posix (as rss)"), \
	OPT_BOOL(0, "interval-peaks", struct run_args, interval_peaks, \
		 "record each interval's highest memory (IPEAK): reset the\n" \
		 "kernel's high-water mark at every sample (run: default)"), \
	OPT_BOOL(0, "no-interval-peaks", struct run_args, no_interval_peaks, \
		 "leave the high-water marks alone (attach: default)"), \
	OPT_BOOL(0, "python", struct run_args, python, \
		 "PROGRAM is a Python interpreter and a script or -m module"), \
	OPT_BOOL(0, "nopython", struct run_args, nopython, "run a *.py PROGRAM without function brackets"), \
	OPT_BOOL(0, "python-heap", struct run_args, python_heap, \
		 "a Python PROGRAM: also record its Python heap (tracemalloc's\n" \
		 "size, PYHEAP records); tracemalloc slows its allocations"), \
	OPT_CALLBACK(0, "max", "SIZE", struct run_args, max, size_opt_value, \
		     "a budget (500M, 1.5G; see SIZES in mprof(1)): at the end,\n" \
		     "exit 1 after a line saying so when the peak is over SIZE"), \
	OPT_CALLBACK(0, "kill-above", "SIZE", struct run_args, kill_above, size_opt_value, \
		     "at the first sample over SIZE, record a marker\n" \
		     "'killed-above-<SIZE in MiB>MiB', send SIGTERM, and SIGKILL\n" \
		     "2 seconds later if the program still lives; exit 1"), \
	OPT_BOOL('q', "quiet", struct run_args, quiet, \
		 "no line on stderr at the start and at the end, and no\n" \
		 "status line while sampling"), \
	OPT_BOOL(0, "live", struct run_args, so.live, \
		 "draw the profile in the terminal as it grows (q: stop\n" \
		 "watching; the run goes on)"), \
	OPT_CALLBACK(0, "last", "SEC", struct run_args, so.last, last_value, \
		     "--live: show only the last SEC seconds"),

static const struct opt run_opts[] = {
	RUN_COMMON_OPTS
	OPT_BOOL(0, "cgroup", struct run_args, so.cgroup,
		 "run PROGRAM in a memory cgroup of its own and sample it:\n"
		 "its charge (page cache, kernel memory included), breakdown,\n"
		 "pressure, events and exact peak"),
	OPT_CALLBACK(0, "memory-max", "SIZE", struct run_args, so.memory_max, memory_max_value,
		     "with --cgroup: the cgroup's memory limit (swap off for it)"),
	OPT_END(),
};

static const struct opt attach_opts[] = {
	RUN_COMMON_OPTS
	OPT_CALLBACK(0, "cgroup", "PATH", struct run_args, so.cgroup_arg, cg_path_value,
		     "watch the memory cgroup PATH (a directory, or a path\n"
		     "inside the hierarchy), read-only, instead of a process"),
	OPT_CALLBACK(0, "unit", "NAME", struct run_args, so.cgroup_arg, cg_unit_value,
		     "watch the cgroup of the systemd unit NAME"),
	OPT_CALLBACK(0, "container", "ID", struct run_args, so.cgroup_arg, cg_container_value,
		     "watch the cgroup of a container (Docker, Podman, CRI) by id"),
	OPT_BOOL(0, "reset-peak", struct run_args, so.reset_peak,
		 "with a cgroup: reset its peak first (v1: for every reader)"),
	OPT_END(),
};

#define RUN_USAGE OPT_USAGE("mprof run [options] [--] PROGRAM [ARGS...]", \
			    "mprof attach [options] PID|NAME [options]", \
			    "mprof attach [options] --cgroup PATH|--unit NAME|--container ID")
#define RUN_ABOUT \
	"Run PROGRAM (or watch a running process) and sample its memory over time\n" \
	"into mprofile_<YYYYMMDDhhmmss>.dat. Options after PROGRAM are its own.\n"
#define RUN_FOOTER \
	"SIGINT, SIGTERM and SIGHUP are passed on to the program; mprof then writes\n" \
	"the last samples and ends. A second one ends sampling at once.\n" \
	"Over --max or --kill-above, mprof exits 1 (with -E: the program's status\n" \
	"if it is not 0, else 1). See mprof(1).\n"

/* run: options end at PROGRAM, whose own options follow it */
const struct opt_cmd opt_cmd_run = { "run", RUN_USAGE, RUN_ABOUT, run_opts, RUN_FOOTER, OPT_STOP_AT_ARG };
const struct opt_cmd opt_cmd_attach = { "attach", RUN_USAGE, RUN_ABOUT, attach_opts, RUN_FOOTER, 0 };

static void parse_args(struct run_args *a, int argc, char **argv)
{
	a->so.interval = 0.1;
	a->so.backend = PROC_RSS;
	a->nprogram = opt_parse(a->attach ? &opt_cmd_attach : &opt_cmd_run, a, argc, argv);
	a->so.progress = !a->quiet;
	if (a->kill_above.arg) {
		if (!a->kill_above.bytes)
			die_usage(a->cmd, "option --kill-above: '%s' is 0: the program could not run at all",
				  a->kill_above.arg);
		a->so.kill_above = a->kill_above.bytes;
		a->so.kill_label = a->kill_label;
		snprintf(a->kill_label, sizeof(a->kill_label), "killed-above-%gMiB",
			 size_mib(a->kill_above.bytes));
	}
	a->program = argv;
	if (a->force && a->append)
		die_usage(a->cmd, "options --force and --append: give one or the other");
	if (a->so.last > 0 && !a->so.live)
		die_usage(a->cmd, "--last goes with --live");
	a->so.status = !a->quiet;
	if (a->python && a->nopython)
		die_usage(a->cmd, "options --python and --nopython: give one or the other");
	if (a->attach && a->so.cgroup)
		die_usage(a->cmd, "--cgroup starts a program in a new cgroup; to watch a cgroup, "
			  "mprof attach --cgroup PATH");
	if (a->memory_max_given && !a->so.cgroup)
		die_usage(a->cmd, "option --memory-max needs --cgroup");
	if (a->so.reset_peak && !a->so.cgroup_arg)
		die_usage(a->cmd, "option --reset-peak needs --cgroup, --unit or --container");
	if (a->so.cgroup_arg && a->nprogram)
		die_usage(a->cmd, "a cgroup is watched, not a process: '%s' is one too many", a->program[0]);
	if (a->interval_peaks && a->no_interval_peaks)
		die_usage(a->cmd, "options --interval-peaks and --no-interval-peaks: give one or the other");
	a->so.interval_peaks = a->attach ? a->interval_peaks : !a->no_interval_peaks;
	if (a->interval_peaks && a->so.backend != PROC_RSS)
		die_usage(a->cmd, "option --interval-peaks: the high-water mark is of the resident set; "
			  "it needs --backend rss");
	if (!a->nprogram && !a->so.cgroup_arg)
		die_usage(a->cmd, a->attach ? "a pid or a process name to attach to is needed"
					    : "a program to run is needed");
	if (a->attach && a->nprogram > 1)
		die_usage(a->cmd, "attach takes one pid or process name, not '%s'", a->program[1]);
	if (a->python_heap && (a->attach || a->nopython || (!a->python && !python_is_script(a->program[0]))))
		die_usage(a->cmd, "option --python-heap: the program must be a Python script run by mprof "
			  "(script.py, or --python python3 ...)");
}

/* ---- Python programs ---- */


/* What CMDLINE shows for a Python program, as the Python tool writes it: the
 * interpreter's full path (unless PROGRAM names one), then PROGRAM ARGS. */
static int python_cmdline(char *const *prog, struct strvec *out)
{
	char *python;

	if (!python_is_interpreter(prog[0])) {
		if (spawn_find_program("python3", &python) < 0)
			return error_errno("cannot run 'python3'");
		strvec_push_nodup(out, python);
	}
	for (size_t i = 0; prog[i]; i++)
		strvec_push(out, prog[i]);
	return 0;
}

/* ---- the commands ---- */

static pid_t attach_target(const char *cmd, const char *hint)
{
	long pid;
	pid_t found;

	if (hint[0] >= '0' && hint[0] <= '9') {
		if (parse_long(hint, &pid) < 0 || pid <= 0 || pid > INT32_MAX)
			die_usage(cmd, "'%s' is not a pid", hint);
		return (pid_t)pid;
	}
	found = proc_find_by_name(hint, getpid());
	if (!found)
		die("no process whose name contains '%s'", hint);
	return found;
}

static int exit_status(const struct run_args *a, const struct sampler_result *res)
{
	if (a->exit_code) {
		if (res->end == SAMPLER_EXITED)
			return res->status;
		if (res->end == SAMPLER_SIGNALED)
			return 128 + res->status;
	}
	return res->stop_signal ? 128 + res->stop_signal : EXIT_OK;
}

/* The line at the end, and the budgets: 1 when the run went over --max or
 * was killed by --kill-above, 0 otherwise (-1: the profile cannot be read,
 * reported). The figures are the whole file's (all its runs, with --append). */
static int end_report(const struct run_args *a, const char *path)
{
	struct summary s;
	int over = 0;

	if (summary_read(&s, path, SUMMARY_NO_CALL_PEAKS) < 0)
		return -1;
	if (!a->quiet)
		fprintf(stderr, "mprof: %s: %.3f s, %lu sample%s, peak %.3f MiB (exact %.3f MiB)\n", path,
			isnan(s.duration) ? 0.0 : s.duration, s.samples, s.samples == 1 ? "" : "s",
			s.peak.mib, s.exact_peak.mib);
	for (size_t i = 0; a->kill_above.arg && i < s.nmarks; i++)
		if (strcmp(s.marks[i].label, a->kill_label) == 0) {
			error("%s: killed at %.3f MiB, over the limit of %.3f MiB (%s)", path,
			      s.marks[i].first_mib, size_mib(a->kill_above.bytes), a->kill_above.arg);
			over = 1;
		}
	if (a->max.arg && size_check_budget(path, "peak", s.peak.mib, a->max.bytes, a->max.arg) != 0)
		over = 1;
	summary_release(&s);
	return over;
}

/* A job that met its limit: say so, as the profile's markers do. */
static void report_oom(const struct run_args *a, const struct sampler_result *res)
{
	char lim[64] = "";

	if (!(res->cgroup_events & CGROUP_EV_OOM_KILL))
		return;
	if (a->so.memory_max)
		snprintf(lim, sizeof(lim), " at its limit of %.1f MiB", size_mib(a->so.memory_max));
	if (res->end == SAMPLER_SIGNALED && res->status == SIGKILL)
		fprintf(stderr, "mprof: the program was killed by the kernel's OOM killer%s\n", lim);
	else
		fprintf(stderr, "mprof: a process of the job was killed by the kernel's OOM killer%s\n", lim);
}

static int run_or_attach(const char *cmd, bool attach, int argc, char **argv)
{
	struct run_args a = { 0 };
	struct sampler_result res;
	struct strvec run_argv = { 0 }, cmdline = { 0 };
	char default_name[64];
	int rc, over;

	a.cmd = cmd;
	a.attach = attach;
	parse_args(&a, argc, argv);

	if (!a.so.output) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(default_name, sizeof(default_name), "mprofile_%Y%m%d%H%M%S.dat", &tm);
		a.so.output = default_name;
		a.so.output_is_default = true;
	}
	a.so.output_mode = a.force ? PROFILE_REPLACE : a.append ? PROFILE_APPEND : PROFILE_CREATE;

	if (a.so.cgroup_arg) {
		if (!a.timeout_given)
			a.so.timeout = ATTACH_TIMEOUT;
	} else if (a.attach) {
		a.so.attach = attach_target(cmd, a.program[0]);
		if (!a.timeout_given)
			a.so.timeout = ATTACH_TIMEOUT;
	} else if (a.python || (python_is_script(a.program[0]) && !a.nopython)) {
		if (python_cmdline(a.program, &cmdline) < 0)
			return 127;
		char heap[32];
		const char *heap_opts[] = { "--heap", heap, NULL };

		snprintf(heap, sizeof(heap), "%.9g", a.so.interval);
		if (python_command_opts(a.program, a.python, a.python_heap ? heap_opts : NULL, &run_argv) < 0) {
			strvec_clear(&cmdline);
			return EXIT_FAIL;
		}
		a.so.argv = run_argv.v;
		a.so.cmdline = cmdline.v;
	} else {
		a.so.argv = a.program;
	}
	a.so.events = !a.attach;

	if (a.gpu && !(a.so.gpu = gpu_open())) {
		strvec_clear(&run_argv);
		strvec_clear(&cmdline);
		return EXIT_FAIL;
	}
	if (!a.quiet)
		fprintf(stderr, "mprof: Sampling memory every %gs\n", a.so.interval);
	rc = sampler_run(&a.so, &res);
	gpu_close(a.so.gpu);
	over = rc == 0 && res.output ? end_report(&a, res.output) : 0;
	if (res.missed && res.missed * 100 > res.samples + res.missed)
		warning("%lu of %lu samples were skipped: mprof was not woken in time (a busy machine?)",
			res.missed, res.samples + res.missed);
	strvec_clear(&run_argv);
	strvec_clear(&cmdline);
	free(res.output);
	report_oom(&a, &res);
	if (res.end == SAMPLER_NOT_RUN)
		return res.exec_errno == ENOENT ? 127 : 126;
	if (rc < 0 || over < 0)
		return EXIT_FAIL;
	rc = exit_status(&a, &res);
	return over && rc == EXIT_OK ? EXIT_FAIL : rc;
}

int cmd_run(int argc, char **argv)
{
	return run_or_attach("run", false, argc, argv);
}

int cmd_attach(int argc, char **argv)
{
	return run_or_attach("attach", true, argc, argv);
}
