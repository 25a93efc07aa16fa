/* breakdown: what kind of memory a process holds, for mprof run --breakdown.
 *
 * From /proc/PID/status, kept open and read with pread (it follows the
 * process through exec): RssAnon (anonymous: heap, stacks, private
 * mappings), RssFile (file-backed pages mapped: code, mapped files), RssShmem
 * (shared memory: MAP_SHARED|MAP_ANONYMOUS, SysV, tmpfs/memfd mappings) and
 * VmSwap (swapped-out anonymous memory, not resident). The first three add up
 * to VmRSS. Only those four lines are parsed.
 */
#ifndef MPROF_BREAKDOWN_H
#define MPROF_BREAKDOWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum mem_kind {
	MEM_KIND_ANON,
	MEM_KIND_FILE,
	MEM_KIND_SHMEM,
	MEM_KIND_SWAP,
	MEM_KIND_COUNT
};

/* Bytes of each kind. */
struct mem_kinds {
	uint64_t v[MEM_KIND_COUNT];
};

/* "anon", "file", "shmem", "swap": the names used by the views and export. */
const char *mem_kind_name(enum mem_kind k);

struct kinds_reader {
	pid_t pid;
	int fd;        /* /proc/PID/status, opened at the first read; -1 */
};

void kinds_reader_init(struct kinds_reader *r, pid_t pid);
/* The process's memory by kind. False when it has vanished or has no memory
 * (a zombie: its status has no RssAnon line). */
bool kinds_read(struct kinds_reader *r, struct mem_kinds *out);
void kinds_reader_close(struct kinds_reader *r);

/* Parse a status text. False when a key is missing. */
bool kinds_parse(const char *status, struct mem_kinds *out);
void mem_kinds_add(struct mem_kinds *sum, const struct mem_kinds *k);

#endif
