/* memwork: a target for the tests of mprof run. It runs its arguments as a
 * list of steps:
 *
 *   alloc MIB         map MIB MiB and touch every page (kept until free)
 *   free              unmap the latest allocation
 *   spike MIB MS      map MIB MiB (populated by the kernel, the fastest way),
 *                     hold it MS ms, unmap it; print "spike MIB START END"
 *                     (unix times: mapping begins, the memory is unmapped)
 *                     on standard output
 *   sleep MS          sleep MS milliseconds
 *   fork N MIB MS     start N children that each hold MIB MiB for MS ms
 *   wait              wait for all children
 *   churn N           start N short-lived children one after another
 *   ignore SIG        ignore signal SIG
 *   onsig SIG N       exit with status N on signal SIG
 *   pidfile PATH      write our pid to PATH
 *   comm NAME         set our command name
 *   mark LABEL        send a marker event to mprof (MPROF_EVENTS)
 *   marks N LABEL     send N marker events
 *   begin NAME / end  send a span begin / end event
 *   raise SIG         send ourselves SIG (with its default action)
 *   exit N            exit with status N
 *   exec PROG ARGS... replace ourselves with PROG (the rest of the arguments)
 *   vmspawn MS PROG ARGS...
 *                     start a child that shares our memory (clone CLONE_VM,
 *                     as vfork and posix_spawn do) for MS ms, then replaces
 *                     itself with PROG; wait for it and exit with its status
 *   threadexec MS PROG ARGS...
 *                     after MS ms, a second thread replaces the process with
 *                     PROG (the kernel gives it the process's pid)
 *   leaderexit MS     the main thread ends; another one exits the process
 *                     after MS ms (the process has no memory in /proc meanwhile)
 *   waitfile PATH     wait until PATH exists
 *   undumpable        make ourselves non-dumpable: our memory map can then be
 *                     read only with CAP_SYS_PTRACE (as root)
 *   mapfile MIB PATH  write a file of MIB MiB at PATH, map it shared and read
 *                     every page (file-backed resident memory, kept)
 *   shm MIB           map MIB MiB of shared anonymous memory and touch every
 *                     page (shared memory, kept)
 *   child             fork: the child runs the steps that follow and exits;
 *                     the parent waits for it and exits with its status
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define MAX_ALLOCS 64

static struct {
	void *p;
	size_t len;
} allocs[MAX_ALLOCS];
static int nallocs;
static int events_fd = -2;

static void fail(const char *what)
{
	fprintf(stderr, "memwork: %s: %s\n", what, strerror(errno));
	exit(100);
}

static void *alloc_touch(long mib)
{
	size_t len = (size_t)mib * MIB;
	char *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap");
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return p;
}

/* A file of mib MiB mapped shared, every page read: page cache mapped into
 * this process (RssFile). */
