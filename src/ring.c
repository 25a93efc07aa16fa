#include "ring.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The layout <mprof.h> writes (struct mprof__ring, struct mprof__slot);
 * test_ring checks that the two agree. */
#define RING_MAGIC 0x4e52504du
#define SLOT_SIZE 128
#define SLOT_NAME 96
#define SLOT_MORE 120
#define NO_NAME 0xffffu
#define SEQ_MORE (1ull << 63)
#define SPIN_NS 200000ull          /* wait this long for a slot being written */
#define HOLD_MAX (16u << 20)       /* FIFO bytes held back at most */
#define FIFO_READ_MAX (4u << 20)   /* FIFO bytes read per drain at most */

struct ring_hdr {
	uint32_t magic, version, nslots, slot_size;
	char pad0[48];
	uint64_t head;
	char pad1[56];
	uint64_t tail;
	char pad2[120];
};

struct ring_slot {
	uint64_t seq;
	int64_t sec;
	int32_t pid, tid, nsec;
	uint16_t len;
	uint8_t kind;
	uint8_t nslots;
	char name[SLOT_NAME];
};

_Static_assert(sizeof(struct ring_hdr) == 256, "ring header layout");
_Static_assert(sizeof(struct ring_slot) == SLOT_SIZE, "ring slot layout");

struct ring {
	struct ring_hdr *h;
	struct ring_slot *slots;
	size_t map_len;
	char *path;
	uint64_t stuck_pos, stuck_ns; /* the uncommitted slot waited for, since when */
	bool stuck;
	bool read_failed;             /* reading the FIFO failed (said once) */
	char *lines;                  /* the ring's events as protocol lines */
	size_t llen, lcap;
	char *held;                   /* FIFO bytes not fed yet */
	size_t hlen, hcap;
};

struct ring *ring_create(const char *path, unsigned nslots)
{
	struct ring *rg;
	size_t len = sizeof(struct ring_hdr) + (size_t)nslots * SLOT_SIZE;
	void *m;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		error_errno("cannot make the event ring '%s'", path);
		return NULL;
	}
	if (ftruncate(fd, (off_t)len) < 0) {
		error_errno("cannot size the event ring '%s'", path);
		close(fd);
		unlink(path);
		return NULL;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		error_errno("cannot map the event ring '%s'", path);
		unlink(path);
		return NULL;
	}
	rg = xcalloc(1, sizeof(*rg));
	rg->h = m;
	rg->slots = (struct ring_slot *)(rg->h + 1);
	rg->map_len = len;
	rg->path = xstrdup(path);
	rg->h->version = 1;
	rg->h->nslots = nslots;
	rg->h->slot_size = SLOT_SIZE;
	__atomic_store_n(&rg->h->magic, RING_MAGIC, __ATOMIC_RELEASE);
	return rg;
}

const char *ring_path(const struct ring *rg)
{
	return rg->path;
}

static uint64_t slot_seq(const struct ring *rg, uint64_t pos)
{
	return __atomic_load_n(&rg->slots[pos & (rg->h->nslots - 1)].seq, __ATOMIC_ACQUIRE);
}

static void put_bytes(struct ring *rg, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rg->lines[rg->llen++] = p[i] == '\n' ? ' ' : p[i];
}

/* Append the event at pos, committed and nslots long, as a protocol line. */
static void event_line(struct ring *rg, const struct ring_slot *sl, uint64_t pos, unsigned k)
{
	char head[96];
	size_t len = sl->len == NO_NAME ? 0 : sl->len, off;
	int n = snprintf(head, sizeof(head), "%c %d %d %lld.%06d", (char)sl->kind, (int)sl->pid,
			 (int)sl->tid, (long long)sl->sec, (int)(sl->nsec / 1000));

	XGROW(rg->lines, rg->lcap, rg->llen + (size_t)n + len + 2);
	memcpy(rg->lines + rg->llen, head, (size_t)n);
	rg->llen += (size_t)n;
	if (sl->len != NO_NAME) {
		rg->lines[rg->llen++] = ' ';
		off = len < SLOT_NAME ? len : SLOT_NAME;
		put_bytes(rg, sl->name, off);
		for (unsigned i = 1; i < k; i++) {
			const struct ring_slot *c = &rg->slots[(pos + i) & (rg->h->nslots - 1)];
			size_t m = len - off < SLOT_MORE ? len - off : SLOT_MORE;

			put_bytes(rg, (const char *)c + sizeof(c->seq), m);
			off += m;
		}
	}
	rg->lines[rg->llen++] = '\n';
}

