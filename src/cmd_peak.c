/* mprof peak: the peak memory of profiles.
 *
 * Output as the Python tool's, line for line, so scripts that parse it keep
 * working:
 *   FILE<TAB>123.456 MiB                 highest MEM sample
 *     Child <pid><TAB><TAB><TAB>12.345 MiB   highest CHLD sample, per child
 * plus, where the file has the kernel's high-water mark: for the target
 * (PEAK records) a line after the first,
 *     Kernel peak<TAB><TAB><TAB>130.000 MiB
 * and for a child (CHLDPEAK) a last column on its line:
 *     Child <pid><TAB><TAB><TAB>12.345 MiB<TAB>kernel peak 75.000 MiB
 * A child with CHLDPEAK records and no CHLD sample shows NaN as its sample.
 */
#include "commands.h"
#include "options.h"
#include "peak.h"
#include "profile_list.h"
#include "size.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct peak_args {
	const char *func;
	struct size_arg max;
	bool exact;
};

static int func_value(struct opt_parser *p, void *field, const char *arg)
{
	if (!*arg)
		return opt_bad_value(p, "a function name is needed (as in FUNC records, e.g. __main__.grow)");
	*(const char **)field = arg;
	return 0;
}

static const struct opt peak_opts[] = {
	OPT_CALLBACK(0, "func", "NAME", struct peak_args, func, func_value,
		     "the peak of the samples taken inside calls of function NAME,\n"
		     "as named in FUNC records (__main__.grow; a timestamp block\n"
		     "'x' is also found as x); NaN when there is none"),
	OPT_CALLBACK(0, "max", "SIZE", struct peak_args, max, size_opt_value,
		     "a budget (500M, 1.5G, 300MiB; see SIZES in mprof(1)): exit 1,\n"
		     "after a line naming the file, the peak and the budget,\n"
		     "when the peak is over SIZE"),
	OPT_BOOL(0, "exact", struct peak_args, exact,
		 "with --max: judge the kernel's exact peak (Kernel peak)\n"
		 "instead of the highest sample"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_peak = {
	"peak", OPT_USAGE("mprof peak [--func NAME] [--max SIZE [--exact]] [FILE|INDEX...]"),
	"Print the peak memory of profiles (the newest one in the current directory\n"
	"when none is given): FILE<TAB>123.456 MiB, then for each child process\n"
	"'  Child <pid>' and its own peak. Where mprof run recorded the kernel's\n"
	"exact high-water mark, which also counts spikes between two samples, a\n"
	"'Kernel peak' line follows the first, and a child's line ends with it.\n"
	"An integer is an index (0 the oldest profile, -1 the newest), as in\n"
	"'mprof list'.\n",
	peak_opts,
	"Exit status: 0, or 1 when a profile cannot be read, has no sample, or\n"
	"(--max) has a peak over the budget or none to judge; 2 for bad options.\n",
	0,
};

static void print_mib(double v, const char *after)
{
	if (isnan(v))
		printf("NaN MiB%s", after);
	else
		printf("%.3f MiB%s", v, after);
}

/* --max: the peak judged against the budget; EXIT_OK within it. The
 * kernel's peak is of the whole run: for a function, the sampled one is
 * judged, and said so. */
static int judge(const char *path, const struct peak *p, const struct peak_args *a)
{
	const char *what = "peak";
	double mib = p->mem;
	char *fwhat = NULL;
	int r;

	if (a->func) {
		if (a->exact)
			warning("%s: no exact peak of a function's calls in this profile (the kernel's "
				"is of the whole run): the sampled peak of '%s' is judged", path, a->func);
		what = fwhat = xasprintf("peak of %s", a->func);
	} else if (a->exact) {
		what = "exact peak";
		mib = p->kernel;
	}
	r = size_check_budget(path, what, mib, a->max.bytes, a->max.arg);
	free(fwhat);
	return r == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Print the peaks of one file. EXIT_OK, or EXIT_FAIL when it cannot be read
 * or holds no sample at all, or is over the budget. */
static int peak_file(const char *path, const struct peak_args *a)
{
	const char *func = a->func;
	struct peak p;
	int rc = EXIT_OK;

	if (peak_read(&p, path, func) < 0) {
		peak_release(&p);
		return EXIT_FAIL;
	}
	printf("%s\t", path);
	print_mib(p.mem, "\n");
	if (func && !p.func_used) {
		/* as the Python tool: that line alone */
		warning("%s: no function '%s' (no FUNC record so named)", path, func);
		if (a->max.arg)
			rc = judge(path, &p, a);
		peak_release(&p);
		return rc;
	}
	if (!p.samples) {
		warning("%s: no memory samples (MEM records)", path);
		rc = EXIT_FAIL;
	} else if (func && isnan(p.mem)) {
		warning("%s: no memory sample inside the %lu call%s of '%s'", path, p.calls,
			p.calls == 1 ? "" : "s", p.func_used);
	}
	/* The high-water mark covers the whole run, not a function's calls. */
	if (!func && !isnan(p.kernel)) {
		printf("  Kernel peak\t\t\t");
		print_mib(p.kernel, "\n");
	}
	for (size_t i = 0; i < p.nchildren; i++) {
		printf("  Child %ld\t\t\t", p.children[i].pid);
		if (isnan(p.children[i].kernel)) {
			print_mib(p.children[i].mem, "\n");
		} else {
			print_mib(p.children[i].mem, "\tkernel peak ");
			print_mib(p.children[i].kernel, "\n");
		}
	}
	if (a->max.arg && rc == EXIT_OK)
		rc = judge(path, &p, a);
	peak_release(&p);
	return rc;
}

int cmd_peak(int argc, char **argv)
{
	struct strvec files = { 0 };
	struct peak_args a = { 0 };
	int rc = EXIT_OK, nargs = opt_parse(&opt_cmd_peak, &a, argc, argv);

	if (a.exact && !a.max.arg)
		die_usage("peak", "option --exact: it says which peak --max judges, and --max is not given");

	if (profile_resolve(argv, nargs, &files) < 0) {
		rc = EXIT_FAIL;
		goto cleanup;
	}
	if (!nargs)
		printf("Using last profile data.\n");
	for (size_t i = 0; i < files.n; i++)
		if (peak_file(files.v[i], &a) != EXIT_OK)
			rc = EXIT_FAIL;
cleanup:
	strvec_clear(&files);
	return rc;
}
