/*
 * u64map.c - open-addressing hash map, 64-bit keys and values. See u64map.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

void u64map_init(struct u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void u64map_release(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	u64map_init(m);
}

void u64map_clear(struct u64map *m)
{
	if (m->used)
		memset(m->used, 0, m->cap);
	m->n = 0;
}

/* A 64-bit mix (splitmix64's finaliser): ids are often small and sequential. */
static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & (cap - 1);
}

uint64_t *u64map_get(const struct u64map *m, uint64_t key)
{
	size_t i;

	if (!m->n)
		return NULL;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return &m->vals[i];
	return NULL;
}

static int grow(struct u64map *m)
{
	size_t cap = m->cap ? 2 * m->cap : 16, i, j;
	uint64_t *keys, *vals;
	uint8_t *used;

	if (cap > SIZE_MAX / sizeof(uint64_t)) {
		errno = ENOMEM;
		return -1;
	}
	keys = malloc(cap * sizeof(*keys));
	vals = malloc(cap * sizeof(*vals));
	used = calloc(cap, 1);
	if (!keys || !vals || !used) {
		free(keys);
		free(vals);
		free(used);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		for (j = slot_of(m->keys[i], cap); used[j]; j = (j + 1) & (cap - 1))
			;
		used[j] = 1;
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->used);
	m->keys = keys;
	m->vals = vals;
	m->used = used;
	m->cap = cap;
	return 0;
}

uint64_t *u64map_put(struct u64map *m, uint64_t key, uint64_t init, int *added)
{
	uint64_t *v = u64map_get(m, key);
	size_t i;

	if (added)
		*added = 0;
	if (v)
		return v;
	if (2 * (m->n + 1) > m->cap && grow(m) < 0)
		return NULL;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1))
		;
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = init;
	m->n++;
	if (added)
		*added = 1;
	return &m->vals[i];
}
