/* A hash map from 64-bit keys to pointers, open addressing.  The analyzer
 * keys segments by shmid, processes by pid, stacks by hash. */
#ifndef SHMTRACE_MAP_H
#define SHMTRACE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map {
	struct map_slot *slots;
	size_t cap;  /* a power of two, or 0 */
	size_t used; /* live entries */
	size_t dead; /* tombstones */
};

struct map_slot {
	uint64_t key;
	void *value; /* NULL: empty; DEAD: removed */
};

void *map_get(const struct map *m, uint64_t key);
int map_put(struct map *m, uint64_t key, void *value); /* replaces; -1 out of memory */
void *map_remove(struct map *m, uint64_t key);
void map_free(struct map *m);

/* Iteration: for (size_t i = 0; map_next(m, &i, &key, &value);) */
int map_next(const struct map *m, size_t *i, uint64_t *key, void **value);

#endif
