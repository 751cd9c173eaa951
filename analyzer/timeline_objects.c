#include "timeline_objects.h"

#include <stdlib.h>

int tl_grow(void **arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t want = *cap ? *cap * 2 : 64;
	void *bigger = realloc(*arr, want * size);
	if (!bigger)
		return -1;
	*arr = bigger, *cap = want;
	return 0;
}

int tl_last_object(const struct map *m, uint64_t key)
{
	uintptr_t at = (uintptr_t)map_get(m, key);
	return at ? (int)at - 1 : -1;
}

void tl_end_object(struct timeline *t, int o, unsigned long long ts, int how)
{
	struct tl_object *ob = &t->objects[o];
	if (ob->end == TL_OPEN)
		ob->t1 = tl_not_before(ts, ob->t0), ob->end = how;
}

int tl_new_object(struct timeline *t, struct map *index, uint64_t key, unsigned long long ts)
{
	int old = tl_last_object(index, key);
	if (old >= 0)
		tl_end_object(t, old, ts, TL_REPLACED);
	if (GROW(t, t->objects, t->nobjects, t->capobjects))
		return -1;
	t->objects[t->nobjects] = (struct tl_object){.name = -1, .t0 = ts, .creator = -1, .create_stack = -1,
						    .rm_proc = -1, .rm_stack = -1};
	map_put(index, key, (void *)(uintptr_t)(t->nobjects + 1));
	return (int)t->nobjects++;
}
