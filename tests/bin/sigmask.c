/* A new process's first backtraces, through 12 frames libunwind has not
 * seen, with a signal mask of the program's own: after each call the mask
 * is what the program set, and a signal it left open is delivered at once.
 * The parent forks one such child and checks the same after its own call.
 * Prints "ok" and exits 0, or says what differed. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t delivered;

static void on_usr1(int sig)
{
	(void)sig;
	delivered++;
}

/* The mask as the program set it (SIGUSR2 only), and SIGUSR1 delivered. */
static int mask_kept(const char *who)
{
	sigset_t now, want;
	sigemptyset(&want);
	sigaddset(&want, SIGUSR2);
	sigprocmask(SIG_BLOCK, NULL, &now);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&now, s) != sigismember(&want, s)) {
			printf("%s: signal %d %s after a call\n", who, s, sigismember(&now, s) ? "blocked" : "open");
			return 0;
		}
	int before = delivered;
	raise(SIGUSR1);
	if (delivered != before + 1) {
		printf("%s: SIGUSR1 not delivered after a call\n", who);
		return 0;
	}
	return 1;
}

__attribute__((noinline)) static int leaf(int depth)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int ok = id != -1 && mask_kept("child") && shmctl(id, IPC_RMID, NULL) == 0 && mask_kept("child");
	return ok && depth >= 0;
}

#define FRAME(n, next)                                          \
	__attribute__((noinline)) static int frame##n(int depth) \
	{                                                        \
		int r = next(depth + 1);                         \
		__asm__ volatile("" ::: "memory");               \
		return r;                                        \
	}
FRAME(1, leaf)
FRAME(2, frame1)
FRAME(3, frame2)
FRAME(4, frame3)
FRAME(5, frame4)
FRAME(6, frame5)
FRAME(7, frame6)
FRAME(8, frame7)
FRAME(9, frame8)
FRAME(10, frame9)
FRAME(11, frame10)
FRAME(12, frame11)

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_SETMASK, &usr2, NULL);
	struct shmid_ds ds;
	shmctl(0, IPC_INFO, &ds); /* the parent's own call and backtrace */
	if (!mask_kept("parent"))
		return 1;
	fflush(stdout);
	pid_t child = fork();
	if (child == 0)
		_exit(frame12(0) ? 0 : 1);
	int status;
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	puts("ok");
	return 0;
}
