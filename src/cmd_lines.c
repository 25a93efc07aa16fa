/* mprof lines: line-by-line memory of decorated Python functions, the first
 * mode of the Python tool (python -m memory_profiler), with an Increment that
 * adds up. The work is done in Python by the helper (data/python/mprof_lines.py);
 * this command builds its command line and becomes it, so the script's output,
 * exit status and signals pass through. */
#include "commands.h"
#include "options.h"
#include "pyinject.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRECISION_MAX 12

struct lines_args {
	const char *output, *precision, *module;
};

static int output_value(struct opt_parser *p, void *field, const char *arg)
{
	if (!*arg)
		return opt_bad_value(p, "a file name is needed");
	*(const char **)field = arg;
	return 0;
}

static int precision_value(struct opt_parser *p, void *field, const char *arg)
{
	long n;

	if (parse_long(arg, &n) < 0 || n < 0 || n > PRECISION_MAX)
		return opt_bad_value(p, "a whole number from 0 to %d, not '%s'", PRECISION_MAX, arg);
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

static const struct opt lines_opts[] = {
	OPT_CALLBACK('o', "output", "FILE", struct lines_args, output, output_value,
		     "write the tables to FILE instead of standard output"),
	OPT_CALLBACK(0, "precision", "N", struct lines_args, precision, precision_value,
		     "decimals of the MiB columns (default 3, at most 12)"),
	OPT_CALLBACK('m', NULL, "MODULE", struct lines_args, module, module_value,
		     "run a module, as python -m does"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_lines = {
	"lines",
	OPT_USAGE("mprof lines [-o FILE] [--precision N] [--] SCRIPT [ARGS...]",
		  "mprof lines [-o FILE] [--precision N] -m MODULE [ARGS...]",
		  "mprof lines [options] PYTHON [PYTHON-OPTIONS] SCRIPT|-m MODULE [ARGS...]"),
	"Run a Python program with 'profile' injected (as mprof run does; 'from\n"
	"memory_profiler import profile' works too) and, at its end, print for\n"
	"each function decorated with @profile a table of its lines, as\n"
	"'python -m memory_profiler' does: Mem usage (the highest memory seen just\n"
	"after the line), Increment (memory after the line minus memory before it,\n"
	"summed over its runs: the Increments add up), Occurrences. The program's\n"
	"own output and exit status pass through. See mprof(1).\n",
	lines_opts, NULL, OPT_STOP_AT_ARG,
};

static bool names_python(const char *prog)
{
	const char *base = strrchr(prog, '/');

	return str_starts_with(base ? base + 1 : prog, "python");
}

int cmd_lines(int argc, char **argv)
{
	struct strvec prog = { 0 }, cmd = { 0 };
	const char *launcher_opts[6] = { "--lines" };
	struct lines_args a = { 0 };
	size_t nopts = 1;
	bool explicit_python;
	int nargs;

	nargs = opt_parse(&opt_cmd_lines, &a, argc, argv);
	if (a.module) {
		strvec_push(&prog, "python3");
		strvec_push(&prog, "-m");
		strvec_push(&prog, a.module);
	} else if (!nargs) {
		die_usage("lines", "a Python script to run is needed");
	}
	for (int i = 0; i < nargs; i++)
		strvec_push(&prog, argv[i]);
	explicit_python = a.module || names_python(prog.v[0]);
	if (a.output) {
		launcher_opts[nopts++] = "--output";
		launcher_opts[nopts++] = a.output;
	}
	if (a.precision) {
		launcher_opts[nopts++] = "--precision";
		launcher_opts[nopts++] = a.precision;
	}
	launcher_opts[nopts] = NULL;
	if (python_command_opts(prog.v, explicit_python, launcher_opts, &cmd) < 0) {
		strvec_clear(&prog);
		return EXIT_FAIL;
	}
	strvec_clear(&prog);
	fflush(stdout);
	execvp(cmd.v[0], cmd.v);
	error_errno("cannot run '%s'", cmd.v[0]);
	strvec_clear(&cmd);
	return errno == ENOENT ? 127 : 126;
}
