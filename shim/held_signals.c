/* What our steps that must not be interrupted hold off: every signal sent
 * to the process, never one the kernel raises for the instruction or system
 * call at hand.  A seccomp filter's SIGSYS (a sandbox answers the call
 * from its handler), SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP: held, the
 * kernel would kill the program instead of running its handler. */
#include <signal.h>

#include "shim.h"

void held_signals(sigset_t *set)
{
	static const int synchronous[] = {SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
	sigfillset(set);
	for (unsigned i = 0; i < sizeof synchronous / sizeof *synchronous; i++)
		sigdelset(set, synchronous[i]);
}
