#include "profile_list.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* YYYYMMDDhhmmss */
static bool digits14(const char *s)
{
	return strspn(s, "0123456789") >= 14;
}

bool profile_name_ok(const char *name)
{
	return strlen(name) == 27 && str_starts_with(name, "mprofile_") && digits14(name + 9) &&
	       strcmp(name + 23, ".dat") == 0;
}

bool profile_ts_name_ok(const char *name)
{
	return strlen(name) == 30 && str_starts_with(name, "mprofile_") && digits14(name + 9) &&
	       strcmp(name + 23, "_ts.dat") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int profile_list(const char *dir, struct strvec *out)
{
	DIR *d = opendir(dir ? dir : ".");
	struct dirent *de;

	if (!d)
		return error_errno("cannot list '%s'", dir ? dir : ".");
	while ((de = readdir(d))) {
		struct stat st;

		if (!profile_name_ok(de->d_name))
			continue;
		/* A directory so named is no profile and gets no index. */
		if (de->d_type == DT_DIR ||
		    (de->d_type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(st.st_mode)))
			continue;
		strvec_push(out, de->d_name);
	}
	closedir(d);
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return 0;
}

int profile_arg(const struct strvec *all, const char *arg, const char **name)
{
	long idx, n = (long)all->n;

	*name = arg;
	if (parse_long(arg, &idx) < 0)
		return 0;
	if (idx < -n || idx >= n)
		return error("no profile with index %s (there %s %ld)", arg, n == 1 ? "is" : "are", n);
	*name = all->v[idx < 0 ? idx + n : idx];
	return 0;
}

int profile_resolve(char *const *args, int nargs, struct strvec *out)
{
	struct strvec all = { 0 };
	int rc = 0;

	if (profile_list(NULL, &all) < 0)
		return -1;
	if (nargs == 0) {
		if (!all.n)
			rc = error("no profile found: this looks for mprofile_*.dat files, "
				   "written by 'mprof run', in the current directory");
		else
			strvec_push(out, all.v[all.n - 1]);
		goto cleanup;
	}
	for (int i = 0; i < nargs && rc == 0; i++) {
		const char *a;
		struct stat st;

		if (strcmp(args[i], "--") == 0)
			continue;
		if (profile_arg(&all, args[i], &a) < 0)
			rc = -1;
		else if (stat(a, &st) < 0)
			rc = error_errno("cannot open '%s'", a);
		else if (S_ISDIR(st.st_mode))
			rc = error("'%s' is a directory, not a profile", a);
		else if (!strvec_contains(out, a))
			strvec_push(out, a);
	}
cleanup:
	strvec_clear(&all);
	return rc;
}
