/* The set of processes of a run, as the kernel told run (see pidwatch.c). */
#ifndef SHMTRACE_PIDWATCH_H
#define SHMTRACE_PIDWATCH_H

#include "pidset.h"

/* Before the first fork: starts listening to the kernel's fork events. */
void pidwatch_start(void);
/* After the first fork (FIRST, the program): reads the events while the
 * run lasts. */
void pidwatch_started(int first);
/* A process run is about to collect (a zombie still): its user ids. */
void pidwatch_ending(int pid);
/* A process run collected as subreaper. */
void pidwatch_collected(int pid);
int pidwatch_is_member(int pid);
/* Once every process has ended: the set (the caller frees out->pids), the
 * user ids its processes were seen with (OUT_UIDS, ids as ints, freed the
 * same way), and 1 if it is complete (every fork seen), 0 if only
 * collected processes. */
int pidwatch_finish(struct pidset *out, struct pidset *out_uids);

#endif
