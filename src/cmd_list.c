/* mprof list, rm, clean: the profiles of the current directory.
 *
 * As the Python tool: profiles are the files named mprofile_<14 digits>.dat,
 * sorted by name (so oldest first), index 0 the oldest, -1 the newest. A
 * profile's timestamp companion mprofile_<14 digits>_ts.dat (written by old
 * versions of that tool) goes with it.
 *
 * Safety: nothing here follows a symbolic link (a link is removed as a link,
 * its target untouched) or removes a directory. clean removes only files named
 * like profiles. rm FILE also takes a file named otherwise (written with
 * 'mprof run -o'), but only when it is a regular file that starts with a
 * profile record (or is empty): 'mprof rm main.c' removes nothing.
 */
#include "commands.h"
#include "options.h"
#include "profile.h"
#include "profile_list.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- list ---- */

static const struct opt no_opts[] = {
	OPT_END(),
};

const struct opt_cmd opt_cmd_list = {
	"list", OPT_USAGE("mprof list"),
	"List the profiles in the current directory, oldest first, as\n"
	"INDEX FILE HH:MM:SS DD/MM/YYYY (the time is taken from the file name).\n"
	"Index 0 is the oldest; negative indices count from the newest (-1).\n"
	"With none, it says so on standard error.\n",
	no_opts, NULL, 0,
};

int cmd_list(int argc, char **argv)
{
	struct strvec all = { 0 };

	if (opt_parse(&opt_cmd_list, NULL, argc, argv) > 0)
		die_usage("list", "takes no argument (got '%s')", argv[0]);
	if (profile_list(NULL, &all) < 0)
		return EXIT_FAIL;
	if (!all.n)
		fprintf(stderr, "mprof: no profile in the current directory (files named "
				"mprofile_<YYYYMMDDhhmmss>.dat, written by 'mprof run')\n");
	for (size_t i = 0; i < all.n; i++) {
		const char *ts = all.v[i] + 9; /* mprofile_YYYYMMDDhhmmss.dat */

		printf("%zu %s %.2s:%.2s:%.2s %.2s/%.2s/%.4s\n", i, all.v[i], ts + 8, ts + 10,
		       ts + 12, ts + 6, ts + 4, ts);
	}
	strvec_clear(&all);
	return EXIT_OK;
}

/* ---- what rm and clean remove ---- */

struct removal {
	struct strvec files;
};

static void removal_release(struct removal *rm)
{
	strvec_clear(&rm->files);
}

/* Add path unless it is there already. The same file under two spellings
 * ("x.dat", "./x.dat") is removed once: the second unlink finds it gone. */
static void removal_add(struct removal *rm, const char *path)
{
	if (!strvec_contains(&rm->files, path))
		strvec_push(&rm->files, path);
}

static bool named_like_profile(const char *path)
{
	const char *b = path_base(path);

	return profile_name_ok(b) || profile_ts_name_ok(b);
}

/* A regular file that is empty or whose first line starts with the keyword of
 * a profile record. Opened without following links and without blocking. */
static bool looks_like_profile(const char *path)
{
	char buf[64];
	ssize_t n;
	size_t kw;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n == 0)
		return true;
	if (n < 0)
		return false;
	for (kw = 0; kw < (size_t)n && buf[kw] != ' '; kw++)
		;
	if (kw == (size_t)n)
		return false;
	for (int k = 0; k < REC_KIND_COUNT; k++) {
		const char *name = record_type_of((enum record_kind)k)->keyword;

		if (strlen(name) == kw && memcmp(name, buf, kw) == 0)
			return true;
	}
	return false;
}

/* A file rm was asked to remove by name: may it go? -1 (reported) if not. */
static int check_named_file(const char *path, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return error("cannot remove '%s': it is a directory, not a profile", path);
	if (!S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode))
		return error("cannot remove '%s': not a regular file", path);
	if (named_like_profile(path))
		return 0;
	if (S_ISLNK(st->st_mode))
		return error("cannot remove '%s': a symbolic link not named like a profile "
			     "(mprofile_<YYYYMMDDhhmmss>.dat)", path);
	if (!looks_like_profile(path))
		return error("cannot remove '%s': it does not start with a profile record; "
			     "not a profile?", path);
	return 0;
}

/* The Python tool's companion of a profile: "<stem>_ts<ext>", split as
 * os.path.splitext splits: at the last dot of the base name, unless only dots
 * come before it. */
static char *companion_name(const char *path)
{
	const char *b = path_base(path);
	const char *dot = strrchr(b, '.');
	size_t lead = strspn(b, ".");

	if (!dot || dot < b + lead)
		return xasprintf("%s_ts", path);
	return xasprintf("%.*s_ts%s", (int)(dot - path), path, dot);
}

