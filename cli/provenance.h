/* Who could have written what the report reads as run's own record of a
 * run (kernel.jsonl: the kernel's tables, the run's processes and user
 * ids, on which --live confirms a removal).  A file or directory that
 * another user owns or may write is testimony, like any trace file
 * (docs/security.md, "Files shmtrace reads"). */
#ifndef SHMTRACE_PROVENANCE_H
#define SHMTRACE_PROVENANCE_H

#include <stddef.h>
#include <sys/types.h>

/* Whether PATH, a kernel.jsonl the reader opened as device DEV, inode INO,
 * may be taken as run's record: still that file, owned by the caller or
 * root and writable by nobody else, in a directory of the same (or a
 * sticky one: nobody else can replace a file there).  If not, 0 and WHY. */
int run_file_trusted(const char *path, dev_t dev, ino_t ino, char *why, size_t cap);

/* The trace directory `shmtrace run` made here last (./shmtrace.PROGRAM.PID,
 * its default) into PATH, passing over, with a line on stderr, any that
 * another user could have made or filled: one of theirs with a date in the
 * future would otherwise be "the newest".  0, or -1 if there is none. */
int newest_trace_here(char *path, size_t cap);

#endif
