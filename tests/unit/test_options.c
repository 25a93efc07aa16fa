/* The option parser, and every command's options as the user meets them. */
#include "commands.h"
#include "options.h"
#include "testlib.h"
#include "util.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the parser, on a command of its own ---- */

struct tvals {
	const char *output, *format, *name, *module;
	bool dry_run, force, names, attach, c, m;
	double interval;
};

static int interval_cb(struct opt_parser *p, void *field, const char *arg)
{
	if (parse_finite(arg, field) < 0 || *(double *)field <= 0)
		return opt_bad_value(p, "'%s' is not a number of seconds > 0", arg);
	return 0;
}

/* as mprof run --attach: options may follow the argument */
static int attach_cb(struct opt_parser *p, void *field, const char *arg)
{
	*(bool *)field = true;
	p->stop_at_arg = false;
	return 0;
}

/* as mprof lines -m: the rest belongs to the module */
static int module_cb(struct opt_parser *p, void *field, const char *arg)
{
	*(const char **)field = arg;
	p->done = true;
	return 0;
}

static const struct opt topts[] = {
	OPT_STRING('o', "output", "FILE", struct tvals, output, "write FILE"),
	OPT_BOOL('n', "dry-run", struct tvals, dry_run, "do nothing"),
	OPT_BOOL(0, "force", struct tvals, force, "replace FILE\nif it exists"),
	OPT_STRING(0, "format", "FMT", struct tvals, format, "a format"),
	OPT_STRING(0, "name", "NAME", struct tvals, name, "a name"),
	OPT_BOOL(0, "names", struct tvals, names, "names"),
	OPT_CALLBACK('a', "attach", NULL, struct tvals, attach, attach_cb, "attach"),
	OPT_BOOL('C', NULL, struct tvals, c, "children"),
	OPT_BOOL('M', NULL, struct tvals, m, "more"),
	OPT_CALLBACK('T', "interval", "SEC", struct tvals, interval, interval_cb, "seconds"),
	OPT_CALLBACK('m', NULL, "MODULE", struct tvals, module, module_cb, "a module"),
	OPT_BOOL(0, "a-rather-long-option-name", struct tvals, names, "long"),
	OPT_END(),
};

static const struct opt_cmd tcmd = {
	"test", OPT_USAGE("mprof test [options] [ARG...]", "mprof test -m MODULE"),
	"About the test.\n", topts, "The end.\n", 0,
};

static const struct opt_cmd tcmd_stop = {
	"test", OPT_USAGE("mprof test [options] PROGRAM [ARGS...]"), NULL, topts, NULL, OPT_STOP_AT_ARG,
};

/* The values set, in one line: "o=x n C". */
static void show(const struct tvals *v, char *buf, size_t size)
{
	FILE *f = fmemopen(buf, size, "w");

	ck_assert_ptr_nonnull(f);
	if (v->output)
		fprintf(f, " o=%s", v->output);
	if (v->dry_run)
		fputs(" n", f);
	if (v->force)
		fputs(" force", f);
	if (v->format)
		fprintf(f, " format=%s", v->format);
	if (v->name)
		fprintf(f, " name=%s", v->name);
	if (v->names)
		fputs(" names", f);
	if (v->attach)
		fputs(" a", f);
	if (v->c)
		fputs(" C", f);
	if (v->m)
		fputs(" M", f);
	if (v->interval)
		fprintf(f, " T=%g", v->interval);
	if (v->module)
		fprintf(f, " m=%s", v->module);
	fclose(f);
}

