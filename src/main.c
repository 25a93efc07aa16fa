/* mprof: memory-over-time profiler. The command table and nothing else. */
#include "commands.h"
#include "config.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "attach", cmd_attach, "sample the memory of a running process" },
	{ "clean",  cmd_clean,  "remove every mprofile_*.dat in the current directory" },
	{ "diff",   cmd_diff,   "compare two profiles; budgets on the increase" },
	{ "lines",  cmd_lines,  "line-by-line memory of decorated Python functions" },
	{ "list",   cmd_list,   "list the profiles in the current directory" },
	{ "mark",   cmd_mark,   "record a marker or a phase from a shell script being profiled" },
	{ "peak",   cmd_peak,   "print the peak memory of profiles" },
	{ "plot",   cmd_plot_module, "draw profiles: PNG, JPEG, SVG, PDF, PostScript, HTML or the terminal" },
	{ "rm",     cmd_rm,     "remove profiles" },
	{ "run",    cmd_run,    "run a program and sample its memory over time" },
	{ "summary", cmd_summary, "a profile's figures, as text or JSON" },
};

static const struct cmd_struct *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: mprof <command> [options] [arguments]\n"
		   "       mprof --help | --version | help <command>\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nTypical use:  mprof run ./prog args...   then   mprof plot --out profile.png\n"
		   "'mprof <command> --help' (or 'mprof help <command>') describes a command\n"
		   "and its options; every command also takes --version. See also mprof(1),\n"
		   "mprofile(5).\n");
}

/* The one style of a usage error, as options.c writes it for a command. */
static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "mprof: %s '%s'\nTry 'mprof --help' for more information.\n", what, arg);
	return EXIT_USAGE;
}

static int run_command(const struct cmd_struct *cmd, int argc, char **argv)
{
	int rc = cmd->fn(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("cannot write to standard output");
	return rc;
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("mprof %s\n", MPROF_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		char *help_argv[] = { NULL, "--help", NULL };

		if (argc < 3) {
			print_usage(stdout);
			return EXIT_OK;
		}
		cmd = find_command(argv[2]);
		if (!cmd)
			return usage_error("no command", argv[2]);
		help_argv[0] = argv[2];
		return run_command(cmd, 2, help_argv);
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error(argv[1][0] == '-' ? "unknown option" : "no command", argv[1]);
	return run_command(cmd, argc - 1, argv + 1);
}
