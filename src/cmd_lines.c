/* mprof lines: line-by-line memory of decorated Python functions, the first
 * mode of the Python tool (python -m memory_profiler), with an Increment that
 * adds up. The work is done in Python by the helper (data/python/mprof_lines.py);
 * this command builds its command line and becomes it, so the script's output,
 * exit status and signals pass through. */
#include "commands.h"
#include "options.h"
#include "proc.h"
#include "pyinject.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRECISION_MAX 12

struct lines_opts {
	const char *output, *precision, *backend, *max_mem, *module;
	bool children, timestamps;
};

static int precision_value(struct opt_parser *p, void *field, const char *arg)
{
	long n;

	if (parse_long(arg, &n) < 0 || n < 0 || n > PRECISION_MAX)
		return opt_bad_value(p, "a whole number from 0 to %d, not '%s'", PRECISION_MAX, arg);
	*(const char **)field = arg;
	return 0;
}

/* The Python tool's backends, as the helper names them. */
static const struct {
	const char *name, *helper;
} line_backends[] = {
	{ "rss", "rss" }, { "pss", "pss" }, { "uss", "uss" }, { "tracemalloc", "tracemalloc" },
	{ "psutil", "rss" }, { "psutil_pss", "pss" }, { "psutil_uss", "uss" }, { "posix", "rss" },
};

static const char *line_backend(const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(line_backends); i++)
		if (strcmp(arg, line_backends[i].name) == 0)
			return line_backends[i].helper;
	return NULL;
}

static int backend_value(struct opt_parser *p, void *field, const char *arg)
{
	const char *helper = line_backend(arg);

	if (!helper)
		return opt_bad_value(p, "'%s' is not one of rss, pss, uss, tracemalloc (or psutil, "
				     "psutil_pss, psutil_uss, posix)", arg);
	*(const char **)field = helper;
	return 0;
}

static int pdb_mmem_value(struct opt_parser *p, void *field, const char *arg)
{
	double mib;

	if (parse_finite(arg, &mib) < 0 || mib <= 0)
		return opt_bad_value(p, "a memory in MiB above 0, not '%s'", arg);
	*(const char **)field = arg;
	return 0;
}

/* after -m MODULE, the rest belongs to the module */
static int module_value(struct opt_parser *p, void *field, const char *arg)
{
	*(const char **)field = arg;
	p->done = true;
	return 0;
}

static const struct opt lines_opts_table[] = {
	OPT_FILE('o', "output", "FILE", struct lines_opts, output,
		     "write the tables to FILE instead of standard output"),
	OPT_CALLBACK(0, "precision", "N", struct lines_opts, precision, precision_value,
		     "decimals of the MiB columns (default 3, at most 12)"),
	OPT_CALLBACK(0, "backend", "B", struct lines_opts, backend, backend_value,
		     "rss (default), pss, uss, or tracemalloc (the Python\n"
		     "heap); also psutil, psutil_pss, psutil_uss, posix"),
	OPT_BOOL(0, "include-children", struct lines_opts, children,
		 "add the memory of the program's child processes"),
	OPT_CALLBACK(0, "pdb-mmem", "MIB", struct lines_opts, max_mem, pdb_mmem_value,
		     "stop in the debugger (pdb) after a line of a decorated\n"
		     "function once memory reaches MIB"),
	OPT_BOOL(0, "timestamp", struct lines_opts, timestamps,
		 "instead of tables, a FUNC record (mprofile(5)) per call\n"
		 "of a decorated function and per profile.timestamp block"),
	OPT_CALLBACK('m', NULL, "MODULE", struct lines_opts, module, module_value,
		     "run a module, as python -m does"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_lines = {
	"lines",
	OPT_USAGE("mprof lines [options] [--] SCRIPT [ARGS...]",
		  "mprof lines [options] -m MODULE [ARGS...]",
		  "mprof lines [options] PYTHON [PYTHON-OPTIONS] SCRIPT|-m MODULE [ARGS...]"),
	"Run a Python program with 'profile' injected (as mprof run does; 'from\n"
	"memory_profiler import profile' works too) and, at its end, print for\n"
	"each function decorated with @profile a table of its lines, as\n"
	"'python -m memory_profiler' does: Mem usage (the highest memory seen just\n"
	"after the line), Increment (memory after the line minus memory before it,\n"
	"summed over its runs: the Increments add up), Occurrences. The program's\n"
	"own output and exit status pass through. @profile(precision=N, stream=f)\n"
	"prints that function's table with N decimals, to f. See mprof(1).\n",
	lines_opts_table, NULL, OPT_STOP_AT_ARG,
};

/* Options that do not go together, or that this system cannot serve. */
static void check_opts(const struct lines_opts *o)
{
	if (o->children && o->backend && !strcmp(o->backend, "tracemalloc"))
		die_usage("lines", "options --include-children and --backend tracemalloc: tracemalloc "
			  "counts the Python heap of this process only");
	if (o->max_mem && o->timestamps)
		die_usage("lines", "options --pdb-mmem and --timestamp: --timestamp does not trace "
			  "lines, where the debugger would stop");
	if (o->backend && (!strcmp(o->backend, "pss") || !strcmp(o->backend, "uss")) &&
	    !proc_have_smaps_rollup())
		die_usage("lines", "option --backend %s needs /proc/PID/smaps_rollup (Linux 4.14 or "
			  "later)", o->backend);
}

/* The helper's options for o. */
static void launcher_options(const struct lines_opts *o, struct strvec *v)
{
	const struct {
		const char *opt, *value;
	} valued[] = {
		{ "--output", o->output }, { "--precision", o->precision },
		{ "--backend", o->backend }, { "--pdb-mmem", o->max_mem },
	};

	strvec_push(v, "--lines");
	for (size_t i = 0; i < ARRAY_SIZE(valued); i++) {
		if (valued[i].value) {
			strvec_push(v, valued[i].opt);
			strvec_push(v, valued[i].value);
		}
	}
	if (o->children)
		strvec_push(v, "--include-children");
	if (o->timestamps)
		strvec_push(v, "--timestamp");
}

/* Become the helper running prog. */
static int run_lines(const struct lines_opts *o, struct strvec *prog, bool explicit_python)
{
	struct strvec opts = { 0 }, cmd = { 0 };
	int rc;

	launcher_options(o, &opts);
	rc = python_command_opts(prog->v, explicit_python, (const char *const *)opts.v, &cmd);
	strvec_clear(&opts);
	strvec_clear(prog);
	if (rc < 0)
		return EXIT_FAIL;
	fflush(stdout);
	execvp(cmd.v[0], cmd.v);
	error_errno("cannot run '%s'", cmd.v[0]);
	strvec_clear(&cmd);
	return errno == ENOENT ? 127 : 126;
}

int cmd_lines(int argc, char **argv)
{
	struct strvec prog = { 0 };
	struct lines_opts o = { 0 };
	int nargs = opt_parse(&opt_cmd_lines, &o, argc, argv);

	check_opts(&o);
	if (o.module) {
		strvec_push(&prog, "python3");
		strvec_push(&prog, "-m");
		strvec_push(&prog, o.module);
	} else if (!nargs) {
		die_usage("lines", "a Python script to run is needed");
	}
	for (int i = 0; i < nargs; i++)
		strvec_push(&prog, argv[i]);
	return run_lines(&o, &prog, o.module || python_is_interpreter(prog.v[0]));
}
