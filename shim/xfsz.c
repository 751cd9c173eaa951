/* Our writes never draw SIGXFSZ: a write of ours that crosses the file size
 * limit (ulimit -f, lowered at any moment by the program or from outside)
 * must fail with EFBIG, not kill the program.  The signal is held around
 * the write, and the one the kernel then sent this thread is taken back
 * before it is let through. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "shim.h"

void xfsz_hold(sigset_t *old)
{
	sigset_t xfsz;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	pthread_sigmask(SIG_BLOCK, &xfsz, old);
}

void xfsz_take_back(const sigset_t *old)
{
	sigset_t xfsz;
	struct timespec now = {0, 0};
	if (errno != EFBIG || sigismember(old, SIGXFSZ)) /* held by the program: its to take */
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
