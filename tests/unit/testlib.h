/* testlib: what the Check suites share: running the mprof binary, temporary
 * directories, files and fixtures. */
#ifndef MPROF_TESTLIB_H
#define MPROF_TESTLIB_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

struct tl_result {
	int status;  /* exit status, or 128+signal */
	char *out;   /* standard output */
	char *err;   /* standard error */
};

/* Run argv (argv[0] "mprof" means the binary under test) in directory cwd
 * (NULL: current), with extra "NAME=value" environment entries (NULL-terminated
 * list, may be NULL), standard input from /dev/null. Aborts the test if it
 * cannot run, or if it runs longer than timeout seconds (0: 60 s). */
void tl_run_env(struct tl_result *r, const char *cwd, const char *const *env,
		double timeout, const char *const argv[]);
#define tl_run(r, cwd, ...) tl_run_env((r), (cwd), NULL, 0, (const char *const[]){ __VA_ARGS__, NULL })
void tl_result_free(struct tl_result *r);

/* A fresh private directory, removed by tl_rmrf. Caller frees the string. */
char *tl_tmpdir(void);
void tl_rmrf(const char *path);
char *tl_path(const char *dir, const char *name); /* dir/name, caller frees */

char *tl_read_file(const char *path, size_t *len);  /* NULL if missing */
void tl_write_file(const char *path, const char *content);
/* A Python-written fixture: ../shared/fixtures/python-mprof/NAME (or a copy in
 * tests/data). Caller frees. */
char *tl_fixture(const char *name);
/* tests/data/NAME in the source tree. Caller frees. */
char *tl_data(const char *name);
/* Number of lines of text starting with prefix. */
int tl_count_prefix(const char *text, const char *prefix);

/* Run one suite; returns the process exit status. */
int tl_run_suite(Suite *s);

#endif
