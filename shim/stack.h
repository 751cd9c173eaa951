/* Room on the stack.  A signal handler on an 8 KiB sigaltstack has a few
 * KiB left once the kernel has saved the registers (more than 3 KiB with
 * AVX-512), and libunwind's first unwind in a thread takes more than that;
 * a handler that interrupts one of our calls on a 16 KiB thread stack
 * finds the outer call's frames below it.  So there our heavy steps run on
 * a stack of our own. */
#ifndef SHMTRACE_STACK_H
#define SHMTRACE_STACK_H

#include "shim.h"

/* Runs FN(ARG): right here, or, when this thread is on its sigaltstack or
 * inside one of our calls already, on a borrowed stack.  -1 when room was
 * short and no stack was free: FN was not run. */
HIDDEN int run_with_room(void (*fn)(void *), void *arg);
/* True when FN may run right here: the thread is on neither its
 * sigaltstack nor inside one of our calls already. */
HIDDEN int stack_has_room(void);
/* Around each call of ours, from its first step to its last: a handler's
 * call inside it is nested. */
HIDDEN void stack_call_begin(void);
HIDDEN void stack_call_end(void);
HIDDEN void stack_reset_child(void);
/* The program set or changed this thread's sigaltstack. */
HIDDEN void stack_forget_altstack(void);

#endif
