/* span_cost: what a span (mprof_begin + mprof_end of <mprof.h>) costs.
 *
 *   bench-span_cost                 print the figures below
 *   bench-span_cost --loop N        N spans, print nanoseconds per span
 *   bench-span_cost --burst N       N spans in bursts of BURST, each burst
 *                                   timed from an empty ring (the pauses
 *                                   between bursts are not counted)
 *
 * Figures: not profiled (MPROF_EVENTS unset: a load and a branch per call);
 * profiled, with a reader that empties the ring and drains the FIFO every
 * 5 ms: in bursts that the ring holds (no system call), and in one long
 * stream that overflows it (then two write(2) calls per span, beside the
 * floor of two bare write(2) calls of the same size); profiled under
 * `mprof run` ($MPROF, or mprof on PATH), where mprof turns each span into a
 * FUNC record, in bursts and in one stream.
 */
#include <mprof.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The floor: two write(2) calls of event-sized lines per span, nothing else. */
static int floor_loop(long n)
{
	static const char line[] = "B 1234567 1234567 1795695938.886123 span\n";
	int guard, fd = mprof__open(getenv("MPROF_EVENTS"), &guard);
	double t0, t1;

	if (fd < 0)
		return 1;
	t0 = mono();
	for (long i = 0; i < n; i++) {
		/* waiting for room when the pipe is full, as the header does */
		if (mprof__send(fd, line, sizeof(line) - 1) < 0 ||
		    mprof__send(fd, line, sizeof(line) - 1) < 0)
			return 1;
	}
	t1 = mono();
	printf("%.3f\n", (t1 - t0) / (double)n * 1e9);
	return 0;
}

static int loop(long n)
{
	double t0, t1;

	mprof_mark("warm up"); /* the one-time set-up is not counted */
	t0 = mono();
	for (long i = 0; i < n; i++) {
		mprof_begin("span");
		__asm__ volatile("" ::: "memory");
		mprof_end();
	}
	t1 = mono();
	printf("%.3f\n", (t1 - t0) / (double)n * 1e9);
	return 0;
}

#define BURST 2000 /* spans: 4000 events, in a ring of 8192 slots */

static int burst_loop(long n)
{
	struct mprof__ring *r;
	double total = 0;
	long done = 0;

	mprof_mark("warm up");
	r = __atomic_load_n(&mprof__ring_p, __ATOMIC_ACQUIRE);
	if (!r)
		return 1;
	while (done < n) {
		double t0, t1;
		long i;

		while (__atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) !=
		       __atomic_load_n(&r->head, __ATOMIC_ACQUIRE))
			usleep(1000);
		t0 = mono();
		for (i = 0; i < BURST && done < n; i++, done++) {
			mprof_begin("span");
			__asm__ volatile("" ::: "memory");
			mprof_end();
		}
		t1 = mono();
		total += t1 - t0;
	}
	if (mprof__fifo_only)
		return 1;
	printf("%.3f\n", total / (double)n * 1e9);
	return 0;
}

/* A ring as mprof makes it, beside the FIFO path (ring.c). */
static int make_ring(const char *path)
{
	size_t len = sizeof(struct mprof__ring) + 8192 * (size_t)MPROF__SLOT;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	struct mprof__ring *r;

	if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
		return -1;
	r = (struct mprof__ring *)mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (r == MAP_FAILED)
		return -1;
	r->nslots = 8192;
	r->slot_size = MPROF__SLOT;
	r->version = 1;
	r->magic = MPROF__RING_MAGIC;
	munmap(r, len);
	return 0;
}