/* Add the companions of the profiles listed so far, the newest first, as the
 * Python tool does. */
static void add_companions(struct removal *rm)
{
	for (size_t i = rm->files.n; i-- > 0;) {
		char *ts = companion_name(rm->files.v[i]);
		struct stat st;

		if (lstat(ts, &st) == 0 && (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) &&
		    (named_like_profile(ts) || looks_like_profile(ts)))
			removal_add(rm, ts);
		free(ts);
	}
}

/* Remove them, or with dry_run say which would go. */
static int removal_run(struct removal *rm, bool dry_run)
{
	int rc = EXIT_OK;

	if (dry_run) {
		printf("Files to be removed: \n");
		for (size_t i = 0; i < rm->files.n; i++)
			printf("%s\n", rm->files.v[i]);
		return EXIT_OK;
	}
	for (size_t i = 0; i < rm->files.n; i++) {
		/* unlink removes a symbolic link itself, never its target */
		if (unlink(rm->files.v[i]) < 0 && errno != ENOENT) {
			error_errno("cannot remove '%s'", rm->files.v[i]);
			rc = EXIT_FAIL;
		}
	}
	return rc;
}

/* ---- rm and clean ---- */

struct removal_args {
	bool dry_run;
};

static const struct opt removal_opts[] = {
	OPT_BOOL(0, "dry-run", struct removal_args, dry_run, "print what would be removed, remove nothing"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_rm = {
	"rm", OPT_USAGE("mprof rm [--dry-run] INDEX|FILE..."),
	"Remove profiles, and their _ts companion files. An INDEX is that of\n"
	"'mprof list' (0 the oldest, -1 the newest); an integer is always an index.\n"
	"A FILE not named mprofile_<YYYYMMDDhhmmss>.dat must be a regular file\n"
	"starting with a profile record. Symbolic links are removed, never followed.\n"
	"Nothing is removed unless every argument names a profile.\n",
	removal_opts, NULL, 0,
};

const struct opt_cmd opt_cmd_clean = {
	"clean", OPT_USAGE("mprof clean [--dry-run]"),
	"Remove every profile in the current directory: the files named\n"
	"mprofile_<YYYYMMDDhhmmss>.dat and their mprofile_<YYYYMMDDhhmmss>_ts.dat\n"
	"companions, and nothing else. Symbolic links so named are removed, never\n"
	"followed; directories so named are left alone.\n",
	removal_opts, NULL, 0,
};

/* rm: the profiles named, by index or file name, all checked first. */
static int rm_collect(char **args, int nargs, struct removal *rm)
{
	struct strvec all = { 0 };
	int rc = 0;

	if (!nargs)
		die_usage("rm", "a profile to remove must be given (an index or a file name)");
	if (profile_list(NULL, &all) < 0)
		return -1;
	for (int i = 0; i < nargs && rc == 0; i++) {
		const char *a;
		struct stat st;

		if (profile_arg(&all, args[i], &a) < 0)
			rc = -1;
		else if (lstat(a, &st) < 0)
			rc = error_errno("cannot remove '%s'", a);
		else if (check_named_file(a, &st) < 0)
			rc = -1;
		else
			removal_add(rm, a);
	}
	strvec_clear(&all);
	if (rc == 0)
		add_companions(rm);
	return rc;
}

/* clean: every profile here. */
static int clean_collect(char **args, int nargs, struct removal *rm)
{
	struct strvec all = { 0 };

	if (nargs)
		die_usage("clean", "takes no argument (got '%s'); to remove some profiles, use 'mprof rm'",
			  args[0]);
	if (profile_list(NULL, &all) < 0)
		return -1;
	for (size_t i = 0; i < all.n; i++) {
		struct stat st;

		if (lstat(all.v[i], &st) < 0)
			continue; /* gone meanwhile */
		if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			removal_add(rm, all.v[i]);
		else
			warning("'%s' is not a regular file; left alone", all.v[i]);
	}
	add_companions(rm);
	strvec_clear(&all);
	return 0;
}

static int remove_profiles(const struct opt_cmd *cmd, int (*collect)(char **, int, struct removal *),
			   int argc, char **argv)
{
	struct removal_args a = { 0 };
	struct removal rm = { 0 };
	int rc, nargs = opt_parse(cmd, &a, argc, argv);

	rc = collect(argv, nargs, &rm) < 0 ? EXIT_FAIL : removal_run(&rm, a.dry_run);
	removal_release(&rm);
	return rc;
}

int cmd_rm(int argc, char **argv)
{
	return remove_profiles(&opt_cmd_rm, rm_collect, argc, argv);
}

int cmd_clean(int argc, char **argv)
{
	return remove_profiles(&opt_cmd_clean, clean_collect, argc, argv);
}
