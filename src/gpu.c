#include "gpu.h"

#include "util.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* The few NVML types and calls used, as nvml.h declares them. */
typedef int nvml_return;
typedef struct nvml_device *nvml_device;
#define NVML_SUCCESS 0
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_VALUE_NOT_AVAILABLE (~0ull)

struct nvml_process_info {   /* nvmlProcessInfo_t (v2), of the _v2 and _v3 calls */
	unsigned int pid;
	unsigned long long used;
	unsigned int gpu_instance, compute_instance;
};

typedef nvml_return (*procs_fn)(nvml_device, unsigned int *, struct nvml_process_info *);

struct gpu {
	void *lib;
	nvml_return (*shutdown)(void);
	const char *(*error_string)(nvml_return);
	procs_fn procs[2];          /* compute, graphics */
	nvml_device *dev;
	unsigned ndev;
	struct nvml_process_info *info;
	size_t cap;
	uint64_t *used;             /* per pid asked for, on one device */
	size_t used_cap;
	bool failed;                /* said once */
};

static void *sym(void *lib, const char *const *names)
{
	for (; *names; names++) {
		void *p = dlsym(lib, *names);

		if (p)
			return p;
	}
	return NULL;
}

static const char *nvml_error(const struct gpu *g, nvml_return r)
{
	const char *s = g->error_string ? g->error_string(r) : NULL;

	return s ? s : "unknown error";
}

/* The calls, newest names first. */
static int gpu_bind(struct gpu *g, nvml_return (**init)(void), nvml_return (**count)(unsigned int *),
		    nvml_return (**handle)(unsigned int, nvml_device *))
{
	*init = sym(g->lib, (const char *const[]){ "nvmlInit_v2", "nvmlInit", NULL });
	*count = sym(g->lib, (const char *const[]){ "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", NULL });
	*handle = sym(g->lib, (const char *const[]){ "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex",
						       NULL });
	g->shutdown = sym(g->lib, (const char *const[]){ "nvmlShutdown", NULL });
	g->error_string = sym(g->lib, (const char *const[]){ "nvmlErrorString", NULL });
	g->procs[0] = sym(g->lib, (const char *const[]){ "nvmlDeviceGetComputeRunningProcesses_v3",
							  "nvmlDeviceGetComputeRunningProcesses_v2", NULL });
	g->procs[1] = sym(g->lib, (const char *const[]){ "nvmlDeviceGetGraphicsRunningProcesses_v3",
							  "nvmlDeviceGetGraphicsRunningProcesses_v2", NULL });
	if (!*init || !*count || !*handle || !g->shutdown || !g->procs[0])
		return -1;
	return 0;
}

static int gpu_devices_open(struct gpu *g, const char *name)
{
	nvml_return (*init)(void), (*count)(unsigned int *), (*handle)(unsigned int, nvml_device *);
	unsigned int n = 0;
	nvml_return r;

	if (gpu_bind(g, &init, &count, &handle) < 0)
		return error("--gpu: '%s' is not NVIDIA's management library (NVML), or too old: it lacks "
			     "nvmlInit_v2 or nvmlDeviceGetComputeRunningProcesses_v2", name);
	if ((r = init()) != NVML_SUCCESS)
		return error("--gpu: NVIDIA's management library cannot start: %s", nvml_error(g, r));
	if ((r = count(&n)) != NVML_SUCCESS || n == 0) {
		g->shutdown();
		return error("--gpu: no NVIDIA GPU%s%s", r != NVML_SUCCESS ? ": " : "",
			     r != NVML_SUCCESS ? nvml_error(g, r) : "");
	}
	g->dev = xcalloc(n, sizeof(*g->dev));
	for (unsigned int i = 0; i < n; i++) {
		if ((r = handle(i, &g->dev[i])) != NVML_SUCCESS) {
			g->shutdown();
			return error("--gpu: cannot use GPU %u: %s", i, nvml_error(g, r));
		}
	}
	g->ndev = n;
	return 0;
}

struct gpu *gpu_open(void)
{
	const char *env = getenv(GPU_LIBRARY_ENV);
	const char *name = env && *env ? env : GPU_LIBRARY;
	struct gpu *g = xcalloc(1, sizeof(*g));

	g->lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!g->lib) {
		const char *why = dlerror();

		error("--gpu: cannot load NVIDIA's management library '%s' (is the NVIDIA driver installed?): %s",
		      name, why ? why : "not found");
		free(g);
		return NULL;
	}
	if (gpu_devices_open(g, name) < 0) {
		dlclose(g->lib);
		free(g->dev);
		free(g);
		return NULL;
	}
	return g;
}

unsigned gpu_devices(const struct gpu *g)
{
	return g->ndev;
}

/* The index of pid in pids, or -1. */
static long index_of(pid_t pid, const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return (long)i;
	return -1;
}

/* The processes of one kind on one device into g->info: how many, or -1. */
static long device_procs(struct gpu *g, procs_fn fn, nvml_device dev)
{
	for (int tries = 0; tries < 4; tries++) {
		unsigned int count = (unsigned int)g->cap;
		nvml_return r = fn(dev, &count, g->info);

		if (r == NVML_SUCCESS)
			return count;
		if (r != NVML_ERROR_INSUFFICIENT_SIZE) {
			if (!g->failed)
				warning("--gpu: cannot read the processes of a GPU: %s; GPU memory is missing from "
					"those samples", nvml_error(g, r));
			g->failed = true;
			return -1;
		}
		XGROW(g->info, g->cap, (size_t)count + 16);
	}
	return -1;
}

/* A process that both computes and draws is in both lists of a device,
 * with the same memory: it is counted once per device. */
bool gpu_read(struct gpu *g, const pid_t *pids, size_t n, uint64_t *bytes)
{
	uint64_t sum = 0;

	XGROW(g->used, g->used_cap, n + 1);
	for (unsigned d = 0; d < g->ndev; d++) {
		memset(g->used, 0, n * sizeof(*g->used));
		for (int k = 0; k < 2; k++) {
			long m;

			if (!g->procs[k])
				continue;
			if ((m = device_procs(g, g->procs[k], g->dev[d])) < 0)
				return false;
			for (long i = 0; i < m; i++) {
				long at = index_of((pid_t)g->info[i].pid, pids, n);

				if (at >= 0 && g->info[i].used != NVML_VALUE_NOT_AVAILABLE && g->info[i].used > g->used[at])
					g->used[at] = g->info[i].used;
			}
		}
		for (size_t i = 0; i < n; i++)
			sum += g->used[i];
	}
	*bytes = sum;
	return true;
}

void gpu_close(struct gpu *g)
{
	if (!g)
		return;
	g->shutdown();
	dlclose(g->lib);
	free(g->dev);
	free(g->info);
	free(g->used);
	free(g);
}
