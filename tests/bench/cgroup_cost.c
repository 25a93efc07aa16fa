/* cgroup_cost: what one sample of the cgroup mode costs.
 *
 *   bench-cgroup_cost [N] [DIR [v1|v2]]
 *
 * Reads mprof's own memory cgroup (read-only; or DIR, such as the recorded
 * tree tests/data/cgroup-v2/sys/fs/cgroup/system.slice/nginx.service) N times
 * (default 20000) per row: each file alone, then a whole sample (current +
 * stat + events + pressure), and a whole sample with the peak. Prints the
 * wall and CPU time per read in microseconds, and for comparison a pread of
 * /proc/self/statm (what a sample of one process costs). */
#include "cgroup.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void row(struct cgroup_reader *r, const char *what, unsigned parts, long n)
{
	struct cgroup_sample s;
	double t0, c0, wall, cpu;

	for (long i = 0; i < n / 10; i++)
		cgroup_read(r, parts, &s);
	t0 = (double)mono_ns() * 1e-9;
	c0 = cpu_now();
	for (long i = 0; i < n; i++)
		if (cgroup_read(r, parts, &s) < 0) {
			perror(what);
			exit(1);
		}
	wall = (double)mono_ns() * 1e-9 - t0;
	cpu = cpu_now() - c0;
	printf("| %-38s | %8.2f | %8.2f |\n", what, wall / (double)n * 1e6, cpu / (double)n * 1e6);
}

/* The parse alone, on the text just read. */
static void parse_row(struct cgroup_reader *r, long n)
{
	struct cgroup_sample s;
	char text[CGROUP_READ_BUF];
	unsigned have = 0;
	double t0, c0;

	cgroup_read(r, CGROUP_STAT, &s);
	if (pread_str(r->stat_fd, text, sizeof(text)) < 0)
		exit(1);
	t0 = (double)mono_ns() * 1e-9;
	c0 = cpu_now();
	for (long i = 0; i < n; i++)
		if (cgroup_parse_stat(text, r->version, &s.stat, &have) < 0)
			exit(1);
	printf("| %-38s | %8.2f | %8.2f |\n", "(parsing memory.stat alone)",
	       ((double)mono_ns() * 1e-9 - t0) / (double)n * 1e6, (cpu_now() - c0) / (double)n * 1e6);
}

static void statm_row(long n)
{
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	char buf[256];
	double t0 = (double)mono_ns() * 1e-9, c0 = cpu_now();

	for (long i = 0; i < n; i++)
		if (pread_str(fd, buf, sizeof(buf)) < 0)
			exit(1);
	printf("| %-38s | %8.2f | %8.2f |\n", "(a process: /proc/self/statm)",
	       ((double)mono_ns() * 1e-9 - t0) / (double)n * 1e6, (cpu_now() - c0) / (double)n * 1e6);
	close(fd);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	struct cgroup_sys sys = { 0 };
	struct cgroup_reader r;
	enum cgroup_version v;
	char *dir, *psi = NULL;

	if (n <= 0)
		n = 20000;
	if (argc > 2) {
		dir = xstrdup(argv[2]);
		v = argc > 3 && strcmp(argv[3], "v1") == 0 ? CGROUP_V1 : CGROUP_V2;
	} else {
		if (cgroup_sys_detect(&sys) < 0 || !sys.mem_self)
			return 1;
		dir = xasprintf("%s%s", sys.mem_mount, strcmp(sys.mem_self, "/") ? sys.mem_self : "");
		if (sys.version == CGROUP_V1 && sys.v2_mount && sys.v2_self)
			psi = xasprintf("%s%s", sys.v2_mount, strcmp(sys.v2_self, "/") ? sys.v2_self : "");
		v = sys.version;
	}
	if (cgroup_reader_open(&r, v, dir, psi) < 0)
		return 1;
	printf("%s (%s)%s%s, %ld reads per row\n\n", dir, v == CGROUP_V1 ? "v1" : "v2",
	       psi ? ", pressure from " : "", psi ? psi : "", n);
	printf("| %-38s | %8s | %8s |\n", "read", "wall us", "CPU us");
	printf("|%s|%s|%s|\n", "----------------------------------------", "----------", "----------");
	row(&r, "current", CGROUP_CURRENT, n);
	row(&r, v == CGROUP_V1 ? "stat (+ kmem usage)" : "stat", CGROUP_STAT, n);
	row(&r, v == CGROUP_V1 ? "events (oom_control + 2 failcnt)" : "events", CGROUP_EVENTS, n);
	row(&r, "pressure", CGROUP_PRESSURE, n);
	row(&r, "peak", CGROUP_PEAK, n);
	row(&r, "sample: current+stat+events+pressure",
	    CGROUP_CURRENT | CGROUP_STAT | CGROUP_EVENTS | CGROUP_PRESSURE, n);
	row(&r, "sample with peak", CGROUP_ALL, n);
	parse_row(&r, n);
	statm_row(n);
	cgroup_reader_close(&r);
	cgroup_sys_release(&sys);
	free(dir);
	free(psi);
	return 0;
}
