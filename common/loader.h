/* Whether a program's loader (its PT_INTERP) is glibc's, the one that can
 * preload libshmtrace.so: shared by run, before it starts CMD, and the
 * library, before a traced process starts a program. */
#ifndef SHMTRACE_LOADER_H
#define SHMTRACE_LOADER_H

#include <stdbool.h>

/* INTERP names glibc's loader (ld-linux-x86-64.so.2 on x86-64), or the
 * very file this process's loader is, by another path (outside re-check
 * 33: a symbolic link to it, a relocated toolchain's path). */
bool loader_is_glibcs(const char *interp);

#endif
