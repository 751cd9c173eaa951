/* Under a file size limit (ulimit -f) a write past it kills the writer with
 * SIGXFSZ.  shmtrace ignores the signal for itself, so that such a write
 * fails with EFBIG and is reported like a full disk (run: the trace is
 * incomplete, exit 125), and gives the program it starts the disposition
 * shmtrace was started with. */
#include <signal.h>

#include "cli.h"

static struct sigaction inherited;

void filesize_hold(void)
{
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	sigaction(SIGXFSZ, &ignore, &inherited);
}

void filesize_give_back(void)
{
	sigaction(SIGXFSZ, &inherited, NULL);
}

int filesize_was_default(void)
{
	return inherited.sa_handler == SIG_DFL;
}
