/* mprof export: every series of a profile as numbers, CSV or JSON (export.h). */
#include "commands.h"
#include "export.h"
#include "options.h"
#include "profile_list.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF (1u << 18)

struct export_args {
	bool csv, json;
	const char *output;
};

static const struct opt export_opts[] = {
	OPT_BOOL(0, "csv", struct export_args, csv,
		 "CSV, one value a row: time_s,pid,series,mib (the default)"),
	OPT_BOOL(0, "json", struct export_args, json,
		 "JSON: the same rows, the run's metadata, functions and markers"),
	OPT_FILE('o', "output", "FILE", struct export_args, output,
		     "write FILE (replaced whole, or left as it was on an error);\n"
		     "default: standard output"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_export = {
	"export", OPT_USAGE("mprof export [--csv|--json] [-o FILE] [FILE|INDEX]"),
	"Write every series of a profile as numbers (the newest profile in the current\n"
	"directory when none is given): one row per value, with time_s in seconds from\n"
	"the first sample, pid empty for the program and a child's pid for its own,\n"
	"series one of mem, interval_peak, anon, file, shmem, swap, python_heap, gpu,\n"
	"and the value in MiB. An integer is an index, as in 'mprof list'.\n",
	export_opts, NULL, 0,
};

/* Into a temporary file beside FILE, renamed over it when complete. */
static int export_to_file(const char *path, enum export_format fmt, const char *output)
{
	char *tmp = xasprintf("%s.XXXXXX", output);
	int fd = mkstemp(tmp), rc;
	mode_t mask = umask(0);
	FILE *f;

	umask(mask);
	if (fd < 0) {
		rc = error_errno("cannot create '%s'", output);
		free(tmp);
		return rc;
	}
	/* mkstemp makes the file 0600; the numbers are for everyone to read */
	f = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return error_errno("cannot create '%s'", output);
	}
	setvbuf(f, NULL, _IOFBF, OUT_BUF);
	rc = export_profile(path, fmt, f, output);
	if (fclose(f) != 0 && rc == 0)
		rc = error_errno("cannot write '%s'", output);
	if (rc == 0 && rename(tmp, output) < 0)
		rc = error_errno("cannot write '%s'", output);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	struct export_args a = { 0 };
	int nargs = opt_parse(&opt_cmd_export, &a, argc, argv), rc;
	enum export_format fmt = a.json ? EXPORT_JSON : EXPORT_CSV;
	struct strvec files = { 0 };

	if (a.csv && a.json)
		die_usage("export", "options --csv and --json: give one or the other");
	if (nargs > 1)
		die_usage("export", "one profile at a time: '%s' is one too many", argv[1]);
	if (profile_resolve(argv, nargs, &files) < 0)
		return EXIT_FAIL;
	if (a.output && strcmp(a.output, "-") != 0)
		rc = export_to_file(files.v[0], fmt, a.output);
	else
		rc = export_profile(files.v[0], fmt, stdout, "standard output");
	strvec_clear(&files);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