static void map_file(long mib, const char *path)
{
	size_t len = (size_t)mib * MIB;
	static char block[65536];
	volatile char sum = 0;
	char *p;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fail("open");
	memset(block, 7, sizeof(block));
	for (size_t done = 0; done < len; done += sizeof(block))
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			fail("write");
	p = mmap(NULL, len ? len : 1, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	close(fd);
	for (size_t i = 0; i < len; i += 4096)
		sum += p[i];
	(void)sum;
}

/* Shared anonymous memory, every page written (RssShmem). */
static void map_shared(long mib)
{
	size_t len = (size_t)mib * MIB;
	char *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap");
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

static void child_rest(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (pid == 0)
		return;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid");
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void send_event(const char *kind, const char *text)
{
	char buf[4200];
	int n;

	if (events_fd == -2) {
		const char *path = getenv("MPROF_EVENTS");

		events_fd = path ? open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC) : -1;
		if (events_fd >= 0)
			fcntl(events_fd, F_SETFL, 0);
	}
	if (events_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%s %d %d -%s%s\n", kind, (int)getpid(), (int)getpid(),
		     *text ? " " : "", text);
	if (write(events_fd, buf, (size_t)n) != n)
		fail("write event");
}

static int exit_code_on_signal;

static void exit_on_signal(int sig)
{
	(void)sig;
	_exit(exit_code_on_signal);
}

static long num(char **argv, int i)
{
	if (!argv[i]) {
		fprintf(stderr, "memwork: '%s' needs a number\n", argv[i - 1]);
		exit(100);
	}
	return strtol(argv[i], NULL, 10);
}

struct later {
	long ms;
	char **argv; /* NULL: exit */
};

static void *later_thread(void *arg)
{
	const struct later *l = arg;

	sleep_ms(l->ms);
	if (!l->argv)
		exit(0);
	execv(l->argv[0], l->argv);
	fail("exec");
	return NULL;
}

/* Run later_thread in a second thread; the main thread ends or waits. */
static _Noreturn void in_thread(long ms, char **exec_argv, bool end_main)
{
	static struct later l;
	pthread_t t;

	l.ms = ms;
	l.argv = exec_argv;
	if (pthread_create(&t, NULL, later_thread, &l) != 0)
		fail("pthread_create");
	if (end_main)
		pthread_exit(NULL);
	for (;;)
		pause();
}

static int vm_child(void *arg)
{
	struct later *l = arg;
	struct timespec ts = { l->ms / 1000, (l->ms % 1000) * 1000000L };

	/* Our memory is the parent's: no stdio, no malloc here. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	execv(l->argv[0], l->argv);
	_exit(127);
}

static _Noreturn void vmspawn(long ms, char **exec_argv)
{
	static struct later l;
	size_t stack_len = 256 * 1024;
	char *stack = mmap(NULL, stack_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status;
	pid_t pid;

	if (stack == MAP_FAILED)
		fail("mmap");
	l.ms = ms;
	l.argv = exec_argv;
	pid = clone(vm_child, stack + stack_len, CLONE_VM | SIGCHLD, &l);
	if (pid < 0)
		fail("clone");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid");
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spike(long mib, long ms)
{
	double start = wall_s(), end;
	size_t len = mib > 0 ? (size_t)mib * MIB : 1;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		fail("mmap");
	sleep_ms(ms);
	munmap(p, len);
	end = wall_s();
	printf("spike %ld %.6f %.6f\n", mib, start, end);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	(void)argc;
	for (int i = 1; argv[i]; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "alloc")) {
			long mib = num(argv, ++i);

			if (nallocs == MAX_ALLOCS)
				exit(100);
			allocs[nallocs].p = alloc_touch(mib);
			allocs[nallocs++].len = (size_t)mib * MIB;
		} else if (!strcmp(s, "free")) {
			if (nallocs) {
				nallocs--;
				munmap(allocs[nallocs].p, allocs[nallocs].len ? allocs[nallocs].len : 1);
			}
		} else if (!strcmp(s, "spike")) {
			spike(num(argv, i + 1), num(argv, i + 2));
			i += 2;
		} else if (!strcmp(s, "sleep")) {
			sleep_ms(num(argv, ++i));
		} else if (!strcmp(s, "fork")) {
			long n = num(argv, i + 1), mib = num(argv, i + 2), ms = num(argv, i + 3);

			i += 3;
			for (long k = 0; k < n; k++) {
				pid_t pid = fork();

				if (pid < 0)
					fail("fork");
				if (pid == 0) {
					alloc_touch(mib);
					sleep_ms(ms);
					_exit(0);
				}
			}
		} else if (!strcmp(s, "churn")) {
			long n = num(argv, ++i);

			for (long k = 0; k < n; k++) {
				pid_t pid = fork();

				if (pid < 0)
					fail("fork");
				if (pid == 0)
					_exit(0);
				waitpid(pid, NULL, 0);
			}
		} else if (!strcmp(s, "wait")) {
			while (wait(NULL) > 0 || errno == EINTR)
				;
		} else if (!strcmp(s, "onsig")) {
			int sig = (int)num(argv, i + 1);

			exit_code_on_signal = (int)num(argv, i + 2);
			i += 2;
			signal(sig, exit_on_signal);
		} else if (!strcmp(s, "ignore")) {
			signal((int)num(argv, ++i), SIG_IGN);
		} else if (!strcmp(s, "pidfile")) {
			FILE *f = fopen(argv[++i], "w");

			if (!f)
				fail("pidfile");
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		} else if (!strcmp(s, "comm")) {
			prctl(PR_SET_NAME, argv[++i]);
		} else if (!strcmp(s, "mark")) {
			send_event("M", argv[++i]);
		} else if (!strcmp(s, "marks")) {
			long n = num(argv, i + 1);

			i += 2;
			for (long k = 0; k < n; k++)
				send_event("M", argv[i]);
		} else if (!strcmp(s, "begin")) {
			send_event("B", argv[++i]);
		} else if (!strcmp(s, "end")) {
			send_event("E", "");
		} else if (!strcmp(s, "raise")) {
			int sig = (int)num(argv, ++i);

			signal(sig, SIG_DFL);
			raise(sig);
		} else if (!strcmp(s, "exit")) {
			exit((int)num(argv, ++i));
		} else if (!strcmp(s, "exec")) {
			execvp(argv[i + 1], argv + i + 1);
			fail("exec");
		} else if (!strcmp(s, "vmspawn")) {
			vmspawn(num(argv, i + 1), argv + i + 2);
		} else if (!strcmp(s, "threadexec")) {
			in_thread(num(argv, i + 1), argv + i + 2, false);
		} else if (!strcmp(s, "leaderexit")) {
			in_thread(num(argv, i + 1), NULL, true);
		} else if (!strcmp(s, "mapfile")) {
			long mib = num(argv, ++i);

			if (!argv[++i])
				exit(100);
			map_file(mib, argv[i]);
		} else if (!strcmp(s, "shm")) {
			map_shared(num(argv, ++i));
		} else if (!strcmp(s, "child")) {
			child_rest();
		} else if (!strcmp(s, "undumpable")) {
			prctl(PR_SET_DUMPABLE, 0);
		} else if (!strcmp(s, "waitfile")) {
			const char *path = argv[++i];

			while (path && access(path, F_OK) != 0)
				sleep_ms(5);
		} else {
			fprintf(stderr, "memwork: unknown step '%s'\n", s);
			return 100;
		}
	}
	return 0;
}
