/* mprof summary: what one profile says, in numbers, as text or JSON. */
#include "commands.h"
#include "json.h"
#include "options.h"
#include "profile_list.h"
#include "summary.h"
#include "util.h"

#include <stdio.h>

struct summary_args {
	bool json;
};

static const struct opt summary_opts[] = {
	OPT_BOOL(0, "json", struct summary_args, json,
		 "one JSON object (schema in mprof(1)) instead of the text"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_summary = {
	"summary", OPT_USAGE("mprof summary [--json] [FILE|INDEX]"),
	"Summarize a profile (the newest one in the current directory when none\n"
	"is given): duration, samples, the sampled and the exact peak and when,\n"
	"mean, first and last sample, slope (MiB/s), how the program ended; then\n"
	"one row per function, per marker and per child process. An integer is\n"
	"an index (0 the oldest profile, -1 the newest), as in 'mprof list'.\n",
	summary_opts, NULL, 0,
};

int cmd_summary(int argc, char **argv)
{
	struct strvec files = { 0 };
	struct summary_args a = { 0 };
	struct summary s;
	struct json j;
	int rc = EXIT_FAIL, nargs = opt_parse(&opt_cmd_summary, &a, argc, argv);

	if (nargs > 1)
		die_usage("summary", "one profile at a time, not '%s' too", argv[1]);
	if (profile_resolve(argv, nargs, &files) < 0)
		goto cleanup;
	if (summary_read(&s, files.v[0], 0) < 0) {
		summary_release(&s);
		goto cleanup;
	}
	if (a.json) {
		json_init(&j, stdout);
		summary_json(&s, &j);
		json_finish(&j);
	} else {
		summary_print_text(&s, stdout);
	}
	summary_release(&s);
	rc = EXIT_OK;
cleanup:
	strvec_clear(&files);
	return rc;
}
