#ifndef SHMTRACE_OUTDIR_H
#define SHMTRACE_OUTDIR_H

#include <stddef.h>

/* Creates DIR if needed, checks that nobody else can write in it (see
 * outdir.c) and opens it: a directory descriptor, and its absolute path in
 * RESOLVED; or -1 after saying why on stderr, as COMMAND ("run"). */
int open_trace_dir(const char *command, const char *dir, char *resolved, size_t cap);

/* NAME in the directory, created O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600:
 * a descriptor, or -1 with errno (EEXIST: it was there). */
int create_in_dir(int dirfd, const char *name);

#endif
