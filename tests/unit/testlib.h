/* testlib: what the Check suites share: running the mprof binary, temporary
 * directories, files and fixtures. */
#ifndef MPROF_TESTLIB_H
#define MPROF_TESTLIB_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* Start argv (argv[0] "mprof": the binary under test) in dir, without
 * waiting: standard input from /dev/null, its output added to dir/log, its
 * temporary files in dir (TMPDIR), in a process group of its own (as a shell
 * with job control starts a program), killed if the test ends first. */
pid_t tl_start(const char *dir, const char *const argv[]);
#define TL_START(dir, ...) tl_start((dir), (const char *const[]){ __VA_ARGS__, NULL })
/* Wait for pid, a child of the test; its status as tl_run gives it. Kills
 * it and fails the test after timeout seconds. */
int tl_wait(pid_t pid, double timeout);
/* SIGKILL pid, a child of the test, and reap it. */
void tl_kill_wait(pid_t pid);
/* Seconds on the monotonic clock; sleep for ms milliseconds, signals or not. */
double tl_now(void);
void tl_sleep_ms(long ms);

/* A fresh private directory, removed by tl_rmrf. Caller frees the string. */
char *tl_tmpdir(void);
void tl_rmrf(const char *path);
char *tl_path(const char *dir, const char *name); /* dir/name, caller frees */

char *tl_read_file(const char *path, size_t *len);  /* NULL if missing */
void tl_write_file(const char *path, const char *content);
/* The Python-written fixtures: $SHARED_ROOT/fixtures/python-mprof (SHARED_ROOT
 * unset or empty: ../shared beside the source tree). Caller frees. */
char *tl_shared_fixtures(void);
/* One of them, NAME (or, where it is missing, its copy in tests/data).
 * Caller frees. */
char *tl_fixture(const char *name);
/* tests/data/NAME in the source tree. Caller frees. */
char *tl_data(const char *name);
/* Number of lines of text starting with prefix. */
int tl_count_prefix(const char *text, const char *prefix);

/* A check that cannot run here says so: one line "SKIP: reason" on standard
 * error, in the test log, where `make check` counts it. The caller then
 * returns. Never return early from a check without it. */
void tl_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether python3 with json and xml.etree can read what a test checks with
 * them; false after a SKIP line when not. */
bool tl_have_python_json_xml(void);

/* Another user, for checks of permissions as root (who may do anything):
 * run commands as user nobody (uid and gid 65534) with tl_run_env, argv
 * starting with TL_AS_NOBODY, in a directory prepared by tl_nobody_mprof.
 * setpriv keeps its own privileges up to the exec of its program, so it could
 * start one that nobody cannot reach: env, started by setpriv, execs the
 * program as nobody proper. */
#define TL_SETPRIV "/usr/bin/setpriv"
#define TL_AS_NOBODY TL_SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/env", "--"

/* Opens dir to all (0755) and returns the mprof binary that nobody can run
 * with dir as working directory: the one under test, or, when nobody cannot
 * reach it (a checkout in a private directory such as /root), a copy of it in
 * dir, named relative to dir. Finds out by running it once as nobody. NULL,
 * after tl_skip naming `what` and the reason, when nobody cannot run it.
 * Caller frees. */
char *tl_nobody_mprof(const char *dir, const char *what);

/* Run one suite; returns the process exit status. */
int tl_run_suite(Suite *s);

#endif
