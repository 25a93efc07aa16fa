/* steps: allocate memory in steps, then free it all.
 *
 *   steps STEP_MIB NSTEPS STEP_MS
 *
 * Every STEP_MS, maps and touches another STEP_MIB MiB; after NSTEPS steps,
 * holds for STEP_MS, frees everything and waits STEP_MS more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

int main(int argc, char **argv)
{
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char **blocks;
	double step_ms;
	int n;

	if (argc != 4 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: steps STEP_MIB NSTEPS STEP_MS\n");
		return 2;
	}
	len = (size_t)(atof(argv[1]) * 1048576.0);
	step_ms = atof(argv[3]);
	blocks = calloc((size_t)n, sizeof(*blocks));
	if (!blocks)
		return 1;
	for (int k = 0; k < n; k++) {
		sleep_ms(step_ms);
		blocks[k] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (blocks[k] == MAP_FAILED) {
			perror("steps: mmap");
			return 1;
		}
		for (size_t i = 0; i < len; i += page)
			blocks[k][i] = 1;
	}
	sleep_ms(step_ms);
	for (int k = 0; k < n; k++)
		munmap(blocks[k], len);
	sleep_ms(step_ms);
	free(blocks);
	return 0;
}