static const struct {
	const char *argv[8];
	bool stop;                /* tcmd_stop: options end at the first argument */
	enum opt_status status;
	const char *vals;         /* as show() writes them */
	const char *args;         /* the arguments, each followed by '|' */
	const char *err;          /* the whole message, for OPT_ERROR */
} parses[] = {
	/* a value: four ways, and abbreviated */
	{ { "--output=x" }, 0, OPT_OK, " o=x", "", "" },
	{ { "--output", "x" }, 0, OPT_OK, " o=x", "", "" },
	{ { "--out", "x" }, 0, OPT_OK, " o=x", "", "" },
	{ { "--o=x" }, 0, OPT_OK, " o=x", "", "" },
	{ { "-ox" }, 0, OPT_OK, " o=x", "", "" },
	{ { "-o", "x" }, 0, OPT_OK, " o=x", "", "" },
	{ { "-o", "-x" }, 0, OPT_OK, " o=-x", "", "" },
	{ { "--output=" }, 0, OPT_OK, " o=", "", "" },
	{ { "-o", "a", "-o", "b" }, 0, OPT_OK, " o=b", "", "" },
	/* bundled flags, the last one may take a value */
	{ { "-nCM" }, 0, OPT_OK, " n C M", "", "" },
	{ { "-nCox", "y" }, 0, OPT_OK, " o=x n C", "y|", "" },
	{ { "-nCo", "x" }, 0, OPT_OK, " o=x n C", "", "" },
	{ { "-CT0.5" }, 0, OPT_OK, " C T=0.5", "", "" },
	/* prefixes: unique ones, exact names, ambiguous ones */
	{ { "--forc" }, 0, OPT_OK, " force", "", "" },
	{ { "--form", "x" }, 0, OPT_OK, " format=x", "", "" },
	{ { "--name", "x" }, 0, OPT_OK, " name=x", "", "" },
	{ { "--names" }, 0, OPT_OK, " names", "", "" },
	{ { "--dry" }, 0, OPT_OK, " n", "", "" },
	{ { "--f" }, 0, OPT_ERROR, "", "", "ambiguous option '--f': could be --force, --format" },
	{ { "--for=x" }, 0, OPT_ERROR, "", "", "ambiguous option '--for': could be --force, --format" },
	{ { "--nam", "x" }, 0, OPT_ERROR, "", "", "ambiguous option '--nam': could be --name, --names" },
	/* arguments: anywhere, after --, negative numbers, "-" */
	{ { "a", "-n", "b" }, 0, OPT_OK, " n", "a|b|", "" },
	{ { "--", "-o", "x" }, 0, OPT_OK, "", "-o|x|", "" },
	{ { "a", "--", "--", "b" }, 0, OPT_OK, "", "a|--|b|", "" },
	{ { "-1", "-o", "x", "-2" }, 0, OPT_OK, " o=x", "-1|-2|", "" },
	{ { "-0.5", "-", "-12" }, 0, OPT_OK, "", "-0.5|-|-12|", "" },
	/* options end at the first argument, or where a callback says */
	{ { "-C", "prog", "-o", "x" }, 1, OPT_OK, " C", "prog|-o|x|", "" },
	{ { "prog", "--help" }, 1, OPT_OK, "", "prog|--help|", "" },
	{ { "--", "-n" }, 1, OPT_OK, "", "-n|", "" },
	{ { "-a", "-C", "name", "-o", "x" }, 1, OPT_OK, " o=x a C", "name|", "" },
	{ { "-m", "mod", "-o", "x" }, 0, OPT_OK, " m=mod", "-o|x|", "" },
	{ { "-nmmod", "-n" }, 0, OPT_OK, " n m=mod", "-n|", "" },
	/* what is wrong, named */
	{ { "-o" }, 0, OPT_ERROR, "", "", "option '-o' needs a value" },
	{ { "--output" }, 0, OPT_ERROR, "", "", "option '--output' needs a value" },
	{ { "--out" }, 0, OPT_ERROR, "", "", "option '--output' needs a value" },
	{ { "-nCo" }, 0, OPT_ERROR, "", "", "option '-o' needs a value" },
	{ { "-m" }, 0, OPT_ERROR, "", "", "option '-m' needs a value" },
	{ { "--bogus" }, 0, OPT_ERROR, "", "", "unknown option '--bogus'" },
	{ { "--bogus=1" }, 0, OPT_ERROR, "", "", "unknown option '--bogus=1'" },
	{ { "--=x" }, 0, OPT_ERROR, "", "", "unknown option '--=x'" },
	{ { "-x" }, 0, OPT_ERROR, "", "", "unknown option '-x'" },
	{ { "-nxC" }, 0, OPT_ERROR, "", "", "unknown option '-x'" },
	{ { "a", "--bogus" }, 0, OPT_ERROR, "", "", "unknown option '--bogus'" },
	{ { "--force=yes" }, 0, OPT_ERROR, "", "", "option '--force' takes no value" },
	{ { "-T", "abc" }, 0, OPT_ERROR, "", "", "option --interval: 'abc' is not a number of seconds > 0" },
	{ { "--interval=0" }, 0, OPT_ERROR, "", "", "option --interval: '0' is not a number of seconds > 0" },
	/* the parser's own options; the first thing that stops it wins */
	{ { "--help" }, 0, OPT_HELP, "", "", "" },
	{ { "-h" }, 0, OPT_HELP, "", "", "" },
	{ { "--he" }, 0, OPT_HELP, "", "", "" },
	{ { "-Ch" }, 0, OPT_HELP, "", "", "" },
	{ { "--version" }, 0, OPT_VERSION, "", "", "" },
	{ { "--vers", "--bogus" }, 0, OPT_VERSION, "", "", "" },
	{ { "--bogus", "--help" }, 0, OPT_ERROR, "", "", "unknown option '--bogus'" },
};

