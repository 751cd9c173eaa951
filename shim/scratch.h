/* Memory for a call in flight: its backtrace and its record.  Not on the
 * program's stack (a thread may have 16 KiB of it, a signal handler 8 KiB
 * on a sigaltstack) and not in thread-local storage (glibc carves static
 * TLS out of every thread's stack): a fixed pool in our .bss, whose pages
 * cost memory only once touched. */
#ifndef SHMTRACE_SCRATCH_H
#define SHMTRACE_SCRATCH_H

#include "../common/trace_format.h"
#include "shim.h"

/* A call record with an interned stack fits easily, an inline stack is cut
 * to what fits (backtrace.c), and every string is bounded (wrappers.c). */
#define CALL_RECORD_MAX 16384

struct scratch {
	void *ips[BACKTRACE_MAX + 8]; /* + our own frames, skipped */
	char record[CALL_RECORD_MAX];
};

/* A free slot, or NULL when all are taken (more threads inside a call at
 * once than the pool holds, or slots lost to a longjmp out of a handler):
 * the caller then makes do with a small record on its stack.  Never waits. */
HIDDEN struct scratch *scratch_claim(void);
HIDDEN void scratch_release(struct scratch *s);
/* In a new process: only the slots of the thread that made it are in use. */
HIDDEN void scratch_reset_child(void);

#endif
