/* When each pid was the run's (issue 13, r03): a pid of the run that ends
 * can be given to an unrelated process, and a segment that process makes
 * has that pid as its creator.  pidwatch.c feeds the kernel's fork and
 * exit events here (with its lock held); run writes, for each pid that was
 * also given to a process not of the run while the run lasted, the spans
 * of time it was the run's, which the report compares with the segment's
 * change time (analyzer/finish.c). */
#ifndef SHMTRACE_PIDSPANS_H
#define SHMTRACE_PIDSPANS_H

#include <stdio.h>

/* Before the first fork: PID (run) is the run's from now on.  0, or -1
 * when there is no room (the caller keeps to its pid set alone). */
int pidspans_start(int pid);
/* A fork anywhere in the system, at TS (the event's CLOCK_MONOTONIC ns):
 * CHILD is the run's when its parent is the run's now. */
void pidspans_fork(int parent, int child, unsigned long long ts);
/* A thread of TGID began (a process's first thread is its fork). */
void pidspans_thread(int tgid);
/* A thread of TGID ended at TS: 1 when it was the last, and the process
 * has ended (its pid is no longer the run's).  The first thread's end is
 * not the process's: a program whose main thread calls pthread_exit, or
 * another of whose threads execs, goes on. */
int pidspans_exit(int tgid, unsigned long long ts);
/* Whether PID is the run's now: -1 when not tracked (no room). */
int pidspans_live(int pid);
/* ,"shared_spans":[[pid,start,end],...] in CLOCK_REALTIME ns, each span
 * of a pid that some process not of the run also had during the run. */
void pidspans_write(FILE *f);

#endif
