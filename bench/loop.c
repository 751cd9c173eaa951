/* The benchmark loop of issue 5: shmget + shmat + one write + shmdt +
 * IPC_RMID, timed inside the program so that start-up is excluded.
 * Prints the nanoseconds per iteration of wall time; with "cpu", then those
 * of the process's CPU time, and of wall time less the time its threads
 * waited for a CPU (/proc/thread-self/schedstat): what other loads on a
 * shared machine move less.   usage: loop ITERATIONS [THREADS [cpu]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

static long iterations;
static _Atomic long long runq_wait; /* ns, all threads */

/* Nanoseconds this thread has waited on a run queue. */
static long long waited(void)
{
	long long run = 0, wait = 0;
	FILE *f = fopen("/proc/thread-self/schedstat", "r");
	if (f && fscanf(f, "%lld %lld", &run, &wait) != 2)
		wait = 0;
	if (f)
		fclose(f);
	return wait;
}

static void *cycles(void *unused)
{
	(void)unused;
	long long w0 = waited();
	for (long i = 0; i < iterations; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		int *p = shmat(id, NULL, 0);
		if (id == -1 || p == (void *)-1)
			abort();
		*p = (int)i;
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
	}
	runq_wait += waited() - w0;
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
		printf("%.0f %.0f %.0f\n", ns / (double)iterations, cns / (double)iterations,
		       (ns - (double)runq_wait / threads) / (double)iterations);
	else
		printf("%.0f\n", ns / (double)iterations);
	return 0;
}
