/* Lowers and raises its own file size limit (RLIMIT_FSIZE: 1 byte, then
 * none) for SECONDS while two threads make ftok calls on a 3,000-byte path,
 * whose records make the trace grow fast.  Bare it writes no file, so no
 * SIGXFSZ can reach it: traced, none must either (the library's writes
 * hold it).   usage: fsizeflip SECONDS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <time.h>

static char path[3000];
static volatile int stop;

static void *caller(void *unused)
{
	(void)unused;
	while (!stop)
		ftok(path, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.3;
	memset(path, 'p', sizeof path - 1);
	path[0] = '/';
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, caller, NULL);
	struct rlimit low = {1, RLIM_INFINITY}, none = {RLIM_INFINITY, RLIM_INFINITY};
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		setrlimit(RLIMIT_FSIZE, &low);
		setrlimit(RLIMIT_FSIZE, &none);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	puts("done");
	return 0;
}
