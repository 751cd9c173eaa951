/* Forks while another thread makes the process's first shm call (the
 * first one sets libunwind up, under a lock): no child may inherit that
 * lock taken.  Each of CHILDREN children makes a call of its own and exits;
 * the parent gives them 10 s.  Exit status 0, or 1 if a child hung.
 *   usage: forkrace */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void one_call(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	if (id != -1)
		shmctl(id, IPC_RMID, NULL);
}

static void *first_call(void *unused)
{
	(void)unused;
	one_call();
	return NULL;
}

#define CHILDREN 8

int main(void)
{
	pthread_t t;
	pid_t child[CHILDREN];
	int left = CHILDREN, failed = 0;
	pthread_create(&t, NULL, first_call, NULL);
	for (int i = 0; i < CHILDREN; i++)
		if ((child[i] = fork()) == 0) {
			one_call();
			_exit(0);
		}
	pthread_join(t, NULL);
	for (int waited = 0; left && waited < 1000; waited++) {
		for (int i = 0; i < CHILDREN; i++) {
			int status;
			if (child[i] > 0 && waitpid(child[i], &status, WNOHANG) == child[i]) {
				failed |= !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
				child[i] = 0;
				left--;
			}
		}
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	for (int i = 0; i < CHILDREN; i++)
		if (child[i] > 0) {
			fprintf(stderr, "forkrace: child %d hung\n", (int)child[i]);
			if (!getenv("FORKRACE_KEEP")) kill(child[i], SIGKILL);
			failed = 1;
		}
	return failed;
}
