#include "pidset.h"

#include <stdlib.h>

int pidset_has(const struct pidset *s, int pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->pids[i] == pid)
			return 1;
	return 0;
}

int pidset_add(struct pidset *s, int pid)
{
	if (pidset_has(s, pid))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int *more = realloc(s->pids, cap * sizeof *more);
		if (!more)
			return -1;
		s->pids = more, s->cap = cap;
	}
	s->pids[s->n++] = pid;
	return 0;
}