START_TEST(test_parse)
{
	char *argv[10] = { "test" }, vals[256] = "", args[256] = "";
	struct opt_parser p;
	struct tvals v = { 0 };
	enum opt_status st;
	int argc = 1;

	for (int i = 0; parses[_i].argv[i]; i++)
		argv[argc++] = (char *)parses[_i].argv[i];
	argv[argc] = NULL;
	st = opt_parse_gently(&p, parses[_i].stop ? &tcmd_stop : &tcmd, &v, argc, argv);
	ck_assert_msg(st == parses[_i].status, "status %d, want %d (%s)", st, parses[_i].status, p.err);
	if (st == OPT_ERROR) {
		ck_assert_str_eq(p.err, parses[_i].err);
		return;
	}
	ck_assert_str_eq(p.err, "");
	if (st != OPT_OK)
		return;
	show(&v, vals, sizeof(vals));
	ck_assert_str_eq(vals, parses[_i].vals);
	ck_assert_ptr_null(argv[p.nargs]);
	for (int i = 0; i < p.nargs; i++)
		snprintf(args + strlen(args), sizeof(args) - strlen(args), "%s|", argv[i]);
	ck_assert_str_eq(args, parses[_i].args);
}
END_TEST

/* The usage text comes from the table, help lines in one column. */
START_TEST(test_usage_text)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	opt_usage(&tcmd, f);
	fclose(f);
	ck_assert_str_eq(text,
			 "usage: mprof test [options] [ARG...]\n"
			 "       mprof test -m MODULE\n"
			 "\n"
			 "About the test.\n"
			 "\n"
			 "  -o, --output FILE   write FILE\n"
			 "  -n, --dry-run       do nothing\n"
			 "      --force         replace FILE\n"
			 "                      if it exists\n"
			 "      --format FMT    a format\n"
			 "      --name NAME     a name\n"
			 "      --names         names\n"
			 "  -a, --attach        attach\n"
			 "  -C                  children\n"
			 "  -M                  more\n"
			 "  -T, --interval SEC  seconds\n"
			 "  -m MODULE           a module\n"
			 "      --a-rather-long-option-name\n"
			 "                      long\n"
			 "  -h, --help          show this help\n"
			 "      --version       print the version of mprof\n"
			 "\n"
			 "The end.\n");
	free(text);
}
END_TEST

/* ---- index rule, list ---- */

static void put(const char *dir, const char *name, const char *content)
{
	char *p = tl_path(dir, name);

	tl_write_file(p, content);
	free(p);
}

#define OLD "mprofile_20250101000000.dat"
#define NEW "mprofile_20250102000000.dat"

/* An integer is an index in every command, even when a file has that name. */
static const struct {
	const char *argv[5];
	const char *out;
} index_args[] = {
	{ { "peak", "1" }, NEW "\t20.000 MiB\n" },
	{ { "peak", "./1" }, "./1\t99.000 MiB\n" },
	{ { "peak", "0", "-1" }, OLD "\t10.000 MiB\n" NEW "\t20.000 MiB\n" },
	{ { "peak", "./-1" }, "./-1\t77.000 MiB\n" },
	{ { "rm", "--dry-run", "1" }, "Files to be removed: \n" NEW "\n" },
	{ { "rm", "--dry-run", "./1" }, "Files to be removed: \n./1\n" },
	{ { "rm", "-1", "--dry-run" }, "Files to be removed: \n" NEW "\n" },
};

