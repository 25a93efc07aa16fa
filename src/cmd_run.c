/* mprof run, mprof attach: options, then the sampler does the work. */
#include "commands.h"
#include "proc.h"
#include "pyinject.h"
#include "sampler.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#define ATTACH_TIMEOUT 3600.0
#define INTERVAL_MIN 0.0001
#define INTERVAL_MAX 86400.0

/* The usage text and the options table, in the same order. */
static const char *const run_usage[] = {
	"usage: mprof run [options] [--] PROGRAM [ARGS...]",
	"       mprof attach [options] PID|NAME",
	"",
	"Run PROGRAM (or watch a running process) and sample its memory over time",
	"into mprofile_<YYYYMMDDhhmmss>.dat.",
	"",
	"  -T, --interval SEC      seconds between samples (default 0.1, at least 0.0001)",
	"  -o, --output FILE       write the profile to FILE; an existing FILE is refused",
	"      --force             replace FILE if it exists",
	"      --append            add to FILE if it exists",
	"  -C, --include-children  MEM is the sum over the program and all its descendants",
	"  -M, --multiprocess      also a CHLD record per child process per sample",
	"  -E, --exit-code         exit with the program's status (128+N after signal N)",
	"  -t, --timeout SEC       stop sampling after SEC; the program keeps running",
	"                          (attach: 3600 unless given; 0: no limit)",
	"  -a, --attach            PROGRAM is a pid or a part of a process name",
	"      --backend B         rss (default), pss or uss; also psutil, psutil_pss,",
	"                          psutil_uss, posix (as rss)",
	"      --python            PROGRAM is a Python interpreter and a script or -m module",
	"      --nopython          run a *.py PROGRAM without function brackets",
	"  -h, --help              show this help",
	"",
	"SIGINT, SIGTERM and SIGHUP are passed on to the program; mprof then writes",
	"the last samples and ends. A second one ends sampling at once. See mprof(1).",
	NULL,
};

enum {
	OPT_FORCE = 256,
	OPT_APPEND,
	OPT_BACKEND,
	OPT_PYTHON,
	OPT_NOPYTHON,
};

