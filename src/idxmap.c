#include "idxmap.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

uint64_t idxmap_hash_pid(long pid)
{
	uint64_t h = (uint64_t)pid * 0x9e3779b97f4a7c15ull;

	return h ^ (h >> 29);
}

uint64_t idxmap_hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 32);
}

size_t idxmap_next(struct idxmap_iter *it)
{
	const struct idxmap *m = it->m;

	if (!m->nslots)
		return IDXMAP_NONE;
	for (;; it->slot = (it->slot + 1) & (m->nslots - 1)) {
		const struct idxmap_slot *s = &m->slots[it->slot];

		if (!s->index1)
			return IDXMAP_NONE;
		if (s->hash == it->hash) {
			it->slot = (it->slot + 1) & (m->nslots - 1);
			return s->index1 - 1;
		}
	}
}

size_t idxmap_first(const struct idxmap *m, uint64_t h, struct idxmap_iter *it)
{
	it->m = m;
	it->hash = (uint32_t)h;
	it->slot = m->nslots ? it->hash & (m->nslots - 1) : 0;
	return idxmap_next(it);
}

static void place(struct idxmap_slot *slots, size_t nslots, struct idxmap_slot v)
{
	size_t s = v.hash & (nslots - 1);

	while (slots[s].index1)
		s = (s + 1) & (nslots - 1);
	slots[s] = v;
}

void idxmap_put(struct idxmap *m, uint64_t h, size_t i)
{
	if ((m->n + 1) * 2 > m->nslots) {
		size_t nslots = m->nslots ? m->nslots * 2 : 64;
		struct idxmap_slot *slots = xcalloc(nslots, sizeof(*slots));

		for (size_t k = 0; k < m->nslots; k++)
			if (m->slots[k].index1)
				place(slots, nslots, m->slots[k]);
		free(m->slots);
		m->slots = slots;
		m->nslots = nslots;
	}
	place(m->slots, m->nslots, (struct idxmap_slot){ (uint32_t)i + 1, (uint32_t)h });
	m->n++;
}

void idxmap_clear(struct idxmap *m)
{
	if (m->slots)
		memset(m->slots, 0, m->nslots * sizeof(*m->slots));
	m->n = 0;
}

void idxmap_release(struct idxmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
