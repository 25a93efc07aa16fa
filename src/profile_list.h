/* profile_list: finding profiles in the current directory, as the Python tool
 * does: files named mprofile_<YYYYMMDDhhmmss>.dat, oldest first (index 0),
 * negative indices counting from the newest. */
#ifndef MPROF_PROFILE_LIST_H
#define MPROF_PROFILE_LIST_H

#include "util.h"

#include <stdbool.h>

/* mprofile_<14 digits>.dat */
bool profile_name_ok(const char *name);
/* mprofile_<14 digits>_ts.dat, the Python tool's timestamp companion */
bool profile_ts_name_ok(const char *name);
/* Profiles in directory dir (NULL: "."), sorted oldest first; directories
 * so named are left out, symbolic links are not followed. -1 on error (reported). */
int profile_list(const char *dir, struct strvec *out);
/* One FILE|INDEX argument, against the profiles of profile_list(): an integer
 * (as strtol reads it: "2", "-1", "+0") is always an index, even when a file
 * has that name (write ./2 for that one), 0 the oldest, -1 the newest; *name
 * is then that profile. Anything else is a file name, *name = arg. -1
 * (reported) for an index out of range. */
int profile_arg(const struct strvec *all, const char *arg, const char **name);
/* Turn FILE|INDEX arguments into file names (as profile_arg), without
 * repeats. With no argument, the newest profile. -1 (reported, naming the
 * argument) when one does not resolve, or names a directory or no file. */
int profile_resolve(char *const *args, int nargs, struct strvec *out);

#endif
