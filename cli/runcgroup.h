/* A cgroup (v2) for the run's processes, so that ending them ends them
 * whole: a daemon that forks and exits in a loop has a new pid each time
 * SIGKILL is sent to the last one, but cannot leave its cgroup
 * (cgroup.kill, Linux 5.14, kills every member at once).  Where no
 * cgroup can be made (no cgroup2 mount, not writable for this user),
 * every call is a no-op and descendants.c's rounds of SIGKILL are all. */
#ifndef SHMTRACE_RUNCGROUP_H
#define SHMTRACE_RUNCGROUP_H

#include "pidwatch.h"

/* Before the program starts: makes the run's cgroup below run's own. */
void run_cgroup_create(void);
/* In the program's process before exec: moves it into the cgroup (only
 * open, write and close: it runs between fork and exec). */
void run_cgroup_join(void);
/* Kills every process in the cgroup, appending their pids to ENDED, and
 * waits (two seconds at most) until it is empty; 1 if it is, 0 if not or
 * there is no cgroup. */
int run_cgroup_end(struct pidset *ended);
/* Once the run's processes are gone: removes the cgroup. */
void run_cgroup_remove(void);

#endif