START_TEST(test_index_rule)
{
	char *dir = tl_tmpdir();
	const char *argv[8] = { "mprof" };
	struct tl_result r;

	put(dir, OLD, "CMDLINE a\nMEM 10 1\n");
	put(dir, NEW, "CMDLINE b\nMEM 20 2\n");
	put(dir, "1", "CMDLINE c\nMEM 99 1\n");
	put(dir, "-1", "CMDLINE d\nMEM 77 1\n");
	for (int i = 0; index_args[_i].argv[i]; i++)
		argv[i + 1] = index_args[_i].argv[i];
	tl_run_env(&r, dir, NULL, 0, argv);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_str_eq(r.out, index_args[_i].out);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* No profile: list says so on stderr; stdout stays a list (empty). */
START_TEST(test_list_empty)
{
	char *dir = tl_tmpdir();
	struct tl_result r;

	put(dir, "mprofile_2025.dat", "MEM 1 1\n");
	tl_run(&r, dir, "mprof", "list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err, "mprof: no profile in the current directory (files named "
				"mprofile_<YYYYMMDDhhmmss>.dat, written by 'mprof run')\n");
	tl_result_free(&r);
	put(dir, OLD, "MEM 1 1\n");
	tl_run(&r, dir, "mprof", "list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "0 " OLD " 00:00:00 01/01/2025\n");
	ck_assert_str_eq(r.err, "");
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- every command, as the user meets it ---- */

static const struct {
	const char *name;
	const struct opt_cmd *cmd;
	const char *section; /* of mprof(1) that documents its options */
} commands[] = {
	{ "attach", &opt_cmd_attach, "MPROF RUN" },
	{ "clean", &opt_cmd_clean, "MPROF LIST, RM, CLEAN" },
	{ "diff", &opt_cmd_diff, "MPROF DIFF" },
	{ "fit", &opt_cmd_fit, "MPROF FIT" },
	{ "export", &opt_cmd_export, "MPROF EXPORT" },
	{ "lines", &opt_cmd_lines, "MPROF LINES" },
	{ "list", &opt_cmd_list, "MPROF LIST, RM, CLEAN" },
	{ "mark", &opt_cmd_mark, "MPROF MARK" },
	{ "peak", &opt_cmd_peak, "MPROF PEAK" },
	{ "plot", &opt_cmd_plot, "MPROF PLOT" },
	{ "rm", &opt_cmd_rm, "MPROF LIST, RM, CLEAN" },
	{ "run", &opt_cmd_run, "MPROF RUN" },
	{ "summary", &opt_cmd_summary, "MPROF SUMMARY" },
};

static const struct opt *cmd_opt(const struct opt_cmd *cmd, size_t k)
{
	size_t n = 0;

	while (cmd->opts[n].type != OPT_TYPE_END)
		n++;
	if (k < n)
		return &cmd->opts[k];
	return opt_builtins[k - n].type != OPT_TYPE_END ? &opt_builtins[k - n] : NULL;
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n == 0;
}

/* Run mprof CMD ARGS... in an empty directory; expect the one usage-error
 * style: exactly "mprof CMD: MSG" and the Try line on stderr, nothing on
 * stdout, exit 2, nothing written. */
static void expect_usage_error(const char *cmd, const char *const *args, const char *msg)
{
	char *dir = tl_tmpdir(), *want;
	const char *argv[12] = { "mprof", cmd };
	struct tl_result r;
	int n = 2;

	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	tl_run_env(&r, dir, (const char *const[]){ "MPROF_EVENTS=", NULL }, 60, argv);
	ck_assert_int_ge(asprintf(&want, "mprof %s: %s\nTry 'mprof %s --help' for more information.\n", cmd,
				  msg, cmd), 0);
	ck_assert_msg(r.status == 2, "mprof %s %s: status %d: %s", cmd, args[0] ? args[0] : "", r.status, r.err);
	ck_assert_str_eq(r.err, want);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(dir_is_empty(dir), "mprof %s wrote something", cmd);
	free(want);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(dir);
}

START_TEST(test_unknown_option)
{
	const char *name = commands[_i].name;

	expect_usage_error(name, (const char *const[]){ "--no-such-option", NULL },
			   "unknown option '--no-such-option'");
	expect_usage_error(name, (const char *const[]){ "--no-such-option=1", "x", NULL },
			   "unknown option '--no-such-option=1'");
	expect_usage_error(name, (const char *const[]){ "-Z", NULL }, "unknown option '-Z'");
}
END_TEST

/* Every option that takes a value, given without one, long and short. */
START_TEST(test_missing_value)
{
	const struct opt *o;
	char arg[64], msg[128];
	int tried = 0;

	for (size_t k = 0; (o = cmd_opt(commands[_i].cmd, k)); k++) {
		if (!o->arg)
			continue;
		if (o->long_name) {
			snprintf(arg, sizeof(arg), "--%s", o->long_name);
			snprintf(msg, sizeof(msg), "option '--%s' needs a value", o->long_name);
			expect_usage_error(commands[_i].name, (const char *const[]){ arg, NULL }, msg);
			tried++;
		}
		if (o->short_name) {
			snprintf(arg, sizeof(arg), "-%c", o->short_name);
			snprintf(msg, sizeof(msg), "option '-%c' needs a value", o->short_name);
			expect_usage_error(commands[_i].name, (const char *const[]){ arg, NULL }, msg);
			tried++;
		}
	}
	/* A command with no option that takes a value: a value given to a flag
	 * is refused in the same style. */
	if (!tried)
		expect_usage_error(commands[_i].name, (const char *const[]){ "--help=x", NULL },
				   "option '--help' takes no value");
}
END_TEST

/* Missing, extra or bad arguments: the same style. */
static const struct {
	const char *cmd;
	const char *args[5];
	const char *msg;
} usage_errors[] = {
	{ "run", { NULL }, "a program to run is needed" },
	{ "run", { "-C", "-M", NULL }, "a program to run is needed" },
	{ "run", { "-T", "x", "true", NULL }, "option --interval: 'x' is not a number of seconds from 0.0001 to 86400" },
	{ "run", { "-a", "1", "2", NULL }, "attach takes one pid or process name, not '2'" },
	{ "run", { "--a", "1", NULL }, "ambiguous option '--a': could be --append, --attach" },
	{ "attach", { NULL }, "a pid or a process name to attach to is needed" },
	{ "attach", { "1", "-C", "2", NULL }, "attach takes one pid or process name, not '2'" },
	{ "attach", { "--backend=x", "1", NULL },
	  "option --backend: 'x' is not one of rss, pss, uss (or psutil, psutil_pss, psutil_uss, posix)" },
	{ "plot", { "--dpi", "0", NULL }, "option --dpi: '0': expected a number from 10 to 1200" },
	{ "plot", { "--h", NULL }, "ambiguous option '--h': could be --height, --help" },
	{ "plot", { "--terminal=yes", NULL }, "option '--terminal' takes no value" },
	{ "peak", { "--func=", NULL },
	  "option --func: a function name is needed (as in FUNC records, e.g. __main__.grow)" },
	{ "list", { "x", NULL }, "takes no argument (got 'x')" },
	{ "rm", { NULL }, "a profile to remove must be given (an index or a file name)" },
	{ "rm", { "--dry-run", NULL }, "a profile to remove must be given (an index or a file name)" },
	{ "clean", { "0", NULL }, "takes no argument (got '0'); to remove some profiles, use 'mprof rm'" },
	{ "mark", { NULL }, "a LABEL is needed" },
	{ "mark", { "--begin", "--end", "x", NULL }, "options --begin and --end: give one of them" },
	{ "lines", { NULL }, "a Python script to run is needed" },
	{ "lines", { "--precision", "x", "a.py", NULL }, "option --precision: a whole number from 0 to 12, not 'x'" },
	{ "run", { "-o", "", "true", NULL }, "option --output: a file name is needed" },
	{ "attach", { "--output=", "1", NULL }, "option --output: a file name is needed" },
	{ "export", { "-o", "", "x.dat", NULL }, "option --output: a file name is needed" },
	{ "lines", { "--out=", "a.py", NULL }, "option --output: a file name is needed" },
};

START_TEST(test_usage_errors)
{
	expect_usage_error(usage_errors[_i].cmd, usage_errors[_i].args, usage_errors[_i].msg);
}
END_TEST

/* --help, -h and 'mprof help CMD' print the usage made from the table. */
START_TEST(test_help)
{
	const char *name = commands[_i].name;
	const char *forms[][3] = { { name, "--help" }, { name, "-h" }, { "help", name } };
	char *want = NULL, *head;
	size_t len = 0;
	FILE *f = open_memstream(&want, &len);

	ck_assert_ptr_nonnull(f);
	opt_usage(commands[_i].cmd, f);
	fclose(f);
	ck_assert_int_ge(asprintf(&head, "mprof %s", name), 0);
	ck_assert_msg(str_starts_with(want, "usage: mprof ") && strstr(want, head), "%s", want);
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
		struct tl_result r;

		tl_run(&r, NULL, "mprof", forms[i][0], forms[i][1]);
		ck_assert_msg(r.status == 0, "mprof %s %s: %d %s", forms[i][0], forms[i][1], r.status, r.err);
		ck_assert_str_eq(r.err, "");
		ck_assert_str_eq(r.out, want);
		tl_result_free(&r);
	}
	free(head);
	free(want);
}
END_TEST

START_TEST(test_version)
{
	struct tl_result top, r;

	tl_run(&top, NULL, "mprof", "--version");
	ck_assert_int_eq(top.status, 0);
	ck_assert(str_starts_with(top.out, "mprof "));
	tl_run(&r, NULL, "mprof", commands[_i].name, "--version");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, top.out);
	ck_assert_str_eq(r.err, "");
	tl_result_free(&r);
	/* it wins over what follows, as --help does */
	tl_run(&r, NULL, "mprof", commands[_i].name, "--vers", "--no-such-option");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, top.out);
	tl_result_free(&r);
	tl_result_free(&top);
}
END_TEST

/* Every command of 'mprof --help' is in the table above. */
START_TEST(test_all_commands)
{
	struct tl_result r;
	const char *line;
	int n = 0;

	tl_run(&r, NULL, "mprof", "--help");
	ck_assert_int_eq(r.status, 0);
	line = strstr(r.out, "Commands:\n");
	ck_assert_ptr_nonnull(line);
	for (line = strchr(line, '\n') + 1; str_starts_with(line, "  "); line = strchr(line, '\n') + 1) {
		char name[32];
		bool found = false;

		ck_assert_int_eq(sscanf(line, "%31s", name), 1);
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			found = found || !strcmp(commands[i].name, name);
		ck_assert_msg(found, "command %s is not checked here", name);
		n++;
	}
	ck_assert_int_eq(n, (int)ARRAY_SIZE(commands));
	tl_result_free(&r);
}
END_TEST

/* The tables: names unique, no digit (a negative number is an argument),
 * lowercase long names, help for each. */
START_TEST(test_tables)
{
	const struct opt_cmd *cmd = commands[_i].cmd;
	const struct opt *o, *q;

	ck_assert_str_eq(cmd->name, commands[_i].name);
	for (size_t k = 0; (o = cmd_opt(cmd, k)); k++) {
		ck_assert(o->short_name || o->long_name);
		ck_assert_msg(!isdigit((unsigned char)o->short_name), "-%c", o->short_name);
		ck_assert_msg(o->help && *o->help && !strchr("\n ", o->help[strlen(o->help) - 1]), "%s",
			      o->long_name);
		for (const char *c = o->long_name; c && *c; c++)
			ck_assert_msg(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '-',
				      "--%s", o->long_name);
		ck_assert(o->type != OPT_TYPE_CALLBACK || o->cb);
		for (size_t j = 0; j < k; j++) {
			q = cmd_opt(cmd, j);
			ck_assert(!o->short_name || o->short_name != q->short_name);
			ck_assert(!o->long_name || !q->long_name || strcmp(o->long_name, q->long_name));
		}
	}
}
END_TEST

/* ---- mprof(1) documents every option ---- */

/* A tag line of mprof(1) (the line after .TP) as words: no macro, no
 * quotes, no font changes, "\-" as "-"; words end at blanks, [, ], |. */
static void man_words(const char *line, char *out, size_t size)
{
	size_t n = 0;

	if (*line == '.')
		line += strcspn(line, " ");
	for (; *line && n + 2 < size; line++) {
		if (line[0] == '\\' && line[1] == 'f' && line[2]) {
			line += 2;
		} else if (line[0] == '\\' && line[1] == '-') {
			out[n++] = '-';
			line++;
		} else if (strchr("\"[]| ", *line)) {
			if (n && out[n - 1] != ' ')
				out[n++] = ' ';
		} else {
			out[n++] = (char)tolower((unsigned char)*line);
		}
	}
	out[n] = '\0';
}

/* word, whole, among the words (a trailing ',' or '.' aside) */
static bool has_word(const char *words, const char *word)
{
	size_t len = strlen(word);

	for (const char *w = words; *w; w += strcspn(w, " "), w += *w == ' ') {
		size_t wl = strcspn(w, " ");

		while (wl > len && strchr(",.", w[wl - 1]))
			wl--;
		if (wl == len && strncasecmp(w, word, len) == 0)
			return true;
	}
	return false;
}

/* The tag lines of section title (and its subsections), as words, each
 * followed by '\n'. */
static char *man_tags(const char *man, const char *title)
{
	char *tags = NULL, words[1024];
	size_t len = 0;
	FILE *f = open_memstream(&tags, &len);
	bool in = false, tag = false;

	ck_assert_ptr_nonnull(f);
	for (const char *line = man; *line; line += strcspn(line, "\n"), line += *line == '\n') {
		char buf[1024];

		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line, "\n"), line);
		if (str_starts_with(buf, ".SH ")) {
			man_words(buf, words, sizeof(words));
			in = strstr(words, title) != NULL;
			continue;
		}
		if (in && tag) {
			man_words(buf, words, sizeof(words));
			fprintf(f, "%s\n", words);
		}
		tag = str_starts_with(buf, ".TP");
	}
	fclose(f);
	return tags;
}

