/* fake_nvml: a stand-in for NVIDIA's management library (libnvidia-ml.so.1)
 * that answers the few calls mprof run --gpu makes, for its tests, on
 * machines without a GPU. Loaded through MPROF_NVML_LIBRARY.
 *
 * Every descendant of the process that loads it (mprof: the program and its
 * children) uses FAKE_NVML_MIB MiB (default 100) on each of FAKE_NVML_DEVICES
 * devices (default 1), as a compute process; the first of them is also a
 * graphics process, with the same memory. Process 1 uses 999 MiB on each
 * device: it is not the program's, and must not be counted.
 * FAKE_NVML_FAIL=init: nvmlInit_v2 fails ("Driver Not Loaded").
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1024ull * 1024ull)
#define MAX_PROCS 256

struct info {
	unsigned int pid;
	unsigned long long used;
	unsigned int gpu_instance, compute_instance;
};

/* The calls answered, as the library exports them. */
int nvmlInit_v2(void);
int nvmlShutdown(void);
const char *nvmlErrorString(int r);
int nvmlDeviceGetCount_v2(unsigned int *n);
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **dev);
int nvmlDeviceGetComputeRunningProcesses_v3(void *dev, unsigned int *count, struct info *infos);
int nvmlDeviceGetGraphicsRunningProcesses_v3(void *dev, unsigned int *count, struct info *infos);

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

int nvmlInit_v2(void)
{
	const char *f = getenv("FAKE_NVML_FAIL");

	return f && !strcmp(f, "init") ? 9 : 0;
}

int nvmlShutdown(void)
{
	return 0;
}

const char *nvmlErrorString(int r)
{
	return r == 9 ? "Driver Not Loaded" : r == 7 ? "Insufficient Size" : "Unknown Error";
}

int nvmlDeviceGetCount_v2(unsigned int *n)
{
	*n = (unsigned int)env_int("FAKE_NVML_DEVICES", 1);
	return 0;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **dev)
{
	*dev = (void *)(unsigned long)(i + 1);
	return 0;
}

/* The descendants of the calling process, from /proc. */
static int descendants(unsigned int *out, int cap)
{
	static unsigned int pid[4096], ppid[4096];
	int n = 0, found = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	while (d && (de = readdir(d)) && n < 4096) {
		char path[300], buf[512], *p;
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %u", &ppid[n]) == 1)
			pid[n++] = (unsigned int)atoi(de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	/* breadth first from us */
	for (int k = -1; k < found; k++) {
		unsigned int root = k < 0 ? (unsigned int)getpid() : out[k];

		for (int i = 0; i < n && found < cap; i++)
			if (ppid[i] == root)
				out[found++] = pid[i];
	}
	return found;
}

static int answer(unsigned int *count, struct info *infos, bool graphics)
{
	unsigned int pids[MAX_PROCS];
	unsigned long long used = (unsigned long long)env_int("FAKE_NVML_MIB", 100) * MIB;
	int n = descendants(pids, MAX_PROCS);
	unsigned int want = graphics ? (n > 0 ? 1 : 0) : (unsigned int)n + 1;

	if (*count < want) {
		*count = want;
		return 7;
	}
	*count = want;
	for (unsigned int i = 0; i < want; i++) {
		infos[i].pid = i < (unsigned int)n ? pids[i] : 1;
		infos[i].used = i < (unsigned int)n ? used : 999 * MIB;
		infos[i].gpu_instance = infos[i].compute_instance = 0xffffffff;
	}
	return 0;
}

int nvmlDeviceGetComputeRunningProcesses_v3(void *dev, unsigned int *count, struct info *infos)
{
	(void)dev;
	return answer(count, infos, false);
}

int nvmlDeviceGetGraphicsRunningProcesses_v3(void *dev, unsigned int *count, struct info *infos)
{
	(void)dev;
	return answer(count, infos, true);
}
