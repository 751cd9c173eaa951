/* Backtraces, interned across all files of a run: the same frames make the
 * same struct stack, so findings can be grouped by call site and memory
 * grows with the number of distinct stacks, not with trace length. */
#ifndef SHMTRACE_STACKS_H
#define SHMTRACE_STACKS_H

#include <jansson.h>
#include <stdint.h>

#include "map.h"

struct frame {
	uint64_t ip;
	const char *module; /* interned; NULL when the trace had none */
	uint64_t offset;
};

struct stack {
	uint64_t hash;
	int nframes;
	struct frame *frames;
	struct stack *next_same_hash;
};

struct stacks {
	struct map by_hash;   /* hash -> struct stack */
	struct map modules;   /* hash of path -> interned path */
};

/* PATH's one copy in PATHS (a map of fnv hashes to strdup'ed strings,
 * freed by their owner): equal paths, one pointer. */
const char *intern_path(struct map *paths, const char *path);

/* The stack for a JSON array of frames ({"ip","module","offset"}), or NULL
 * for null/empty; *bad is set if the array is malformed. */
struct stack *stacks_intern(struct stacks *s, const json_t *frames, int *bad);
void stacks_free(struct stacks *s);

#endif