/* Whether the first slot of a committed event at pos holds a sound event,
 * its continuation slots committed. */
static bool event_sound(const struct ring *rg, const struct ring_slot *sl, uint64_t pos,
			uint64_t head)
{
	unsigned k = sl->nslots;
	size_t len = sl->len == NO_NAME ? 0 : sl->len;

	if ((sl->kind != 'B' && sl->kind != 'E' && sl->kind != 'M') || !k || pos + k > head ||
	    len > SLOT_NAME + (size_t)(k - 1) * SLOT_MORE || (k > 1 && len <= SLOT_NAME))
		return false;
	for (unsigned i = 1; i < k; i++)
		if (slot_seq(rg, pos + i) != ((pos + i + 1) | SEQ_MORE))
			return false;
	return true;
}

/* Wait a little for the slot at pos to be committed. */
static bool committed_soon(const struct ring *rg, uint64_t pos)
{
	uint64_t t0 = mono_ns();

	while (slot_seq(rg, pos) != pos + 1) {
		if (mono_ns() - t0 >= SPIN_NS)
			return false;
		sched_yield();
	}
	return true;
}

/* Turn committed events from tail up to head into lines. Whether all of them
 * were read (none is left waiting for its writer). */
static bool read_ring(struct ring *rg, struct events *ev, uint64_t head, bool final)
{
	uint64_t pos = rg->h->tail;
	bool done = true;

	while (pos < head) {
		struct ring_slot *sl = &rg->slots[pos & (rg->h->nslots - 1)];
		uint64_t seq = slot_seq(rg, pos);

		if (seq == ((pos + 1) | SEQ_MORE)) {
			/* the rest of an event whose first slot was dropped */
			pos++;
			continue;
		}
		if (seq != pos + 1 && !committed_soon(rg, pos)) {
			uint64_t now = mono_ns();

			if (!rg->stuck || rg->stuck_pos != pos) {
				rg->stuck = true;
				rg->stuck_pos = pos;
				rg->stuck_ns = now;
			}
			if (!final && now - rg->stuck_ns < RING_STUCK_NS) {
				done = false;
				break;
			}
			events_count_dropped(ev, "a span event left half-written in the ring");
			rg->stuck = false;
			pos++;
			continue;
		}
		if (!event_sound(rg, sl, pos, head)) {
			events_count_dropped(ev, "a malformed event in the ring");
			pos++;
			continue;
		}
		event_line(rg, sl, pos, sl->nslots);
		pos += sl->nslots;
	}
	__atomic_store_n(&rg->h->tail, pos, __ATOMIC_RELEASE);
	return done;
}

static void read_fifo(struct ring *rg, int fd)
{
	size_t got = 0;

	while (fd >= 0 && got < FIFO_READ_MAX) {
		ssize_t n;

		XGROW(rg->held, rg->hcap, rg->hlen + 65536);
		n = read(fd, rg->held + rg->hlen, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && !rg->read_failed) {
			rg->read_failed = true;
			error_errno("cannot read the event channel; events may be lost");
		}
		if (n <= 0)
			break;
		rg->hlen += (size_t)n;
		got += (size_t)n;
	}
}

ssize_t ring_drain(struct ring *rg, struct events *ev, int fifo_fd, events_mem_fn mem, void *ctx,
		   bool final)
{
	uint64_t head;
	ssize_t fed = 0;
	bool all;
	int rc = 0;

	read_fifo(rg, fifo_fd);
	head = __atomic_load_n(&rg->h->head, __ATOMIC_ACQUIRE);
	rg->llen = 0;
	all = read_ring(rg, ev, head, final);
	if (rg->llen)
		rc |= events_feed(ev, rg->lines, rg->llen, mem, ctx);
	fed += (ssize_t)rg->llen;
	if (rg->hlen && (all || rg->hlen >= HOLD_MAX)) {
		rc |= events_feed(ev, rg->held, rg->hlen, mem, ctx);
		fed += (ssize_t)rg->hlen;
		rg->hlen = 0;
	}
	return rc < 0 ? -1 : fed;
}

uint64_t ring_reserved(const struct ring *rg)
{
	return __atomic_load_n(&rg->h->head, __ATOMIC_ACQUIRE);
}

void ring_discard(struct ring *rg)
{
	__atomic_store_n(&rg->h->tail, __atomic_load_n(&rg->h->head, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	rg->hlen = 0;
}

void ring_free(struct ring *rg)
{
	if (!rg)
		return;
	munmap(rg->h, rg->map_len);
	unlink(rg->path);
	free(rg->path);
	free(rg->lines);
	free(rg->held);
	free(rg);
}
