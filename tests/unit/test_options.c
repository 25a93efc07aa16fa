/* The option parser, and every command's options as the user meets them. */
#include "options.h"
#include "testlib.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
