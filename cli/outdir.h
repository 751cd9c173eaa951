#ifndef SHMTRACE_OUTDIR_H
#define SHMTRACE_OUTDIR_H

#include <stddef.h>

/* Checks that nobody else can write in DIR or reach it through a symbolic
 * link of theirs (see outdir.c), then creates what is missing of it and
 * opens it: a directory descriptor, and its absolute path in RESOLVED; or
 * -1 after saying why on stderr, as COMMAND ("run"), having created nothing. */
int open_trace_dir(const char *command, const char *dir, char *resolved, size_t cap);

/* NAME in the directory, created O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600:
 * a descriptor, or -1 with errno (EEXIST: it was there). */
int create_in_dir(int dirfd, const char *name);

#endif
