/* idxmap: a hash index into an array that the caller keeps, from a key (a
 * pid, a name) to the index of its element. Open addressing, linear probing,
 * at most half full (doubled as it fills); each slot keeps the index and the
 * key's hash, so growing needs no callback and a probe skips other hashes
 * without looking at the array. Insert only; idxmap_clear empties it.
 *
 *	struct idxmap_iter it;
 *	uint64_t h = idxmap_hash_pid(pid);
 *
 *	for (size_t i = idxmap_first(&map, h, &it); i != IDXMAP_NONE; i = idxmap_next(&it))
 *		if (v[i].pid == pid)
 *			return &v[i];
 *	... append the new element to v at index n ...
 *	idxmap_put(&map, h, n);
 */
#ifndef MPROF_IDXMAP_H
#define MPROF_IDXMAP_H

#include <stddef.h>
#include <stdint.h>

#define IDXMAP_NONE SIZE_MAX

struct idxmap_slot {
	uint32_t index1;  /* index + 1; 0: empty */
	uint32_t hash;
};

struct idxmap {
	struct idxmap_slot *slots;
	size_t nslots, n;
};

struct idxmap_iter {
	const struct idxmap *m;
	size_t slot;
	uint32_t hash;
};

uint64_t idxmap_hash_pid(long pid);
uint64_t idxmap_hash_bytes(const char *s, size_t len);

/* The indices stored with hash h, one by one (the caller compares keys):
 * IDXMAP_NONE after the last. */
size_t idxmap_first(const struct idxmap *m, uint64_t h, struct idxmap_iter *it);
size_t idxmap_next(struct idxmap_iter *it);
/* Add index i (< 2^32 - 1) under hash h. */
void idxmap_put(struct idxmap *m, uint64_t h, size_t i);
/* Empty it, keeping its room. */
void idxmap_clear(struct idxmap *m);
void idxmap_release(struct idxmap *m);

#endif