/* Empty the ring at path (as mprof does, less the parsing). */
static void empty_ring(const char *path)
{
	static struct mprof__ring *r;
	size_t len = sizeof(struct mprof__ring) + 8192 * (size_t)MPROF__SLOT;

	if (!r) {
		int fd = open(path, O_RDWR);

		if (fd < 0)
			return;
		r = (struct mprof__ring *)mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (r == MAP_FAILED) {
			r = NULL;
			return;
		}
	}
	__atomic_store_n(&r->tail, __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

/* Run argv (with MPROF_EVENTS=events, or unset), return what it prints as a
 * number, or -1. */
static double run_child(char *const argv[], const char *events)
{
	int p[2], status;
	char buf[256] = "";
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		if (events)
			setenv("MPROF_EVENTS", events, 1);
		else
			unsetenv("MPROF_EVENTS");
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !len)
		return -1;
	return strtod(buf, NULL);
}

/* A FIFO and a process that reads and drops everything written to it, every
 * 5 ms (a reader blocked in read(2) would be woken by every event, and the
 * figure would be that of two context switches). */
static pid_t drainer(const char *path, const char *ring)
{
	pid_t pid;

	if (mkfifo(path, 0600) < 0 || make_ring(ring) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[65536];
		/* O_RDWR: open at once, and never an end-of-file */
		int fd = open(path, O_RDWR | O_NONBLOCK);

		(void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
		for (;;) {
			while (read(fd, buf, sizeof(buf)) > 0)
				;
			empty_ring(ring);
			usleep(5000);
		}
	}
	return pid;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of three runs; -1 if one failed. */
static double median3(char *const argv[], const char *events)
{
	double v[3];

	for (int i = 0; i < 3; i++)
		if ((v[i] = run_child(argv, events)) < 0)
			return -1;
	qsort(v, 3, sizeof(*v), cmp_double);
	return v[1];
}

int main(int argc, char **argv)
{
	char self[4096], dir[] = "/tmp/span-cost-XXXXXX", fifo[64], ring[64], dat[64], count[32];
	const char *mprof = getenv("MPROF");
	long n_off = 50000000, n_on = 100000;
	double off, on, burst, floor_ns, run = -1, run_burst = -1;
	ssize_t sl;
	pid_t d;

	if (argc == 3 && !strcmp(argv[1], "--loop"))
		return loop(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--burst"))
		return burst_loop(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--floor"))
		return floor_loop(atol(argv[2]));
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl < 0 || !mkdtemp(dir))
		return 1;
	self[sl] = '\0';
	snprintf(fifo, sizeof(fifo), "%s/events", dir);
	snprintf(ring, sizeof(ring), "%s/ring", dir);
	snprintf(dat, sizeof(dat), "%s/p.dat", dir);

	snprintf(count, sizeof(count), "%ld", n_off);
	off = median3((char *const[]){ self, "--loop", count, NULL }, NULL);

	snprintf(count, sizeof(count), "%ld", n_on);
	d = drainer(fifo, ring);
	if (d < 0 || setenv("MPROF_RING", ring, 1) < 0)
		return 1;
	/* the reader is there before the program looks (else: not profiled) */
	usleep(100000);
	burst = median3((char *const[]){ self, "--burst", count, NULL }, fifo);
	on = median3((char *const[]){ self, "--loop", count, NULL }, fifo);
	floor_ns = median3((char *const[]){ self, "--floor", count, NULL }, fifo);
	kill(d, SIGTERM);
	waitpid(d, NULL, 0);
	unsetenv("MPROF_RING");

	if (!mprof || !*mprof)
		mprof = "mprof";
	run = median3((char *const[]){ (char *)mprof, "run", "--force", "-o", dat, self, "--loop",
				       count, NULL }, NULL);
	run_burst = median3((char *const[]){ (char *)mprof, "run", "--force", "-T", "0.01", "-o", dat,
					     self, "--burst", count, NULL }, NULL);

	printf("C span (mprof_begin + mprof_end), median of 3 runs:\n");
	printf("  not profiled:                   %8.2f ns per span (%ld spans)\n", off, n_off);
	printf("  profiled, ring emptied every 5 ms, bursts of %d: %8.3f us per span (%ld spans)\n",
	       BURST, burst / 1000, n_on);
	printf("  profiled, FIFO read every 5 ms: %8.2f us per span (%ld spans in one stream: the ring\n"
	       "                                  overflows, then the FIFO carries them)\n", on / 1000, n_on);
	printf("    floor: two bare write(2):     %8.2f us per span (the system's cost)\n",
	       floor_ns / 1000);
	if (run >= 0)
		printf("  profiled under mprof run:       %8.2f us per span (%ld spans, each a FUNC record)\n",
		       run / 1000, n_on);
	else
		printf("  profiled under mprof run:       n/a (no mprof: set MPROF)\n");
	if (run_burst >= 0)
		printf("  under mprof run -T 0.01, bursts of %d: %8.3f us per span (%ld spans)\n", BURST,
		       run_burst / 1000, n_on);
	unlink(dat);
	unlink(fifo);
	unlink(ring);
	rmdir(dir);
	return off < 0 || on < 0 || burst < 0;
}
