/* Makes N successful calls, printing each as it returns, then kills itself
 * with SIGKILL: every call that returned must be in the trace.
 *   usage: killself N */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	shmctl(id, IPC_RMID, NULL); /* gone when we are */
	void *p = shmat(id, NULL, 0); /* fails: removed ids cannot be attached */
	(void)p;
	struct shmid_ds ds;
	for (int i = 0; i < n; i++)
		shmctl(0x7fffffff, IPC_STAT, &ds);
	printf("calls=%d\n", n + 3);
	fflush(stdout);
	raise(SIGKILL);
	return 0;
}
