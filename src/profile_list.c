#include "profile_list.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool digits14(const char *s)
{
	for (int i = 0; i < 14; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
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

static bool parse_index(const char *s, long *out)
{
	return parse_long(s, out) == 0;
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
	for (int i = 0; i < nargs; i++) {
		const char *a = args[i];
		struct stat st;
		long idx;
		int e;

		if (strcmp(a, "--") == 0)
			continue;
		e = stat(a, &st) == 0 ? 0 : errno;
		if (!e) {
			if (S_ISDIR(st.st_mode)) {
				rc = error("'%s' is a directory, not a profile", a);
				goto cleanup;
			}
			if (!strvec_contains(out, a))
				strvec_push(out, a);
		} else if (parse_index(a, &idx)) {
			long n = (long)all.n;

			if (idx < -n || idx >= n) {
				rc = error("no profile with index %s (there %s %ld)", a,
					   n == 1 ? "is" : "are", n);
				goto cleanup;
			}
			if (idx < 0)
				idx += n;
			if (!strvec_contains(out, all.v[idx]))
				strvec_push(out, all.v[idx]);
		} else {
			errno = e;
			rc = error_errno("cannot open '%s'", a);
			goto cleanup;
		}
	}
cleanup:
	strvec_clear(&all);
	return rc;
}

static bool negative_int(const char *s)
{
	if (s[0] != '-' || !s[1])
		return false;
	for (s++; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int profile_getopt(int argc, char **argv, const char *shortopts,
		   const struct option *longopts, struct strvec *args)
{
	if (optind == 0)
		optind = 1;
	while (optind < argc) {
		const char *a = argv[optind];

		if (strcmp(a, "--") == 0) {
			for (optind++; optind < argc; optind++)
				strvec_push(args, argv[optind]);
			break;
		}
		if (a[0] != '-' || !a[1] || negative_int(a)) {
			strvec_push(args, a);
			optind++;
			continue;
		}
		return getopt_long(argc, argv, shortopts, longopts, NULL);
	}
	return -1;
}
