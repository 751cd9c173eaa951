#ifndef SHMTRACE_FINDLIB_H
#define SHMTRACE_FINDLIB_H

#include <stddef.h>

/* The directory `make install` put the library in (PKGLIBDIR). */
extern const char library_dir[];

/* The absolute path of libshmtrace.so in PATH, or NULL. */
const char *find_library(char *path, size_t cap);

#endif
