/* gpu: GPU device memory used by processes, from NVIDIA's management library
 * (NVML), for mprof run --gpu.
 *
 * libnvidia-ml.so.1 is loaded at run time with dlopen (no build dependency):
 * the library named by $MPROF_NVML_LIBRARY if set, else the driver's. Per
 * device, the compute and graphics processes and the memory each uses
 * (nvmlDeviceGetComputeRunningProcesses, ...GraphicsRunningProcesses); the
 * memory of the pids asked for is summed over every device.
 */
#ifndef MPROF_GPU_H
#define MPROF_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GPU_LIBRARY "libnvidia-ml.so.1"
#define GPU_LIBRARY_ENV "MPROF_NVML_LIBRARY"

struct gpu;

/* Load the library and initialise it. NULL (reported: what is missing and
 * why) when there is no library, or it has no device. */
struct gpu *gpu_open(void);
/* Bytes of device memory used by the processes pids[0..n) together, over
 * all devices. False when the library fails (errno-free; said once). */
bool gpu_read(struct gpu *g, const pid_t *pids, size_t n, uint64_t *bytes);
unsigned gpu_devices(const struct gpu *g);
void gpu_close(struct gpu *g);

#endif
