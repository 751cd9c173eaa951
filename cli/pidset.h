/* A set of pids (or user ids): small, in the order they came. */
#ifndef SHMTRACE_PIDSET_H
#define SHMTRACE_PIDSET_H

#include <stddef.h>

struct pidset {
	int *pids;
	size_t n, cap;
};

int pidset_has(const struct pidset *s, int pid);
/* Adds PID unless it is there already; -1 without memory (not added). */
int pidset_add(struct pidset *s, int pid);

#endif
