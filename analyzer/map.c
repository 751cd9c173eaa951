#include "map.h"

#include <stdlib.h>

static char dead_mark;
#define DEAD ((void *)&dead_mark)

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull; /* murmur3 finalizer: pids and ids are dense */
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

/* The live slot holding KEY, or NULL. */
static struct map_slot *find(const struct map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		struct map_slot *s = &m->slots[i];
		if (!s->value)
			return NULL;
		if (s->value != DEAD && s->key == key)
			return s;
	}
}

void *map_get(const struct map *m, uint64_t key)
{
	struct map_slot *s = find(m, key);
	return s ? s->value : NULL;
}

static int grow(struct map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	if (m->used * 4 < m->cap) /* mostly tombstones: rehash at the same size */
		cap = m->cap;
	struct map_slot *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct map_slot *s = &m->slots[i];
		if (!s->value || s->value == DEAD)
			continue;
		size_t j = slot_of(s->key, cap);
		while (slots[j].value)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	m->dead = 0;
	return 0;
}

int map_put(struct map *m, uint64_t key, void *value)
{
	if ((m->used + m->dead + 1) * 4 > m->cap * 3 && grow(m) != 0)
		return -1;
	struct map_slot *tomb = NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		struct map_slot *s = &m->slots[i];
		if (s->value == DEAD) {
			if (!tomb)
				tomb = s;
			continue;
		}
		if (!s->value) {
			if (tomb) {
				s = tomb;
				m->dead--;
			}
			s->key = key;
			s->value = value;
			m->used++;
			return 0;
		}
		if (s->key == key) {
			s->value = value;
			return 0;
		}
	}
}

void *map_remove(struct map *m, uint64_t key)
{
	struct map_slot *s = find(m, key);
	if (!s)
		return NULL;
	void *old = s->value;
	s->value = DEAD;
	m->used--;
	m->dead++;
	return old;
}

int map_next(const struct map *m, size_t *i, uint64_t *key, void **value)
{
	for (; *i < m->cap; (*i)++) {
		struct map_slot *s = &m->slots[*i];
		if (s->value && s->value != DEAD) {
			*key = s->key;
			*value = s->value;
			(*i)++;
			return 1;
		}
	}
	return 0;
}

void map_free(struct map *m)
{
	free(m->slots);
	*m = (struct map){0};
}
