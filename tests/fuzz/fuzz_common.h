/* fuzz_common: what the libFuzzer harnesses share: the entry points, a memfd
 * that the streaming reader reads each input back from, and CHECK, which
 * aborts (a finding) when a promise of the code under test is broken. */
#ifndef MPROF_FUZZ_COMMON_H
#define MPROF_FUZZ_COMMON_H

#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s (line %d)\n", #c, __LINE__); abort(); } } while (0)

static int memfd = -1;
static char memfd_path[64];

/* Quiet messages, and a memfd named NAME readable at memfd_path. */
static inline void fuzz_setup(const char *name)
{
	error_set_quiet(true);
	memfd = memfd_create(name, MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
}

#endif
