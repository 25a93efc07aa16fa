/* cgwork: a job with known memory, for the tests of the cgroup mode.
 *
 *   cgwork [-n NPROC] [-a MIB] [-f PATH -s MIB] [-S] [-w | -t MS]
 *
 * NPROC processes (itself and NPROC-1 children, default 1) each map MIB MiB
 * of anonymous memory and touch every page; the first one then writes MIB MiB
 * to PATH (page cache; with -S also synced, so that it can be reclaimed
 * without writing), and prints "ready" when all of them hold their memory.
 * Then all hold it until standard input ends (-w) or for MS milliseconds (-t,
 * default 0), and exit 0. Any failure: a message and exit 100.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static void fail(const char *what)
{
	fprintf(stderr, "cgwork: %s: %s\n", what, strerror(errno));
	_exit(100);
}

static long number(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 0) {
		fprintf(stderr, "cgwork: bad %s '%s'\n", what, s);
		exit(100);
	}
	return v;
}

static void touch_anon(long mib)
{
	size_t len = (size_t)mib * MIB;
	char *p;

	if (!len)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fail("mmap");
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

static void write_file(const char *path, long mib, int sync)
{
	static char chunk[MIB];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fail(path);
	memset(chunk, 'x', sizeof(chunk));
	for (long i = 0; i < mib; i++)
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			fail("write");
	if (sync && fsync(fd) < 0)
		fail("fsync");
	close(fd);
}

static void hold(int wait_stdin, long ms)
{
	char c;

	if (wait_stdin) {
		for (;;) {
			ssize_t n = read(0, &c, 1);

			if (n == 0 || (n < 0 && errno != EINTR))
				break;
		}
	} else {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

int main(int argc, char **argv)
{
	long nproc = 1, anon = 0, file_mib = 0, ms = 0;
	const char *path = NULL;
	int opt, sync = 0, wait_stdin = 0, ready[2];
	char c = 'r';

	while ((opt = getopt(argc, argv, "n:a:f:s:St:w")) != -1) {
		switch (opt) {
		case 'n': nproc = number(optarg, "process count"); break;
		case 'a': anon = number(optarg, "size"); break;
		case 'f': path = optarg; break;
		case 's': file_mib = number(optarg, "size"); break;
		case 'S': sync = 1; break;
		case 't': ms = number(optarg, "time"); break;
		case 'w': wait_stdin = 1; break;
		default: return 100;
		}
	}
	if (pipe(ready) < 0)
		fail("pipe");
	for (long i = 1; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			touch_anon(anon);
			if (write(ready[1], &c, 1) != 1)
				fail("write");
			close(ready[1]);
			hold(wait_stdin, ms);
			_exit(0);
		}
	}
	close(ready[1]);
	touch_anon(anon);
	if (path)
		write_file(path, file_mib, sync);
	for (long i = 1; i < nproc; i++)
		if (read(ready[0], &c, 1) != 1)
			fail("a child died");
	printf("ready\n");
	fflush(stdout);
	hold(wait_stdin, ms);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
