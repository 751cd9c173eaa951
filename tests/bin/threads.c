/* THREADS threads, each doing CYCLES full shm cycles (shmget, shmat,
 * write, shmdt, IPC_RMID).  Prints "calls=N": the calls it made, which the
 * trace must hold exactly.   usage: threads THREADS CYCLES */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static int cycles;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < cycles; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id == -1)
			abort();
		int *p = shmat(id, NULL, 0);
		if (p == (void *)-1)
			abort();
		*p = i;
		if (shmdt(p) != 0 || shmctl(id, IPC_RMID, NULL) != 0)
			abort();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	cycles = argc > 2 ? atoi(argv[2]) : 100;
	pthread_t t[64];
	for (int i = 0; i < n && i < 64; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < n && i < 64; i++)
		pthread_join(t[i], NULL);
	printf("calls=%d\n", n * cycles * 4);
	return 0;
}
