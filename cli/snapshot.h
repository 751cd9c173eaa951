#ifndef SHMTRACE_SNAPSHOT_H
#define SHMTRACE_SNAPSHOT_H

#define KERNEL_SNAPSHOT_FILE "kernel.jsonl"

/* Appends one "kernel" record, when = "before" or "after"; 0 or -1. */
int write_kernel_snapshot(const char *dir, const char *when);

/* Appends one "killed" record: PID, which run collected, died of a signal
 * (wait STATUS).  A killed process writes no exit record of its own. */
int write_killed_record(const char *dir, int pid, int status);

#endif
