/* A thread that loops shm calls, which are no cancellation points, is sent
 * pthread_cancel after US microseconds (default 20000): bare, it never
 * acts on it and returns when told to stop; then the process goes on
 * making calls.  Prints "returned" (or "cancelled") and "ok".
 *   usage: cancelled [US] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static atomic_int stop;

static void *loop_calls(void *unused)
{
	(void)unused;
	while (!stop) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		shmctl(id, IPC_RMID, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	void *ret;
	pthread_create(&t, NULL, loop_calls, NULL);
	usleep(argc > 1 ? (useconds_t)atoi(argv[1]) : 20000);
	pthread_cancel(t);
	usleep(200000);
	stop = 1;
	pthread_join(t, &ret);
	puts(ret == PTHREAD_CANCELED ? "cancelled" : "returned");
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	puts(id != -1 && shmctl(id, IPC_RMID, NULL) == 0 ? "ok" : "failed");
	return 0;
}
