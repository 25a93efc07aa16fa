/* spike: a memory spike shorter than a sampling interval.
 *
 *   spike MIB HOLD_MS [BEFORE_MS [AFTER_MS [HWM_FILE]]]
 *
 * Sleeps BEFORE_MS (default 250), maps and touches MIB MiB, holds them HOLD_MS,
 * unmaps them, sleeps AFTER_MS (default 250), then writes this process's
 * peak resident memory (in KiB) to HWM_FILE, or to stderr as "vmhwm_kib=<n>":
 * the larger of its VmRSS read at the top of the spike and the kernel's
 * high-water mark at the end (VmHWM; a profiler that resets it, as mprof's
 * interval peaks do, leaves only the last interval's there).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HUGE ((size_t)2 << 20)

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* A field of /proc/self/status in KiB (key "VmHWM:"), or -1. */
static long status_kib(const char *key)
{
	char line[256];
	long kib = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0) {
			kib = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	double hold, before = 250, after = 250;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *p, *map;
	long hwm, top;

	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: spike MIB HOLD_MS [BEFORE_MS [AFTER_MS [HWM_FILE]]]\n");
		return 2;
	}
	len = (size_t)(atof(argv[1]) * 1048576.0);
	hold = atof(argv[2]);
	if (argc > 3)
		before = atof(argv[3]);
	if (argc > 4)
		after = atof(argv[4]);
	sleep_ms(before);
	/* 2 MiB-aligned huge pages where the kernel allows them: the spike rises
	 * in a few milliseconds instead of the ~200 ms that 16k small-page faults
	 * take on a VM */
	map = mmap(NULL, len + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("spike: mmap");
		return 1;
	}
	p = (unsigned char *)(((uintptr_t)map + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	madvise(p, len, MADV_HUGEPAGE);
	for (size_t i = 0; i < len; i += page)
		p[i] = (unsigned char)i | 1;
	top = status_kib("VmRSS:");
	sleep_ms(hold);
	munmap(map, len + HUGE);
	sleep_ms(after);
	hwm = status_kib("VmHWM:");
	if (top > hwm)
		hwm = top;
	if (argc > 5) {
		FILE *f = fopen(argv[5], "w");

		if (!f) {
			perror("spike: cannot write the high-water mark");
			return 1;
		}
		fprintf(f, "%ld\n", hwm);
		fclose(f);
	} else {
		fprintf(stderr, "vmhwm_kib=%ld\n", hwm);
	}
	return 0;
}
