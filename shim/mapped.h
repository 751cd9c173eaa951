/* Writing records into the trace file mapped shared: see mapped.c. */
#ifndef SHMTRACE_MAPPED_H
#define SHMTRACE_MAPPED_H

#include <signal.h>
#include <stddef.h>

#include "shim.h"

/* Bytes a process writes with write(2) before it maps its file. */
#define SWITCH_AFTER (64u << 10)

enum { MAPPED_DONE = 0, MAPPED_NOT_ACTIVE = -1, MAPPED_FAILED = -2, MAPPED_PAST_BOUND = -3 };

/* How a file is written now; shared by every process writing that file
 * (a forked child that could not create its own appends to its parent's). */
enum out_mode { MODE_APPEND, MODE_SWITCHING, MODE_MAPPED, MODE_APPEND_ONLY };

struct out_shared {
	_Atomic int mode;
	_Atomic int inflight;                /* write(2) appends under way */
	_Atomic unsigned long long appended; /* bytes appended so far, or reserved to be */
	_Atomic unsigned long long tail;     /* mapped: bytes reserved */
	_Atomic unsigned long long size;     /* mapped: bytes allocated, filled with newlines */
	_Atomic unsigned long long window;   /* mapped: bytes of the file mapped, appended after */
	_Atomic int growing;
	_Atomic int failed;
	_Atomic int failed_errno; /* why, for the threads that waited (the warning says it) */
};

/* Maps FD's file, whose first AT bytes are written; 0 or -1. */
HIDDEN int mapped_start(struct out_shared *sh, int fd, unsigned long long at);
/* A MAPPED_ result: no record that would end past BOUND is copied. */
HIDDEN int mapped_write(struct out_shared *sh, const char *buf, size_t len, unsigned long long bound);
/* For a program that limits its address space (RLIMIT_AS) or locks its
 * memory (mlockall) after its file was mapped: the window cut down to the
 * room allocated, the file appended to past it (64 GiB of window would
 * count against the limit, and mlockall's MCL_CURRENT would count and lock
 * them); and after mlockall, our window unlocked and given back behind. */
HIDDEN void mapped_shrink(struct out_shared *sh);
HIDDEN void mapped_unlock(struct out_shared *sh);
/* In a forked child with a file of its own: drop the parent's mapping. */
HIDDEN void mapped_forget(void);

/* output.c: the size the file may reach, RLIMIT_FSIZE (ulimit -f): a write
 * past it would kill the program with SIGXFSZ.  ULLONG_MAX: none. */
HIDDEN unsigned long long out_size_limit(void);
/* Read from the kernel once, at start; then as the program sets it
 * (limits.c), once the kernel took it. */
HIDDEN void out_size_limit_read(void);
HIDDEN void out_size_limit_set(unsigned long long soft);
/* limits.c: the limit asked of the kernel again where that is safe, when
 * ours would stop the trace (one raised from outside). */
HIDDEN unsigned long long out_size_limit_fresh(void);


#endif
