/* A server that starts as root and drops to `nobody`, then forks a worker
 * and both make shm calls, as servers do.  Neither may create files in a
 * root-owned trace directory any more.   Run as root.
 *   usage: dropper [N [closeall]]   N IPC_STAT calls by each before and
 *       after the fork (enough of them and the trace file is mapped);
 *       closeall: first a call, then every descriptor from 3 up closed
 *       before the drop, as a daemon does */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

/* A call from stack pages not used before: libunwind checks each new one
 * (through its pipe, which closing every descriptor took away). */
static __attribute__((noinline)) void deep_call(int depth)
{
	volatile char page[4096];
	page[0] = (char)depth;
	if (depth) {
		deep_call(depth - 1);
	} else {
		struct shmid_ds ds;
		shmctl(0, IPC_STAT, &ds);
	}
	page[1] = page[0];
}

static void stats(int id, int n)
{
	struct shmid_ds ds;
	for (int i = 0; i < n; i++)
		shmctl(id, IPC_STAT, &ds);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (argc > 2 && strcmp(argv[2], "closeall") == 0) {
		struct shmid_ds ds;
		shmctl(0, IPC_STAT, &ds); /* any call: the trace file is open */
		close_range(3, ~0u, 0);
	}
	if (setgid(65534) != 0 || setuid(65534) != 0) {
		perror("drop privileges");
		return 2;
	}
	if (argc > 2)
		deep_call(16);
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	stats(id, n);
	pid_t worker = fork();
	if (worker == 0) {
		void *p = shmat(id, NULL, 0);
		stats(id, n);
		shmdt(p);
		_exit(0);
	}
	stats(id, n);
	waitpid(worker, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	printf("worker=%d shmid=%d\n", (int)worker, id);
	return 0;
}
