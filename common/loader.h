/* Whether libshmtrace.so can be preloaded into a program: its class, and
 * whether its loader (PT_INTERP) is glibc's.  Shared by run, before it
 * starts CMD, and the library, before a traced process starts a program. */
#ifndef SHMTRACE_LOADER_H
#define SHMTRACE_LOADER_H

#include <stdbool.h>
#include <stddef.h>

/* INTERP is the very file this process's loader is, whatever its name;
 * or, where either file cannot be seen, it is named as glibc's is
 * (ld-linux-x86-64.so.2 on x86-64). */
bool loader_is_glibcs(const char *interp);

/* Why our library cannot be preloaded into the program at PATH, open at
 * FD: "32-bit" (or "64-bit"), "static" (no loader: LD_PRELOAD is
 * ignored) or "foreign-loader" (another C library's: musl's failed to
 * load ours, and the program with it -- outside trial 30), its loader
 * then in INTERP (CAP bytes).  NULL if it can be, or if the kernel would
 * not run it (no ELF, another machine's, cut short: re-check 33). */
const char *loader_refuses(int fd, const char *path, char *interp, size_t cap);

#endif
