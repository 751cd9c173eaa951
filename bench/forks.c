/* The cost of a new process that makes a shm call: N children, one after
 * another, each forked, making one shmget and IPC_RMID, and exiting.
 * Prints the mean wall time of one child, fork to reaping, in microseconds.
 *   usage: forks N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (n <= 0)
		return 2;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
			_exit(id == -1 || shmctl(id, IPC_RMID, NULL) == -1);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / n);
	return 0;
}
