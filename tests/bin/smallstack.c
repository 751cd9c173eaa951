/* shm calls where the stack is small: on a thread of PTHREAD_STACK_MIN
 * bytes, and in a signal handler on a sigaltstack of ALTSTACK bytes (8 KiB,
 * SIGSTKSZ, by default).  Each place makes one shmget, shmat, shmdt and
 * IPC_RMID.  Prints "thread ok" and "handler ok".
 *   usage: smallstack [first-in-handler] [ALTSTACK] */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static volatile sig_atomic_t handled;

static int cycle(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p = shmat(id, NULL, 0);
	return id != -1 && p != (void *)-1 && shmdt(p) == 0 && shmctl(id, IPC_RMID, NULL) == 0;
}

static void *on_small_thread(void *unused)
{
	(void)unused;
	return cycle() ? (void *)1 : NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	handled = cycle() ? 1 : -1;
}

static int in_thread(void)
{
	pthread_attr_t attr;
	pthread_t t;
	void *ok = NULL;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
	if (pthread_create(&t, &attr, on_small_thread, NULL) != 0 || pthread_join(t, &ok) != 0 || !ok)
		return 0;
	puts("thread ok");
	return 1;
}

static int in_handler(size_t size)
{
	stack_t ss = {.ss_sp = malloc(size), .ss_size = size};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_ONSTACK;
	if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0 || sigaction(SIGUSR1, &sa, NULL) != 0)
		return 0;
	raise(SIGUSR1);
	if (handled != 1)
		return 0;
	puts("handler ok");
	return 1;
}

int main(int argc, char **argv)
{
	int handler_first = argc > 1 && !strcmp(argv[1], "first-in-handler");
	size_t alt = argc > 1 + handler_first ? strtoul(argv[1 + handler_first], NULL, 0) : 8192;
	if (handler_first)
		return !(in_handler(alt) && in_thread());
	return !(in_thread() && in_handler(alt));
}
