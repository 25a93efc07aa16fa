/* mprof-demo: the program the Quick start profiles (make demo).
 *
 * For about two seconds it grows its memory in steps, churns, forks a child
 * that allocates on its own, and gives its memory back in steps. Its phases
 * are marked with <mprof.h>, so the plot shows nested brackets and a marker.
 */
#include <mprof.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MiB (1024 * 1024)
#define STEPS 6

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Memory that counts: mapped, every page touched, and given back to the
 * system when freed (malloc could keep it). */
static char *take(size_t mib)
{
	char *p = mmap(NULL, mib * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mprof-demo: mmap");
		exit(1);
	}
	memset(p, 1, mib * MiB);
	return p;
}

static void give(char *p, size_t mib)
{
	munmap(p, mib * MiB);
}

static void build_index(void)
{
	MPROF_SCOPE("build_index");
	char *tmp = take(32);

	sleep_ms(120);
	give(tmp, 32);
}

static void load(char **blocks)
{
	MPROF_SCOPE("load");

	for (int i = 0; i < STEPS; i++) {
		blocks[i] = take(16);
		sleep_ms(70);
		if (i == 2)
			build_index();
	}
}

static void crunch(void)
{
	MPROF_SCOPE("crunch");

	for (int i = 0; i < 3; i++) {
		char *tmp = take(24);

		sleep_ms(100);
		give(tmp, 24);
		sleep_ms(30);
	}
}

static void work(void)
{
	MPROF_SCOPE("worker");
	char *mem = take(40);

	sleep_ms(400);
	give(mem, 40);
}

static pid_t spawn_worker(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("mprof-demo: fork");
		exit(1);
	}
	if (pid == 0) {
		work();
		_exit(0);
	}
	return pid;
}

static void release(char **blocks)
{
	MPROF_SCOPE("release");

	for (int i = STEPS; i-- > 0;) {
		give(blocks[i], 16);
		sleep_ms(60);
	}
}

int main(void)
{
	char *blocks[STEPS];
	pid_t worker;
	int status;

	sleep_ms(100);
	load(blocks);
	mprof_mark("loaded");
	worker = spawn_worker();
	crunch();
	if (waitpid(worker, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "mprof-demo: the worker failed\n");
		return 1;
	}
	release(blocks);
	sleep_ms(150);
	return 0;
}
