#ifndef SHMTRACE_SNAPSHOT_H
#define SHMTRACE_SNAPSHOT_H

#define KERNEL_SNAPSHOT_FILE "kernel.jsonl"

/* Appends one "kernel" record, when = "before" or "after"; 0 or -1. */
int write_kernel_snapshot(const char *dir, const char *when);

#endif
