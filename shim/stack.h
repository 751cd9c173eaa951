/* Room on the stack.  A signal handler on an 8 KiB sigaltstack has a few
 * KiB left once the kernel has saved the registers (more than 3 KiB with
 * AVX-512), and libunwind's first unwind in a thread takes more than that.
 * So on a sigaltstack our heavy steps run on a stack of our own. */
#ifndef SHMTRACE_STACK_H
#define SHMTRACE_STACK_H

#include "shim.h"

/* Runs FN(ARG) on a borrowed stack when this thread is on its sigaltstack
 * and one is free, else right here. */
HIDDEN void run_with_room(void (*fn)(void *), void *arg);
/* The program set or changed this thread's sigaltstack. */
HIDDEN void stack_forget_altstack(void);

#endif
