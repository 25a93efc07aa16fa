/* spawn: starting a program and reaping it.
 *
 * The program is started with vfork and exec; a close-on-exec pipe tells
 * "the exec failed" (its errno comes through the pipe) from "the program
 * ran", and the child only sets its signal mask, execs and _exits. Its end is
 * reaped after a look at its zombie, which tells whether it reaped children
 * of its own. Waits are retried on EINTR.
 */
#ifndef MPROF_SPAWN_H
#define MPROF_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct cgroup;

/* Find `name` as execvp(3) would: 0 and the full path in *path (caller
 * frees), or -1 with errno (ENOENT, EACCES). */
int spawn_find_program(const char *name, char **path);

/* Report that `name` cannot be run, because of err: "cannot run 'x': ...",
 * and "did you mean ./x?" when x, not found in PATH, is a file of the
 * current directory (which PATH does not search). Returns -1. */
int spawn_error(const char *name, int err);

/* Start argv (argv[0] looked up in PATH) with our environment, in which
 * MPROF_EVENTS names events_path (none when NULL), and the signal mask
 * *mask; in the cgroup cg when not NULL (the child joins it before the
 * exec). 0 and *pid once the exec has succeeded. -1 (reported) when it did
 * not: *exec_errno is why (the child has been reaped), or 0 when no child
 * could be made. */
int spawn_start(char *const argv[], const char *events_path, const sigset_t *mask,
		const struct cgroup *cg, pid_t *pid, int *exec_errno);

/* How a program ended. */
struct spawn_exit {
	bool signaled;     /* status is the signal that killed it, else its exit status */
	int status;
	uint64_t cminflt;  /* faults of the children it reaped: 0 when it reaped none; UINT64_MAX: unknown */
	struct rusage ru;  /* ru_maxrss: its exact peak, or a reaped child's (see cminflt) */
};

/* Reap pid if it has ended (block: wait until it has): 1 with *ex, 0 while
 * it runs, -1 with errno. */
int spawn_reap(pid_t pid, bool block, struct spawn_exit *ex);

/* A pidfd for pid (Linux 5.3), or -1 with errno. */
int spawn_pidfd(pid_t pid);

#endif