static bool documented(const char *tags, const struct opt *o)
{
	char sname[4], lname[64], arg[32];

	snprintf(sname, sizeof(sname), "-%c", o->short_name);
	snprintf(lname, sizeof(lname), "--%s", o->long_name ? o->long_name : "");
	snprintf(arg, sizeof(arg), "%s", o->arg ? o->arg : "");
	for (const char *t = tags; *t; t += strcspn(t, "\n") + 1) {
		char line[1024];

		snprintf(line, sizeof(line), "%.*s", (int)strcspn(t, "\n"), t);
		if ((!o->short_name || has_word(line, sname)) && (!o->long_name || has_word(line, lname)) &&
		    (!o->arg || has_word(line, arg)))
			return true;
	}
	return false;
}

/* Each option (its short and long names and its value's name) is the tag of
 * an entry in the command's section; --help and --version in DESCRIPTION. */
START_TEST(test_man_page)
{
	char *path = tl_path(SOURCE_ROOT, "man/mprof.1"), *man = tl_read_file(path, NULL), title[64];
	char *tags, *common;
	const struct opt *o;

	ck_assert_msg(man != NULL, "cannot read %s", path);
	man_words(commands[_i].section, title, sizeof(title));
	tags = man_tags(man, title);
	common = man_tags(man, "description");
	ck_assert_msg(*tags, "no option entries in section %s", commands[_i].section);
	for (size_t k = 0; (o = cmd_opt(commands[_i].cmd, k)); k++) {
		bool builtin = o->type == OPT_TYPE_HELP || o->type == OPT_TYPE_VERSION;

		ck_assert_msg(documented(builtin ? common : tags, o), "mprof(1) %s lacks -%c --%s %s",
			      builtin ? "DESCRIPTION" : commands[_i].section, o->short_name ? o->short_name : '?',
			      o->long_name ? o->long_name : "", o->arg ? o->arg : "");
	}
	free(tags);
	free(common);
	free(man);
	free(path);
}
END_TEST

