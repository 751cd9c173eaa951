/* A threaded parent that forks with a segment attached and, at once,
 * detaches and removes it, while the child (which inherited the attachment)
 * detaches it in its own time.  N times.  The fork came first: a report
 * that merges the parent's removal before the child's birth invents misuse.
 *   usage: forkorder N */
#include <pthread.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle(void *unused)
{
	(void)unused;
	pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	pthread_t t;
	pthread_create(&t, NULL, idle, NULL);
	for (int i = 0; i < n; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		void *p = shmat(id, NULL, 0);
		if (id == -1 || p == (void *)-1)
			return 1;
		pid_t child = fork();
		if (child == 0) {
			usleep(100);
			_exit(shmdt(p) == -1);
		}
		if (shmdt(p) == -1 || shmctl(id, IPC_RMID, NULL) == -1)
			return 1;
		int status;
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
