#ifndef SHMTRACE_SNAPSHOT_H
#define SHMTRACE_SNAPSHOT_H

#include <stdio.h>

#include "pidwatch.h"

#define KERNEL_SNAPSHOT_FILE "kernel.jsonl"

/* Appends one "kernel" record, when = "before" or "after"; 0 or -1.  The
 * "before" record also lists the inodes in /dev/shm: a name there before
 * the run is never removed as the run's. */
int write_kernel_snapshot(FILE *f, const char *when);

/* Appends one "killed" record: PID, which run collected, died of a signal
 * (wait STATUS).  A killed process writes no exit record of its own. */
int write_killed_record(FILE *f, int pid, int status);

/* Appends the "processes" record: the pids of the run as the kernel told
 * run (complete: every fork seen), those run ended because they were
 * still running when the program exited (sweep's daemons), and the user
 * ids the run's processes were seen with (pidwatch.c), and the names
 * they made in /dev/shm (namewatch.c; NAMES_KNOWN: the watch saw all). */
int write_processes_record(FILE *f, const struct pidset *run, int complete, const struct pidset *left_running,
			   const struct pidset *uids, int names_known);

/* Appends the "kernel_file_replaced" record: run found this file replaced
 * or changed during the run and made it anew from its own copy
 * (kernelfile.c); the report says so. */
int write_replaced_record(FILE *f);

#endif
