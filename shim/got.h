/* got.c: what dlopen.c asks of it. */
#ifndef SHMTRACE_GOT_H
#define SHMTRACE_GOT_H

#include "shim.h"

/* How many modules the process has loaded so far (dlpi_adds). */
HIDDEN unsigned long long got_loads(void);
/* After HANDLE was opened with RTLD_DEEPBIND, when got_loads() had said
 * LOADS_BEFORE: points every module's slots that lead to libc's version of
 * one of our functions at ours.  Changes neither errno nor dlerror(). */
HIDDEN void got_follow(void *handle, unsigned long long loads_before);
/* FN, which a program's dlsym found for NAME in a handle of its own, or
 * our wrapper of NAME if FN is the function ours calls (no other
 * preloaded library's wrapper between).  Waits for no other thread: our
 * own symbols are read without the loader.  Keeps errno. */
HIDDEN void *got_ours_instead(const char *name, void *fn);

#endif
