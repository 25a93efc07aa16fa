/* measure: run a command and report its wall time, the CPU of that process
 * alone (not of the children it reaps), and its peak RSS.
 *
 *   measure [-o FILE] [--] PROGRAM [ARGS...]
 *
 * The process is waited for with waitid(WNOWAIT) first: it is then a zombie
 * whose /proc entry still holds its own CPU time, before wait4() reaps it and
 * folds in the time of the children it reaped itself (a profiler's target).
 * Prints one line (to FILE or stdout):
 *   wall=<s> self_cpu=<s> self_cpu_ticks=<s> tree_cpu=<s> maxrss_kib=<n> status=<n>
 * self_cpu is the scheduler's run time of the process (ns precision, summed
 * over its threads that are still there at exit, and at least the tick-based
 * figure from /proc/PID/stat, which includes threads that ended earlier);
 * tree_cpu is user+sys from wait4 (the process and the children it reaped);
 * status is the exit code, or 128+N for a death by signal N.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_file(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return (int)n;
}

/* utime+stime of the whole process, in seconds, from /proc/PID/stat. */
static double stat_cpu(pid_t pid)
{
	char path[64], buf[4096], *p;
	unsigned long long ut, st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strrchr(buf, ')'); /* the command name may hold spaces */
	if (!p)
		return -1;
	/* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime(14) stime(15) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

/* Sum of the scheduler's run time of the threads in /proc/PID/task. */
static double sched_cpu(pid_t pid)
{
	char path[300], buf[256];
	unsigned long long ns, total = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, de->d_name);
		if (read_file(path, buf, sizeof(buf)) > 0 && sscanf(buf, "%llu", &ns) == 1)
			total += ns;
	}
	closedir(d);
	return total / 1e9;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	double t0, wall, self, ticks, tree;
	struct rusage ru;
	siginfo_t si;
	int opt, st, status;
	pid_t pid;
	FILE *f;

	while ((opt = getopt(argc, argv, "+o:")) != -1) {
		if (opt == 'o') {
			out = optarg;
		} else {
			fprintf(stderr, "usage: measure [-o FILE] [--] PROGRAM [ARGS...]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: measure [-o FILE] [--] PROGRAM [ARGS...]\n");
		return 2;
	}
	t0 = mono_s();
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "measure: cannot run '%s': %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) < 0) {
		if (errno != EINTR) {
			perror("measure: waitid");
			return 1;
		}
	}
	wall = mono_s() - t0;
	ticks = stat_cpu(pid);
	self = sched_cpu(pid);
	if (self < ticks)
		self = ticks;
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("measure: wait4");
			return 1;
		}
	}
	tree = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	f = out ? fopen(out, "w") : stdout;
	if (!f) {
		perror("measure: cannot open output");
		return 1;
	}
	fprintf(f, "wall=%.6f self_cpu=%.6f self_cpu_ticks=%.6f tree_cpu=%.6f maxrss_kib=%ld status=%d\n",
		wall, self, ticks, tree, ru.ru_maxrss, status);
	if (out)
		fclose(f);
	return 0;
}
