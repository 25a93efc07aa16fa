/* profile_list: finding profiles in the current directory, as the Python tool
 * does: files named mprofile_<YYYYMMDDhhmmss>.dat, oldest first (index 0),
 * negative indices counting from the newest. */
#ifndef MPROF_PROFILE_LIST_H
#define MPROF_PROFILE_LIST_H

#include "util.h"

#include <getopt.h>
#include <stdbool.h>

/* mprofile_<14 digits>.dat */
bool profile_name_ok(const char *name);
/* mprofile_<14 digits>_ts.dat, the Python tool's timestamp companion */
bool profile_ts_name_ok(const char *name);
/* Profiles in directory dir (NULL: "."), sorted oldest first; directories
 * so named are left out, symbolic links are not followed. -1 on error (reported). */
int profile_list(const char *dir, struct strvec *out);
/* Turn FILE|INDEX arguments into file names, without repeats. With no argument,
 * the newest profile. -1 (reported, naming the argument) when one does not resolve. */
int profile_resolve(char *const *args, int nargs, struct strvec *out);

/* getopt_long for commands taking FILE|INDEX arguments: a negative integer
 * ("-1", the newest profile) is an argument, not an option. Returns the next
 * option as getopt_long does, or -1 at the end; arguments, in their order, go
 * to args. shortopts must start with '+'. */
int profile_getopt(int argc, char **argv, const char *shortopts,
		   const struct option *longopts, struct strvec *args);

#endif
