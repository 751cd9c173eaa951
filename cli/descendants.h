#ifndef SHMTRACE_DESCENDANTS_H
#define SHMTRACE_DESCENDANTS_H

#include "pidwatch.h"

/* Every process below us in the process tree (we are the run's subreaper,
 * so a daemon that double-forked is still below us), found in /proc: their
 * pids into OUT (appended); the count. */
size_t find_descendants(struct pidset *out);

/* SIGTERMs every descendant there is now, appending their pids to ASKED. */
void term_descendants(struct pidset *asked);

/* SIGKILLs every descendant, again until none is left (a process may fork
 * while we look), appending their pids to ENDED. */
void end_descendants(struct pidset *ended);

#endif
