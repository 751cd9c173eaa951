/* Whether a program's loader (its PT_INTERP) is glibc's, the one that can
 * preload libshmtrace.so: shared by run, before it starts CMD, and the
 * library, before a traced process starts a program. */
#ifndef SHMTRACE_LOADER_H
#define SHMTRACE_LOADER_H

#include <stdbool.h>

/* INTERP is the very file this process's loader is, whatever its name;
 * or, where either file cannot be seen, it is named as glibc's is
 * (ld-linux-x86-64.so.2 on x86-64). */
bool loader_is_glibcs(const char *interp);

#endif
