/* mprof lines: line-by-line memory of decorated Python functions, the first
 * mode of the Python tool (python -m memory_profiler), with an Increment that
 * adds up. The work is done in Python by the helper (data/python/mprof_lines.py);
 * this command builds its command line and becomes it, so the script's output,
 * exit status and signals pass through. */
#include "commands.h"
#include "proc.h"
#include "pyinject.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRECISION_MAX 12

static const char lines_usage[] =
	"usage: mprof lines [options] [--] SCRIPT [ARGS...]\n"
	"       mprof lines [options] -m MODULE [ARGS...]\n"
	"       mprof lines [options] PYTHON [PYTHON-OPTIONS] SCRIPT|-m MODULE [ARGS...]\n"
	"\n"
	"Run a Python program with 'profile' injected (as mprof run does; 'from\n"
	"memory_profiler import profile' works too) and, at its end, print for\n"
	"each function decorated with @profile a table of its lines, as\n"
	"'python -m memory_profiler' does: Mem usage (the highest memory seen just\n"
	"after the line), Increment (memory after the line minus memory before it,\n"
	"summed over its runs: the Increments add up), Occurrences. The program's\n"
	"own output and exit status pass through. @profile(precision=N, stream=f)\n"
	"prints that function's table with N decimals, to f. See mprof(1).\n"
	"\n"
	"  -o, --output FILE      write the tables to FILE instead of standard output\n"
	"      --precision N      decimals of the MiB columns (default 3, at most 12)\n"
	"      --backend B        rss (default), pss, uss, or tracemalloc (the Python\n"
	"                         heap); also psutil, psutil_pss, psutil_uss, posix\n"
	"      --include-children add the memory of the program's child processes\n"
	"      --pdb-mmem MIB     stop in the debugger (pdb) after a line of a decorated\n"
	"                         function once memory reaches MIB\n"
	"      --timestamp        instead of tables, a FUNC record (mprofile(5)) per call\n"
	"                         of a decorated function and per profile.timestamp block\n"
	"  -m MODULE              run a module, as python -m does\n"
	"  -h, --help             this text\n";

enum {
	OPT_PRECISION = 256,
	OPT_BACKEND,
	OPT_CHILDREN,
	OPT_PDB_MMEM,
	OPT_TIMESTAMP,
};

static const struct option lines_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "precision", required_argument, NULL, OPT_PRECISION },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "include-children", no_argument, NULL, OPT_CHILDREN },
	{ "pdb-mmem", required_argument, NULL, OPT_PDB_MMEM },
	{ "timestamp", no_argument, NULL, OPT_TIMESTAMP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The Python tool's backends, as the helper names them. */
static const struct {
	const char *name, *helper;
} line_backends[] = {
	{ "rss", "rss" }, { "pss", "pss" }, { "uss", "uss" }, { "tracemalloc", "tracemalloc" },
	{ "psutil", "rss" }, { "psutil_pss", "pss" }, { "psutil_uss", "uss" }, { "posix", "rss" },
};

struct lines_opts {
	const char *output, *precision, *backend, *max_mem;
	bool children, timestamps;
};

static const char *line_backend(const char *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(line_backends); i++)
		if (strcmp(arg, line_backends[i].name) == 0)
			return line_backends[i].helper;
	die_usage("lines", "option --backend: '%s' is not one of rss, pss, uss, tracemalloc (or "
		  "psutil, psutil_pss, psutil_uss, posix)", arg);
}

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
	const char *module = NULL;
	double mib;
	long n;
	int c;

	opterr = 0;
	optind = 0;
	/* after -m MODULE, the rest belongs to the module */
	while (!module && (c = getopt_long(argc, argv, "+o:m:h", lines_options, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				die_usage("lines", "option --output: a file name is needed");
			o.output = optarg;
			break;
		case OPT_PRECISION:
			if (parse_long(optarg, &n) < 0 || n < 0 || n > PRECISION_MAX)
				die_usage("lines", "option --precision: a whole number from 0 to %d, "
					  "not '%s'", PRECISION_MAX, optarg);
			o.precision = optarg;
			break;
		case OPT_BACKEND:
			o.backend = line_backend(optarg);
			break;
		case OPT_CHILDREN:
			o.children = true;
			break;
		case OPT_PDB_MMEM:
			if (parse_finite(optarg, &mib) < 0 || mib <= 0)
				die_usage("lines", "option --pdb-mmem: a memory in MiB above 0, not '%s'",
					  optarg);
			o.max_mem = optarg;
			break;
		case OPT_TIMESTAMP:
			o.timestamps = true;
			break;
		case 'm':
			module = optarg;
			break;
		case 'h':
			fputs(lines_usage, stdout);
			return EXIT_OK;
		default:
			if (optopt == 'o' || optopt == 'm' || optopt >= OPT_PRECISION)
				die_usage("lines", "option %s needs a value", argv[optind - 1]);
			die_usage("lines", "unknown option '%s'; accepted: -o FILE, --precision N, "
				  "--backend B, --include-children, --pdb-mmem MIB, --timestamp, "
				  "-m MODULE, --help", argv[optind - 1]);
		}
	}
	check_opts(&o);
	if (module) {
		strvec_push(&prog, "python3");
		strvec_push(&prog, "-m");
		strvec_push(&prog, module);
	} else if (optind >= argc) {
		die_usage("lines", "a Python script to run is needed");
	}
	for (int i = optind; i < argc; i++)
		strvec_push(&prog, argv[i]);
	return run_lines(&o, &prog, module || python_is_interpreter(prog.v[0]));
}
