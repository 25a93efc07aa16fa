/* mprof lines: line-by-line memory of decorated Python functions, the first
 * mode of the Python tool (python -m memory_profiler), with an Increment that
 * adds up. The work is done in Python by the helper (data/python/mprof_lines.py);
 * this command builds its command line and becomes it, so the script's output,
 * exit status and signals pass through. */
#include "commands.h"
#include "pyinject.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRECISION_MAX 12

static const char lines_usage[] =
	"usage: mprof lines [-o FILE] [--precision N] [--] SCRIPT [ARGS...]\n"
	"       mprof lines [-o FILE] [--precision N] -m MODULE [ARGS...]\n"
	"       mprof lines [options] PYTHON [PYTHON-OPTIONS] SCRIPT|-m MODULE [ARGS...]\n"
	"\n"
	"Run a Python program with 'profile' injected (as mprof run does; 'from\n"
	"memory_profiler import profile' works too) and, at its end, print for\n"
	"each function decorated with @profile a table of its lines, as\n"
	"'python -m memory_profiler' does: Mem usage (the highest memory seen just\n"
	"after the line), Increment (memory after the line minus memory before it,\n"
	"summed over its runs: the Increments add up), Occurrences. The program's\n"
	"own output and exit status pass through. See mprof(1).\n"
	"\n"
	"  -o, --output FILE   write the tables to FILE instead of standard output\n"
	"      --precision N   decimals of the MiB columns (default 3, at most 12)\n"
	"  -m MODULE           run a module, as python -m does\n"
	"  -h, --help          this text\n";

static const struct option lines_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "precision", required_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
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
	const char *output = NULL, *module = NULL, *precision = NULL;
	size_t nopts = 1;
	bool explicit_python;
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
			output = optarg;
			break;
		case 'p':
			if (parse_long(optarg, &n) < 0 || n < 0 || n > PRECISION_MAX)
				die_usage("lines", "option --precision: a whole number from 0 to %d, "
					  "not '%s'", PRECISION_MAX, optarg);
			precision = optarg;
			break;
		case 'm':
			module = optarg;
			break;
		case 'h':
			fputs(lines_usage, stdout);
			return EXIT_OK;
		default:
			if (optopt == 'o' || optopt == 'm' || optopt == 'p')
				die_usage("lines", "option %s needs a value", argv[optind - 1]);
			die_usage("lines", "unknown option '%s'; accepted: -o FILE, --precision N, "
				  "-m MODULE, --help", argv[optind - 1]);
		}
	}
	if (module) {
		strvec_push(&prog, "python3");
		strvec_push(&prog, "-m");
		strvec_push(&prog, module);
	} else if (optind >= argc) {
		die_usage("lines", "a Python script to run is needed");
	}
	for (int i = optind; i < argc; i++)
		strvec_push(&prog, argv[i]);
	explicit_python = module || names_python(prog.v[0]);
	if (output) {
		launcher_opts[nopts++] = "--output";
		launcher_opts[nopts++] = output;
	}
	if (precision) {
		launcher_opts[nopts++] = "--precision";
		launcher_opts[nopts++] = precision;
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
