/* See stack.h.  Signals wait while we are on a borrowed stack: a handler
 * would run on it (a garbage collector that scans from a handler's stack
 * pointer, as Boehm's does, would be misled), and a nested handler of a
 * sigaltstack would be put at the top of the sigaltstack, over the frames
 * of the one we came from, since the kernel no longer sees us on it.  Only
 * where room is short, so the two system calls are rare. */
#include "stack.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

#define STACKS 16
#define STACK_SIZE (64u << 10)

static char stacks[STACKS][STACK_SIZE] __attribute__((aligned(64)));
static _Atomic unsigned stacks_used PER_PROCESS;
static TLS int calls_in_progress; /* of ours, on this thread */

/* This thread's sigaltstack, asked once (0: not yet; then lo..hi, empty if none). */
static TLS int alt_known;
static TLS uintptr_t alt_lo, alt_hi;

#if defined(__x86_64__)
/* on_stack(fn, arg, top): calls fn(arg) with the stack pointer at top.
 * The CFI says where the caller's frame is, so that an unwinder walking
 * from FN finds its way back to the program's stack. */
HIDDEN void on_stack(void (*fn)(void *), void *arg, void *top);
__asm__(".text\n"
	".globl on_stack\n"
	".hidden on_stack\n"
	".type on_stack, @function\n"
	"on_stack:\n"
	".cfi_startproc\n"
	"	pushq %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"	movq %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"	movq %rdx, %rsp\n"
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	callq *%rax\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	".cfi_endproc\n"
	".size on_stack, .-on_stack\n");
#define HAVE_ON_STACK 1
#endif

void stack_forget_altstack(void)
{
	alt_known = 0;
}

static int on_altstack(void)
{
	if (!alt_known) {
		stack_t ss;
		alt_lo = alt_hi = 0;
		if (real.sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE))
			alt_lo = (uintptr_t)ss.ss_sp, alt_hi = alt_lo + ss.ss_size;
		alt_known = 1;
	}
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	return sp >= alt_lo && sp < alt_hi;
}

/* In a new process: the stacks other threads held are free (this thread
 * was on none: signals and so a fork from a handler wait while it is). */
void stack_reset_child(void)
{
	atomic_store(&stacks_used, 0);
}

void stack_call_begin(void)
{
	calls_in_progress++;
}

void stack_call_end(void)
{
	calls_in_progress--;
}

int stack_has_room(void)
{
	return calls_in_progress <= 1 && !on_altstack(); /* only the call asking */
}

int run_with_room(void (*fn)(void *), void *arg)
{
	if (stack_has_room()) {
		fn(arg);
		return 0;
	}
#ifdef HAVE_ON_STACK
	for (int i = 0; i < STACKS; i++) {
		unsigned bit = 1u << i;
		if (atomic_fetch_or(&stacks_used, bit) & bit)
			continue;
		sigset_t all, old;
		held_signals(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		on_stack(fn, arg, stacks[i] + STACK_SIZE);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		atomic_fetch_and(&stacks_used, ~bit);
		return 0;
	}
#endif
	return -1;
}

EXPORT int sigaltstack(const stack_t *ss, stack_t *old)
{
	if (!real.sigaltstack) /* a sanitizer's start-up, before our constructor: never init from here */
		real.sigaltstack = (int (*)(const stack_t *, stack_t *))dlsym(RTLD_NEXT, "sigaltstack");
	int ret = real.sigaltstack(ss, old);
	if (ret == 0 && ss)
		stack_forget_altstack();
	return ret;
}
