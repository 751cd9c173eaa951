/* A server that starts as root, opens its trace file with a first call,
 * drops to `nobody` and forks a worker: the worker may not create a file in
 * the root-owned trace directory, so it appends to its parent's.  The
 * worker makes a call and is killed by SIGKILL; the parent collects it.
 * The calls are IPC_INFO, which needs no segment and no permission.
 * Run as root.   usage: worker_killed */
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	struct shminfo info;
	if (shmctl(0, IPC_INFO, (struct shmid_ds *)&info) < 0 || setgid(65534) != 0 || setuid(65534) != 0)
		return 2;
	pid_t worker = fork();
	if (worker == 0) {
		shmctl(0, IPC_INFO, (struct shmid_ds *)&info);
		raise(SIGKILL);
		_exit(3);
	}
	int status;
	if (waitpid(worker, &status, 0) != worker || !WIFSIGNALED(status))
		return 4;
	printf("worker=%d\n", (int)worker);
	return 0;
}
