#include "stacks.h"

#include <stdlib.h>
#include <string.h>

#include "../common/bytestext.h"
#include "../common/fnv.h"
#include "../common/trace_format.h"

const char *intern_path(struct map *paths, const char *path)
{
	uint64_t h = fnv_str(FNV_INIT, path);
	for (;; h++) { /* linear probing on the rare collision of 64-bit hashes */
		const char *known = map_get(paths, h);
		if (!known)
			break;
		if (strcmp(known, path) == 0)
			return known;
	}
	char *copy = strdup(path);
	if (!copy || map_put(paths, h, copy) != 0) {
		free(copy);
		return NULL;
	}
	return copy;
}

static int parse_hex(const json_t *v, uint64_t *out)
{
	unsigned long long n;
	if (!json_is_string(v) || hex_number(json_string_value(v), json_string_length(v), &n) != 0)
		return -1;
	*out = n;
	return 0;
}

static int same_frames(const struct stack *st, const struct frame *f, int n)
{
	if (st->nframes != n)
		return 0;
	for (int i = 0; i < n; i++)
		if (st->frames[i].ip != f[i].ip || st->frames[i].offset != f[i].offset ||
		    st->frames[i].module != f[i].module)
			return 0;
	return 1;
}

struct stack *stacks_intern(struct stacks *s, const json_t *frames, int *bad)
{
	*bad = 0;
	size_t n = json_array_size(frames);
	if (!json_is_array(frames) || n == 0 || n > BACKTRACE_MAX) {
		/* Deeper than the library ever writes: forged stacks of 200,000
		 * distinct frames took 339 MB for 128 MB of input (security.md). */
		*bad = n > BACKTRACE_MAX || (!json_is_null(frames) && !json_is_array(frames));
		return NULL;
	}
	struct frame *f = calloc(n, sizeof *f);
	if (!f)
		return NULL;
	uint64_t h = FNV_INIT;
	for (size_t i = 0; i < n; i++) {
		const json_t *fr = json_array_get(frames, i);
		const char *module = json_string_value(json_object_get(fr, "module"));
		if (!json_is_object(fr) || parse_hex(json_object_get(fr, "ip"), &f[i].ip) != 0) {
			*bad = 1;
			free(f);
			return NULL;
		}
		if (module) {
			f[i].module = intern_path(&s->modules, module);
			parse_hex(json_object_get(fr, "offset"), &f[i].offset);
		}
		h = fnv_bytes(h, &f[i].ip, sizeof f[i].ip);
		h = fnv_bytes(h, &f[i].offset, sizeof f[i].offset);
		h = fnv_bytes(h, &f[i].module, sizeof f[i].module);
	}
	struct stack *first = map_get(&s->by_hash, h);
	for (struct stack *st = first; st; st = st->next_same_hash)
		if (same_frames(st, f, (int)n)) {
			free(f);
			return st;
		}
	struct stack *st = calloc(1, sizeof *st);
	if (!st || map_put(&s->by_hash, h, st) != 0) {
		free(st);
		free(f);
		return NULL;
	}
	*st = (struct stack){h, (int)n, f, first};
	return st;
}

void stacks_free(struct stacks *s)
{
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&s->by_hash, &i, &key, &value);)
		for (struct stack *st = value, *next; st; st = next) {
			next = st->next_same_hash;
			free(st->frames);
			free(st);
		}
	for (size_t i = 0; map_next(&s->modules, &i, &key, &value);)
		free(value);
	map_free(&s->by_hash);
	map_free(&s->modules);
}
