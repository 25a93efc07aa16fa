#include "breakdown.h"

#include "proc.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

#define STATUS_BUF 4096

static const struct {
	const char *key;   /* with its colon */
	size_t len;
	const char *name;
} kinds[MEM_KIND_COUNT] = {
	[MEM_KIND_ANON] = { "RssAnon:", 8, "anon" },
	[MEM_KIND_FILE] = { "RssFile:", 8, "file" },
	[MEM_KIND_SHMEM] = { "RssShmem:", 9, "shmem" },
	[MEM_KIND_SWAP] = { "VmSwap:", 7, "swap" },
};

const char *mem_kind_name(enum mem_kind k)
{
	return kinds[k].name;
}

/* Which of the keys the line at p starts with, or -1. They all start with
 * 'R' or 'V', which few other lines do. */
static int line_kind(const char *p)
{
	if (*p != 'R' && *p != 'V')
		return -1;
	for (int k = 0; k < MEM_KIND_COUNT; k++)
		if (strncmp(p, kinds[k].key, kinds[k].len) == 0)
			return k;
	return -1;
}

bool kinds_parse(const char *status, struct mem_kinds *out)
{
	struct mem_kinds k = { { 0 } };
	unsigned found = 0;
	const char *p = status;

	while (p && *p && found != (1u << MEM_KIND_COUNT) - 1) {
		int kind = line_kind(p);

		if (kind >= 0) {
			const char *v = p + kinds[kind].len;
			uint64_t kb;

			if (!proc_scan_u64(&v, &kb))
				return false;
			k.v[kind] = kb * 1024;
			found |= 1u << kind;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (found != (1u << MEM_KIND_COUNT) - 1)
		return false;
	*out = k;
	return true;
}

void kinds_reader_init(struct kinds_reader *r, pid_t pid)
{
	r->pid = pid;
	r->fd = -1;
}

/* A read that fails (the process has gone, or its pid was taken by another
 * process since the file was opened) opens the file again, once. */
bool kinds_read(struct kinds_reader *r, struct mem_kinds *out)
{
	char buf[STATUS_BUF];

	for (int tries = 0; tries < 2; tries++) {
		if (r->fd < 0 && (r->fd = proc_open_file(r->pid, "status")) < 0)
			return false;
		if (pread_str(r->fd, buf, sizeof(buf)) > 0)
			return kinds_parse(buf, out);
		kinds_reader_close(r);
	}
	return false;
}

void kinds_reader_close(struct kinds_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void mem_kinds_add(struct mem_kinds *sum, const struct mem_kinds *k)
{
	for (int i = 0; i < MEM_KIND_COUNT; i++)
		sum->v[i] += k->v[i];
}
