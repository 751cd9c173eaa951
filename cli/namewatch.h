/* Who made each name in /dev/shm during a run: the kernel's word, from
 * fanotify (issue 13; see namewatch.c). */
#ifndef SHMTRACE_NAMEWATCH_H
#define SHMTRACE_NAMEWATCH_H

#include <stdio.h>

#include "pidset.h"

/* Before the first fork: starts watching /dev/shm where the kernel lets
 * run (root: the pid of an event is given to a privileged listener only). */
void namewatch_start(void);
/* After the first fork: reads the events while the run lasts. */
void namewatch_started(void);
/* Once every process of the run has ended: reads what is left and stops;
 * 1 if every name made during the run is known, 0 if not (no watch,
 * events lost, too many names). */
int namewatch_finish(void);
/* ,"dev_shm_watch":true|false,"dev_shm_made":[["name",pid,inode],...]:
 * the names still in /dev/shm, as the same file, whose last maker (or
 * linker, or renamer) was one of RUN's pids; the list only when the watch
 * was complete.  Frees the table. */
void namewatch_write(FILE *f, const struct pidset *run, int complete);

#endif
