/* CHILDREN forked children in turn, each with THREADS threads released
 * at once to make CALLS failing shmctl calls each: every child's own trace
 * file reaches the size limit (ulimit -f, --max-size), or the 64 KiB where
 * it is switched to a mapping, with several threads writing records at
 * that moment -- a crossing per child, where a process alone crosses once.
 * With ALARM_US, a SIGALRM that often whose handler makes a call too.
 * Prints "children=N" when all exited 0.
 *   usage: crowdlimit CHILDREN THREADS CALLS [ALARM_US] */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t start;
static int calls;

static void on_alarm(int sig)
{
	(void)sig;
	int saved = errno;
	shmctl(-2, IPC_STAT, NULL); /* its stack is new each place it interrupts */
	errno = saved;
}

static void *worker(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&start);
	for (int i = 0; i < calls; i++)
		shmctl(-1, IPC_STAT, NULL); /* EINVAL: a record, nothing made */
	return NULL;
}

static int child(int threads, int alarm_us)
{
	pthread_t t[64];
	if (alarm_us > 0) {
		struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
		struct itimerval every = {{0, alarm_us}, {0, alarm_us}};
		if (sigaction(SIGALRM, &sa, NULL) != 0 || setitimer(ITIMER_REAL, &every, NULL) != 0)
			return 2;
	}
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return 2;
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5)
		return 2;
	int children = atoi(argv[1]), threads = atoi(argv[2]), alarm_us = argc > 4 ? atoi(argv[4]) : 0;
	calls = atoi(argv[3]);
	if (threads < 1 || threads > 64)
		return 2;
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(child(threads, alarm_us));
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
	}
	printf("children=%d\n", children);
	return 0;
}
