#include "spawn.h"

#include "cgroup.h"
#include "channel.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_find_program(const char *name, char **path)
{
	const char *dirs = getenv("PATH");
	char dflt[256];
	int err = ENOENT;

	if (!*name) {
		errno = ENOENT;
		return -1;
	}
	if (strchr(name, '/')) {
		struct stat st;

		if (stat(name, &st) < 0)
			return -1;
		if (S_ISDIR(st.st_mode) || access(name, X_OK) < 0) {
			errno = EACCES;
			return -1;
		}
		*path = xstrdup(name);
		return 0;
	}
	if (!dirs) {
		if (confstr(_CS_PATH, dflt, sizeof(dflt)) == 0)
			snprintf(dflt, sizeof(dflt), "/bin:/usr/bin");
		dirs = dflt;
	}
	for (const char *p = dirs;; p++) {
		const char *end = strchrnul(p, ':');
		char *cand = end == p ? xasprintf("%s", name) : xasprintf("%.*s/%s", (int)(end - p), p, name);
		struct stat st;

		if (stat(cand, &st) == 0) {
			if (S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
				*path = cand;
				return 0;
			}
			err = EACCES;
		}
		free(cand);
		if (!*end)
			break;
		p = end;
	}
	errno = err;
	return -1;
}

int spawn_error(const char *name, int err)
{
	struct stat st;

	if (err == ENOENT && !strchr(name, '/') && stat(name, &st) == 0 && !S_ISDIR(st.st_mode))
		return error("cannot run '%s': %s; did you mean ./%s?", name, strerror(err), name);
	return error("cannot run '%s': %s", name, strerror(err));
}

/* The environment of the program: ours, with MPROF_EVENTS naming the channel. */
static char **child_env(const char *events_path)
{
	struct strvec env = { 0 };
	size_t kl = strlen(MPROF_EVENTS_ENV);

	for (char **e = environ; e && *e; e++)
		if (!(strncmp(*e, MPROF_EVENTS_ENV, kl) == 0 && (*e)[kl] == '='))
			strvec_push(&env, *e);
	if (events_path)
		strvec_push_nodup(&env, xasprintf("%s=%s", MPROF_EVENTS_ENV, events_path));
	if (!env.v)
		env.v = xcalloc(1, sizeof(*env.v));
	return env.v;
}

static void free_env(char **env)
{
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

int spawn_start(char *const argv[], const char *events_path, const sigset_t *mask,
		const struct cgroup *cg, pid_t *pid, int *exec_errno)
{
	char **env = child_env(events_path);
	int pipefd[2], err = 0;
	ssize_t n;

	*exec_errno = 0;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		free_env(env);
		return error_errno("cannot make a pipe");
	}
	/* vfork: no copy of our page tables, and we sleep until the exec. The
	 * child only sets its signal mask, execs, and reports a failure. */
	*pid = vfork();
	if (*pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		free_env(env);
		return error_errno("cannot fork");
	}
	if (*pid == 0) {
		sigprocmask(SIG_SETMASK, mask, NULL);
		close(pipefd[0]);
		/* a cgroup that cannot be joined: its errno, negated */
		if (cg && cgroup_join_child(cg) < 0) {
			err = -errno;
		} else {
			execvpe(argv[0], argv, env);
			err = errno;
		}
		while (write(pipefd[1], &err, sizeof(err)) < 0 && errno == EINTR)
			;
		_exit(127);
	}
	close(pipefd[1]);
	free_env(env);
	do
		n = read(pipefd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n != sizeof(err))
		return 0; /* the pipe was closed by the exec */
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (err < 0) {
		*exec_errno = -err;
		return error("cannot start '%s' in the cgroup %s: %s", argv[0], cg->path, strerror(-err));
	}
	*exec_errno = err;
	return spawn_error(argv[0], err);
}

int spawn_reap(pid_t pid, bool block, struct spawn_exit *ex)
{
	struct proc_stat st;
	siginfo_t si;
	int status, r;

	/* First wait without reaping: the zombie's /proc/PID/stat tells
	 * whether it reaped children of its own. */
	memset(&si, 0, sizeof(si));
	do
		r = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT | (block ? 0 : WNOHANG));
	while (r < 0 && errno == EINTR);
	if (r < 0 || si.si_pid == 0)
		return r < 0 ? -1 : 0;
	memset(ex, 0, sizeof(*ex));
	ex->cminflt = proc_read_stat(pid, &st) ? st.cminflt : UINT64_MAX;
	do
		r = (int)wait4(pid, &status, 0, &ex->ru);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -1;
	ex->signaled = WIFSIGNALED(status);
	ex->status = ex->signaled ? WTERMSIG(status) : WEXITSTATUS(status);
	return 1;
}

int spawn_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}