static const struct option run_options[] = {
	{ "interval",         required_argument, NULL, 'T' },
	{ "output",           required_argument, NULL, 'o' },
	{ "force",            no_argument,       NULL, OPT_FORCE },
	{ "append",           no_argument,       NULL, OPT_APPEND },
	{ "include-children", no_argument,       NULL, 'C' },
	{ "multiprocess",     no_argument,       NULL, 'M' },
	{ "exit-code",        no_argument,       NULL, 'E' },
	{ "timeout",          required_argument, NULL, 't' },
	{ "attach",           no_argument,       NULL, 'a' },
	{ "backend",          required_argument, NULL, OPT_BACKEND },
	{ "python",           no_argument,       NULL, OPT_PYTHON },
	{ "nopython",         no_argument,       NULL, OPT_NOPYTHON },
	{ "help",             no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

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
	char **program;           /* PROGRAM ARGS..., NULL-terminated */
	int nprogram;
};

static void print_usage(void)
{
	for (size_t i = 0; run_usage[i]; i++)
		printf("%s\n", run_usage[i]);
}

static enum proc_backend parse_backend(const char *cmd, const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		if (strcmp(arg, backends[i].name) == 0)
			return backends[i].backend;
	if (strcmp(arg, "tracemalloc") == 0)
		die_usage(cmd, "option --backend: tracemalloc is not supported (it measures Python "
			  "allocations from inside the interpreter); use rss, pss or uss");
	die_usage(cmd, "option --backend: '%s' is not one of rss, pss, uss (or psutil, psutil_pss, "
		  "psutil_uss, posix)", arg);
}

static void parse_args(struct run_args *a, int argc, char **argv)
{
	int c;

	a->so.interval = 0.1;
	a->so.backend = PROC_RSS;
	a->so.progress = true;
	optind = 0;
	opterr = 0;
	/* run: options end at PROGRAM, whose own options follow it; attach
	 * takes no program, so options may come after the PID too. */
	while ((c = getopt_long(argc, argv, a->attach ? ":T:o:CMEt:ah" : "+:T:o:CMEt:ah", run_options,
				NULL)) != -1) {
		switch (c) {
		case 'T':
			if (parse_finite(optarg, &a->so.interval) < 0 || a->so.interval < INTERVAL_MIN ||
			    a->so.interval > INTERVAL_MAX)
				die_usage(a->cmd, "option --interval: '%s' is not a number of seconds "
					  "from 0.0001 to 86400", optarg);
			break;
		case 'o':
			if (!*optarg)
				die_usage(a->cmd, "option --output: a file name is needed");
			a->so.output = optarg;
			break;
		case OPT_FORCE:
			a->force = true;
			break;
		case OPT_APPEND:
			a->append = true;
			break;
		case 'C':
			a->so.children = true;
			break;
		case 'M':
			a->so.multiprocess = true;
			break;
		case 'E':
			a->exit_code = true;
			break;
		case 't':
			if (parse_finite(optarg, &a->so.timeout) < 0 || a->so.timeout < 0)
				die_usage(a->cmd, "option --timeout: '%s' is not a number of seconds >= 0 "
					  "(0: no limit)", optarg);
			a->timeout_given = true;
			break;
		case 'a':
			a->attach = true;
			break;
		case OPT_BACKEND:
			a->so.backend = parse_backend(a->cmd, optarg);
			break;
		case OPT_PYTHON:
			a->python = true;
			break;
		case OPT_NOPYTHON:
			a->nopython = true;
			break;
		case 'h':
			print_usage();
			exit(EXIT_OK);
		case ':':
			die_usage(a->cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				die_usage(a->cmd, "unknown option '-%c'", optopt);
			die_usage(a->cmd, "unknown or ambiguous option '%s'", argv[optind - 1]);
		}
	}
	if (a->force && a->append)
		die_usage(a->cmd, "options --force and --append: give one or the other");
	if (a->python && a->nopython)
		die_usage(a->cmd, "options --python and --nopython: give one or the other");
	a->program = argv + optind;
	a->nprogram = argc - optind;
	if (!a->nprogram)
		die_usage(a->cmd, a->attach ? "a pid or a process name to attach to is needed"
					    : "a program to run is needed");
	if (a->attach && a->nprogram > 1)
		die_usage(a->cmd, "attach takes one pid or process name, not '%s'", a->program[1]);
}

/* ---- Python programs ---- */

static bool is_python_name(const char *prog)
{
	const char *base = strrchr(prog, '/');

	return str_starts_with(base ? base + 1 : prog, "python");
}


/* What CMDLINE shows for a Python program, as the Python tool writes it: the
 * interpreter's full path (unless PROGRAM names one), then PROGRAM ARGS. */
static int python_cmdline(char *const *prog, struct strvec *out)
{
	char *python;

	if (!is_python_name(prog[0])) {
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

static int run_or_attach(const char *cmd, bool attach, int argc, char **argv)
{
	struct run_args a = { 0 };
	struct sampler_result res;
	struct strvec run_argv = { 0 }, cmdline = { 0 };
	char default_name[64];
	int rc;

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

	if (a.attach) {
		a.so.attach = attach_target(cmd, a.program[0]);
		if (!a.timeout_given)
			a.so.timeout = ATTACH_TIMEOUT;
	} else if (a.python || (python_is_script(a.program[0]) && !a.nopython)) {
		if (python_cmdline(a.program, &cmdline) < 0)
			return 127;
		if (python_command(a.program, a.python, &run_argv) < 0) {
			strvec_clear(&cmdline);
			return EXIT_FAIL;
		}
		a.so.argv = run_argv.v;
		a.so.cmdline = cmdline.v;
	} else {
		a.so.argv = a.program;
	}
	a.so.events = !a.attach;

	fprintf(stderr, "mprof: Sampling memory every %gs\n", a.so.interval);
	rc = sampler_run(&a.so, &res);
	if (res.missed && res.missed * 100 > res.samples + res.missed)
		warning("%lu of %lu samples were skipped: mprof was not woken in time (a busy machine?)",
			res.missed, res.samples + res.missed);
	strvec_clear(&run_argv);
	strvec_clear(&cmdline);
	free(res.output);
	if (res.end == SAMPLER_NOT_RUN)
		return res.exec_errno == ENOENT ? 127 : 126;
	if (rc < 0)
		return EXIT_FAIL;
	return exit_status(&a, &res);
}

int cmd_run(int argc, char **argv)
{
	return run_or_attach("run", false, argc, argv);
}

int cmd_attach(int argc, char **argv)
{
	return run_or_attach("attach", true, argc, argv);
}
