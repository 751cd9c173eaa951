/* Makes ftok calls on a 3,000-byte path (records of about 3 KiB) until its
 * trace is near 64 KiB, prints "ready" and waits for a line on stdin --
 * meanwhile the test lowers its file size limit from outside (prlimit(1))
 * -- then makes 40 more, the library's first room for the mapped file
 * crossing that limit, while another thread runs on without holding
 * SIGXFSZ.  Bare it writes no file.  Prints "lived".
 *   usage: fsizeoutside [hold]
 * hold: the program holds SIGXFSZ itself, in both threads, and after its
 * calls prints "pending=N" (bare: 0), then lets it through. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>

static char path[3000];
static atomic_int done;

static void *spin(void *unused)
{
	(void)unused;
	while (!atomic_load(&done))
		;
	return NULL;
}

int main(int argc, char **argv)
{
	int hold = argc > 1 && strcmp(argv[1], "hold") == 0;
	sigset_t xfsz, pending;
	sigemptyset(&xfsz);
	sigaddset(&xfsz, SIGXFSZ);
	if (hold)
		pthread_sigmask(SIG_BLOCK, &xfsz, NULL);
	memset(path, 'p', sizeof path - 1);
	path[0] = '/';
	for (int i = 0; i < 18; i++)
		ftok(path, 1);
	pthread_t t;
	if (pthread_create(&t, NULL, spin, NULL) != 0)
		return 2;
	puts("ready");
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof line, stdin))
		return 2;
	for (int i = 0; i < 40; i++)
		ftok(path, 1);
	atomic_store(&done, 1);
	pthread_join(t, NULL);
	if (hold) {
		sigpending(&pending);
		printf("pending=%d\n", sigismember(&pending, SIGXFSZ));
		fflush(stdout);
		pthread_sigmask(SIG_UNBLOCK, &xfsz, NULL);
	}
	puts("lived");
	return 0;
}
