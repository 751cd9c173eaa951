/* The semaphore benchmark of issue 17: semop +1 then -1 on a private set,
 * two calls an iteration that never wait, timed inside the program so that
 * start-up is excluded.  Prints the nanoseconds per semop call.
 *   usage: semloop ITERATIONS */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 20000;
	struct sembuf up = {0, 1, 0}, down = {0, -1, 0};
	struct timespec a, b;
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (id == -1)
		abort();
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < iterations; i++)
		if (semop(id, &up, 1) != 0 || semop(id, &down, 1) != 0)
			abort();
	clock_gettime(CLOCK_MONOTONIC, &b);
	semctl(id, 0, IPC_RMID);
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("%.0f\n", iterations ? ns / (2.0 * (double)iterations) : 0.0);
	return 0;
}
