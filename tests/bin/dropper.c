/* A server that starts as root and drops to `nobody`, then forks a worker
 * and both make shm calls, as servers do.  Neither may create files in a
 * root-owned trace directory any more.   Run as root. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	if (setgid(65534) != 0 || setuid(65534) != 0) {
		perror("drop privileges");
		return 2;
	}
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	pid_t worker = fork();
	if (worker == 0) {
		void *p = shmat(id, NULL, 0);
		shmdt(p);
		_exit(0);
	}
	waitpid(worker, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	printf("worker=%d shmid=%d\n", (int)worker, id);
	return 0;
}