/* ---- run -a parses as attach does ---- */

/* A "sleep 60", once it has exec'd. */
static pid_t start_sleeper(void)
{
	char path[64], *cmdline = NULL;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execlp("sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	for (int i = 0; i < 2000; i++) {
		cmdline = tl_read_file(path, NULL);
		if (cmdline && !strcmp(cmdline, "sleep"))
			break;
		free(cmdline);
		cmdline = NULL;
		usleep(5000);
	}
	ck_assert_msg(cmdline != NULL, "sleep did not start");
	free(cmdline);
	return pid;
}

static const struct {
	const char *argv[12];
} attach_forms[] = {
	{ { "run", "-a", "-T", "0.02", "-t", "0.3", "PID", "-o", "f.dat" } },
	{ { "run", "-T", "0.02", "--attach", "PID", "--timeout=0.3", "-of.dat" } },
	{ { "attach", "PID", "-o", "f.dat", "-T", "0.02", "-t", "0.3" } },
};

START_TEST(test_run_attach_options)
{
	char *dir = tl_tmpdir(), *out = tl_path(dir, "f.dat"), *text, pidstr[16];
	const char *argv[16] = { "mprof" };
	pid_t pid = start_sleeper();
	struct tl_result r;

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	for (int i = 0; attach_forms[_i].argv[i]; i++)
		argv[i + 1] = strcmp(attach_forms[_i].argv[i], "PID") ? attach_forms[_i].argv[i] : pidstr;
	tl_run_env(&r, dir, NULL, 60, argv);
	tl_kill_wait(pid);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	text = tl_read_file(out, NULL);
	ck_assert_msg(text && str_starts_with(text, "CMDLINE ") && strstr(text, "\nMEM "), "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "sleep 60"));
	free(text);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(out);
	free(dir);
}
END_TEST

/* ---- plot takes negative indices anywhere ---- */

static const struct {
	const char *argv[8];
	const char *out;      /* stdout */
	const char *picture;  /* written */
} plot_indexes[] = {
	{ { "plot", "-1" }, "mprofile_20250102000000.png\n", "mprofile_20250102000000.png" },
	{ { "plot", "-o", "x.png", "0", "-2" }, "", "x.png" },
	{ { "plot", "-2", "-o", "y.svg", "--title", "-1" }, "", "y.svg" },
};

START_TEST(test_plot_negative_index)
{
	char *dir = tl_tmpdir(), *fixture = tl_fixture("plain.dat"), *text = tl_read_file(fixture, NULL), *pic;
	const char *argv[8] = { "mprof" };
	struct tl_result r;

	ck_assert_msg(text != NULL, "fixture %s missing", fixture);
	put(dir, OLD, text);
	put(dir, NEW, text);
	for (int i = 0; plot_indexes[_i].argv[i]; i++)
		argv[i + 1] = plot_indexes[_i].argv[i];
	tl_run_env(&r, dir, NULL, 60, argv);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.out, plot_indexes[_i].out);
	pic = tl_path(dir, plot_indexes[_i].picture);
	ck_assert_int_eq(access(pic, R_OK), 0);
	tl_result_free(&r);
	tl_rmrf(dir);
	free(pic);
	free(text);
	free(fixture);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("parser");

	tcase_add_loop_test(tc, test_parse, 0, (int)ARRAY_SIZE(parses));
	tcase_add_test(tc, test_usage_text);
	suite_add_tcase(s, tc);
	tc = tcase_create("profiles");
	tcase_add_loop_test(tc, test_index_rule, 0, (int)ARRAY_SIZE(index_args));
	tcase_add_test(tc, test_list_empty);
	tcase_add_loop_test(tc, test_plot_negative_index, 0, (int)ARRAY_SIZE(plot_indexes));
	suite_add_tcase(s, tc);
	tc = tcase_create("commands");
	tcase_add_loop_test(tc, test_unknown_option, 0, (int)ARRAY_SIZE(commands));
	tcase_add_loop_test(tc, test_missing_value, 0, (int)ARRAY_SIZE(commands));
	tcase_add_loop_test(tc, test_usage_errors, 0, (int)ARRAY_SIZE(usage_errors));
	tcase_add_loop_test(tc, test_help, 0, (int)ARRAY_SIZE(commands));
	tcase_add_loop_test(tc, test_version, 0, (int)ARRAY_SIZE(commands));
	tcase_add_test(tc, test_all_commands);
	tcase_add_loop_test(tc, test_tables, 0, (int)ARRAY_SIZE(commands));
	tcase_add_loop_test(tc, test_man_page, 0, (int)ARRAY_SIZE(commands));
	tcase_add_loop_test(tc, test_run_attach_options, 0, (int)ARRAY_SIZE(attach_forms));
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
