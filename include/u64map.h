/*
 * u64map.h - an open-addressing hash map from 64-bit keys to 64-bit values (ids to indexes, thread
 * ids to counters): the lookup tables of the NetTrace reader and the profile builder.
 *
 * Linear probing, power-of-two capacity, grown at 50% load; no removal (u64map_clear empties it).
 * Keys are any 64-bit value (an occupancy bitmap marks used slots).
 */
#ifndef DOTNETPROF_U64MAP_H
#define DOTNETPROF_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap;     /* 0 or a power of two */
	size_t n;       /* entries */
};

#define U64MAP_INIT { NULL, NULL, NULL, 0, 0 }

void u64map_init(struct u64map *m);

/* Free the arrays; `m` is empty and reusable. */
void u64map_release(struct u64map *m);

/* Remove every entry, keeping the arrays (a cheap reset between sequence points). */
void u64map_clear(struct u64map *m);

/* The value slot of `key`, or NULL when absent. */
uint64_t *u64map_get(const struct u64map *m, uint64_t key);

/*
 * The value slot of `key`, added with value `init` when absent (*added set to 1 then, else 0; added
 * may be NULL). NULL when out of memory (errno ENOMEM, `m` unchanged). The slot is valid until the
 * next insertion.
 */
uint64_t *u64map_put(struct u64map *m, uint64_t key, uint64_t init, int *added);

#endif
