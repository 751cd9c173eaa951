/* The reader's files, one by one (reader_files.c); for reader.c only. */
#ifndef SHMTRACE_READER_FILES_H
#define SHMTRACE_READER_FILES_H

#include <sys/types.h>

#include "reader.h"

/* PATH, named by the user (IN_DIRECTORY 0) or found in a directory (1:
 * then a symbolic link is not followed), if it is a regular file; 0, or
 * -1 if it cannot be read. */
int reader_add_file(struct reader *r, const char *path, int in_directory);
/* Every *.jsonl file in DIR, in the order of their names. */
int reader_add_directory(struct reader *r, const char *dir);
/* F open, at where its reading stopped; -1 (and F done, incomplete) if it
 * cannot be, or is no longer the file first opened. */
int reader_reopen(struct reader *r, struct trace_file *f);
/* F's next line into *LINE (room *CAP), at most READER_MAX_LINE bytes
 * (*TOO_LONG for a longer one, read past); its length, -1 at the end. */
ssize_t reader_read_line(struct trace_file *f, char **line, size_t *cap, int *too_long);

#endif
