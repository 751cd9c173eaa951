/* Reading the program's memory without faulting: what a call's kernel side
 * reads (a semop's operations, its timeout, a message's type) is copied
 * before the call, when the kernel reads it, and an address that cannot be
 * read is an answer, not our SIGSEGV -- another thread may unmap a buffer
 * while the call waits, legally, the kernel having copied it. */
#ifndef SHMTRACE_PEEK_H
#define SHMTRACE_PEEK_H

#include <stdbool.h>
#include <stddef.h>

#include "shim.h"

/* Copies LEN bytes at the program's SRC to DST; false when they could not
 * all be read (unmapped, unreadable, or the system refused the read). */
HIDDEN bool peek(void *dst, const void *src, size_t len);

#endif
