/* The benchmark loop of issue 5: shmget + shmat + one write + shmdt +
 * IPC_RMID, timed inside the program so that start-up is excluded.
 * Prints the nanoseconds per iteration of wall time; with "cpu", then those
 * of the process's CPU time too (less moved by other loads on a shared
 * machine).   usage: loop ITERATIONS [THREADS [cpu]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

static long iterations;

static void *cycles(void *unused)
{
	(void)unused;
	for (long i = 0; i < iterations; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		int *p = shmat(id, NULL, 0);
		if (id == -1 || p == (void *)-1)
			abort();
		*p = (int)i;
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	iterations = argc > 1 ? atol(argv[1]) : 20000;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	pthread_t t[64];
	int cpu = argc > 3 && argv[3][0] == 'c';
	struct timespec a, b, ca, cb;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < threads && i < 64; i++)
		pthread_create(&t[i], NULL, cycles, NULL);
	for (int i = 0; i < threads && i < 64; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	double cns = (double)(cb.tv_sec - ca.tv_sec) * 1e9 + (double)(cb.tv_nsec - ca.tv_nsec);
	if (cpu)
		printf("%.0f %.0f\n", ns / (double)iterations, cns / (double)iterations);
	else
		printf("%.0f\n", ns / (double)iterations);
	return 0;
}
