/* floor: the cheapest possible sampler: a loop that only sleeps to absolute
 * deadlines, the same ones a sampler at INTERVAL would have, for DURATION.
 * Its CPU per wakeup is the floor that a real sampler is compared with.
 *
 *   floor INTERVAL DURATION      (seconds)
 *
 * Prints "wakeups=<n>" to stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec start, due;
	long long period_ns, k, n;
	double interval, duration;

	if (argc != 3 || (interval = atof(argv[1])) <= 0 || (duration = atof(argv[2])) < 0) {
		fprintf(stderr, "usage: floor INTERVAL DURATION\n");
		return 2;
	}
	period_ns = (long long)(interval * 1e9 + 0.5);
	n = (long long)(duration / interval + 0.5);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (k = 1; k <= n; k++) {
		long long ns = start.tv_nsec + k * period_ns;

		due.tv_sec = start.tv_sec + ns / 1000000000LL;
		due.tv_nsec = ns % 1000000000LL;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) != 0)
			;
	}
	printf("wakeups=%lld\n", n);
	return 0;
}
