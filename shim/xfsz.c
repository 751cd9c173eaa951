/* Our writes never draw SIGXFSZ: a write of ours that crosses the file size
 * limit (ulimit -f, lowered at any moment by the program or from outside)
 * must fail with EFBIG, not kill the program.  The signal is held around
 * the write, and the one the kernel then sent this thread is taken back
 * before it is let through -- even when the program itself holds it (it
 * would find it pending when it lets it through: re-check 28), unless
 * one was pending already, which is the program's. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "shim.h"

/* A SIGXFSZ was pending when our write began (OLD held it then: else it
 * would have been delivered): not ours to take back.  Asked only then. */
static TLS int already_pending;

/* Out of line: its set is on the stack only then (a handler's stack may
 * be small). */
static __attribute__((noinline)) int xfsz_pending(void)
{
	sigset_t pending;
	return sigpending(&pending) == 0 && sigismember(&pending, SIGXFSZ);
}

void xfsz_note(const sigset_t *old)
{
	already_pending = sigismember(old, SIGXFSZ) && xfsz_pending();
}

void xfsz_hold(sigset_t *old)
{
	sigset_t xfsz;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, old);
	xfsz_note(old);
}

void xfsz_take_back(const sigset_t *old)
{
	sigset_t xfsz;
	struct timespec now = {0, 0};
	(void)old;
	if (errno != EFBIG || already_pending)
		return;
	int err = errno;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	sigtimedwait(&xfsz, NULL, &now);
	errno = err;
}

void xfsz_release(const sigset_t *old)
{
	xfsz_take_back(old);
	int err = errno;
	pthread_sigmask(SIG_SETMASK, old, NULL);
	errno = err;
}
