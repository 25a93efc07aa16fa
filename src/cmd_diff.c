/* mprof diff: two profiles side by side, and budgets on the increase from
 * the first to the second. */
#include "commands.h"
#include "diff.h"
#include "json.h"
#include "options.h"
#include "profile_list.h"
#include "summary.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct diff_args {
	bool json;
	const char *junit;
	/* budgets, in the order given; --func and --exact wait for the
	 * --max-increase they qualify */
	struct diff_budget *budgets;
	size_t nbudgets, cap;
	const char *func;
	bool exact;
	bool func_given, exact_given;
};

static int func_value(struct opt_parser *p, void *field, const char *arg)
{
	struct diff_args *a = p->values;

	if (!*arg)
		return opt_bad_value(p, "a function name is needed (as in FUNC records, e.g. __main__.grow)");
	if (a->func)
		return opt_bad_value(p, "'%s' after --func '%s': give a --max-increase for each", arg, a->func);
	*(const char **)field = arg;
	return 0;
}

static int exact_value(struct opt_parser *p, void *field, const char *arg)
{
	(void)p;
	(void)arg;
	*(bool *)field = true;
	return 0;
}

/* PCT or PCT% (negative: a decrease is required) */
static int increase_value(struct opt_parser *p, void *field, const char *arg)
{
	struct diff_args *a = p->values;
	size_t len = strlen(arg);
	char *num = xstrndup(arg, len && arg[len - 1] == '%' ? len - 1 : len);
	double pct;
	int bad = parse_finite(num, &pct);

	free(num);
	(void)field;
	if (bad < 0)
		return opt_bad_value(p, "'%s' is not a percentage (10, 10%%, 2.5, -5)", arg);
	XGROW(a->budgets, a->cap, a->nbudgets + 1);
	a->budgets[a->nbudgets++] = (struct diff_budget){
		.func = a->func,
		.max_increase = pct,
		.measure = a->exact ? DIFF_MEASURE_EXACT : DIFF_MEASURE_PEAK,
	};
	a->func = NULL;
	a->exact = false;
	return 0;
}

static const struct opt diff_opts[] = {
	OPT_BOOL(0, "json", struct diff_args, json,
		 "one JSON object (schema in mprof(1)) instead of the text"),
	OPT_STRING(0, "junit", "FILE", struct diff_args, junit,
		   "also write the budgets as a JUnit XML report to FILE"),
	OPT_CALLBACK(0, "func", "NAME", struct diff_args, func, func_value,
		     "the next --max-increase budgets the peak inside the calls\n"
		     "of function NAME (or the timestamp block .NAME)"),
	OPT_CALLBACK(0, "exact", NULL, struct diff_args, exact, exact_value,
		     "the next --max-increase judges the kernel's peak (PEAK)\n"
		     "instead of the sampled one"),
	OPT_CALLBACK(0, "max-increase", "PCT", struct diff_args, budgets, increase_value,
		     "a budget: B's peak at most PCT percent above A's;\n"
		     "exit 1 when over or when it cannot be judged; repeatable"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_diff = {
	"diff",
	OPT_USAGE("mprof diff [--json] [--junit FILE] [[--func NAME] [--exact] --max-increase PCT]... A B"),
	"Compare two profiles (files or indices, A the reference): the whole run,\n"
	"then each function and marker of either, matched by name, with peak,\n"
	"time and increment in both and the change, sorted by the largest change.\n"
	"Exit status: 0 when every budget passes, 1 when one is over or cannot be\n"
	"judged or a profile cannot be read, 2 for bad options.\n",
	diff_opts, NULL, 0,
};

/* FILE|INDEX, without the merging of repeats profile_resolve does: a
 * profile may be compared with itself. */
static int resolve_two(char **argv, const char *out[2])
{
	struct strvec all = { 0 };
	int rc = 0;
	bool listed = false;

	for (int i = 0; i < 2 && rc == 0; i++) {
		long idx;

		out[i] = argv[i];
		if (parse_long(argv[i], &idx) < 0)
			continue;
		if (!listed && profile_list(NULL, &all) < 0)
			rc = -1;
		listed = true;
		if (rc == 0 && profile_arg(&all, argv[i], &out[i]) < 0)
			rc = -1;
		if (rc == 0)
			out[i] = xstrdup(out[i]);
		else
			out[i] = NULL;
	}
	strvec_clear(&all);
	return rc;
}

static void print_result(const struct diff_args *a, const struct diff *d)
{
	struct json j;

	if (a->json) {
		json_init(&j, stdout);
		diff_json(d, a->budgets, a->nbudgets, &j);
		json_finish(&j);
	} else {
		diff_print_text(d, a->budgets, a->nbudgets, stdout);
	}
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = { 0 };
	struct summary s[2] = { 0 };
	struct diff d = { 0 };
	const char *path[2] = { NULL, NULL };
	int rc = EXIT_FAIL, nargs = opt_parse(&opt_cmd_diff, &a, argc, argv);

	if (a.func || a.exact)
		die_usage("diff", "option %s: it qualifies the --max-increase that follows it, and none does",
			  a.func ? "--func" : "--exact");
	if (nargs != 2)
		die_usage("diff", nargs < 2 ? "two profiles are needed, A and B" : "two profiles, not '%s' too",
			  argv[2]);
	if (resolve_two(argv, path) < 0)
		goto cleanup;
	for (int i = 0; i < 2; i++)
		if (summary_read(&s[i], path[i], 0) < 0)
			goto cleanup;
	diff_compute(&d, &s[0], &s[1]);
	rc = diff_check(&d, a.budgets, a.nbudgets) ? EXIT_FAIL : EXIT_OK;
	print_result(&a, &d);
	if (a.junit && diff_write_junit(&d, a.budgets, a.nbudgets, a.junit) < 0)
		rc = EXIT_FAIL;
cleanup:
	diff_release(&d);
	for (int i = 0; i < 2; i++) {
		summary_release(&s[i]);
		if (path[i] != argv[i])
			free((char *)path[i]);
	}
	diff_budgets_release(a.budgets, a.nbudgets);
	free(a.budgets);
	return rc;
}
