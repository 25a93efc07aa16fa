/* tree: a tree of N sleeping processes (the first included), each holding
 * KIB KiB of its own, all ending SECONDS after the whole tree is up.
 *
 *   tree N SECONDS [KIB [FANOUT]]      (KIB default 256, FANOUT default 4)
 *
 * Process i forks processes FANOUT*i+1 .. FANOUT*i+FANOUT (those below N), so
 * the tree is FANOUT-ary and about log_FANOUT(N) deep. The tree is built
 * first (every process holds the write end of a pipe until it is set up, and
 * the first one waits for end-of-file); then every process sleeps to the same
 * absolute deadline, reaps its children and exits. So a sampler sees a steady
 * tree for SECONDS, however long the forks took on a busy machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, i = 0, fanout = 4;
	size_t kib = 256;
	struct timespec *deadline;
	int ready[2], go[2];
	double seconds;
	char *mem, c;

	if (argc < 3 || argc > 5 || (n = atol(argv[1])) < 1 || (seconds = atof(argv[2])) < 0) {
		fprintf(stderr, "usage: tree N SECONDS [KIB [FANOUT]]\n");
		return 2;
	}
	if (argc > 3)
		kib = (size_t)atol(argv[3]);
	if (argc > 4 && (fanout = atol(argv[4])) < 1)
		fanout = 1;
	deadline = mmap(NULL, sizeof(*deadline), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (deadline == MAP_FAILED || pipe(ready) < 0 || pipe(go) < 0) {
		perror("tree: setting up");
		return 1;
	}
	for (long k = 1; k <= fanout; k++) {
		long child = fanout * i + k;
		pid_t pid;

		if (child >= n)
			break;
		pid = fork();
		if (pid < 0) {
			perror("tree: fork");
			break;
		}
		if (pid == 0) {
			/* become process `child` and fork its own children */
			i = child;
			k = 0;
		}
	}
	mem = malloc(kib * 1024 + 1);
	if (mem)
		memset(mem, 1, kib * 1024 + 1);
	close(ready[1]); /* this process is set up */
	if (i == 0) {
		/* every process has closed its end of `ready` */
		while (read(ready[0], &c, 1) < 0 && errno == EINTR)
			;
		clock_gettime(CLOCK_MONOTONIC, deadline);
		deadline->tv_sec += (time_t)seconds;
		deadline->tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
		if (deadline->tv_nsec >= 1000000000L) {
			deadline->tv_sec++;
			deadline->tv_nsec -= 1000000000L;
		}
		__sync_synchronize();
		close(go[1]); /* the last write end: the others wake up */
	} else {
		close(go[1]);
		close(ready[0]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL) == EINTR)
		;
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(mem);
	return 0;
}
