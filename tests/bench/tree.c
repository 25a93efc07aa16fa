/* tree: a tree of N sleeping processes (the first included), each holding
 * KIB KiB of its own, all ending after SECONDS.
 *
 *   tree N SECONDS [KIB [FANOUT]]      (KIB default 256, FANOUT default 4)
 *
 * Process i forks processes FANOUT*i+1 .. FANOUT*i+FANOUT (those below N), so
 * the tree is FANOUT-ary and about log_FANOUT(N) deep. Every process sleeps to
 * the same absolute deadline, then reaps its children and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n, i = 0, fanout = 4;
	size_t kib = 256;
	struct timespec deadline;
	double seconds;
	char *mem;

	if (argc < 3 || argc > 5 || (n = atol(argv[1])) < 1 || (seconds = atof(argv[2])) < 0) {
		fprintf(stderr, "usage: tree N SECONDS [KIB [FANOUT]]\n");
		return 2;
	}
	if (argc > 3)
		kib = (size_t)atol(argv[3]);
	if (argc > 4 && (fanout = atol(argv[4])) < 1)
		fanout = 1;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)seconds;
	deadline.tv_nsec += (long)((seconds - (time_t)seconds) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	for (long c = 1; c <= fanout; c++) {
		long child = fanout * i + c;
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
			c = 0;
		}
	}
	mem = malloc(kib * 1024 + 1);
	if (mem)
		memset(mem, 1, kib * 1024 + 1);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR)
		;
	while (wait(NULL) > 0 || errno == EINTR)
		;
	free(mem);
	return 0;
}
