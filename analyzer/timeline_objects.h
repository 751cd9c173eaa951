/* What timeline.c (segments, POSIX names) and timeline_sysv.c (semaphore
 * sets, message queues) share: growing arrays, and objects' lives kept in
 * maps from an object's key to its last life.  Nothing else includes it. */
#ifndef SHMTRACE_TIMELINE_OBJECTS_H
#define SHMTRACE_TIMELINE_OBJECTS_H

#include <stdint.h>

#include "../common/call_record.h"
#include "timeline.h"

/* Room for one more element of *arr (of n, capacity *cap); 0, or -1. */
int tl_grow(void **arr, size_t n, size_t *cap, size_t size);
#define GROW(t, arr, n, cap) (tl_grow((void **)&(arr), (n), &(cap), sizeof *(arr)) ? ((t)->out_of_memory = 1, -1) : 0)

/* Records come in the order calls returned, each with the time it began:
 * a thread's shmat may return, at an address another thread's shmdt has
 * just freed, before that shmdt does, and end a span begun after it.  An
 * end is drawn no earlier than its start. */
static inline unsigned long long tl_not_before(unsigned long long ts, unsigned long long start)
{
	return ts < start ? start : ts;
}

/* The last life of KEY in map M, or -1. */
int tl_last_object(const struct map *m, uint64_t key);
/* Ends object O's life at TS, HOW (enum tl_end), if it is still open. */
void tl_end_object(struct timeline *t, int o, unsigned long long ts, int how);
/* A new life of KEY in INDEX from TS (its last one replaced); -1 without memory. */
int tl_new_object(struct timeline *t, struct map *index, uint64_t key, unsigned long long ts);

/* timeline_sysv.c: a successful call on a set or queue (semget, msgget,
 * IPC_RMID, ...), and the object a failed one is about; -1 for none. */
int timeline_ipc_apply(struct timeline *t, int p, const struct call_rec *c, int stack);
int timeline_ipc_object(struct timeline *t, int p, const struct call_rec *c);

#endif
