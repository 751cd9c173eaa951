/* Creates a segment with syscall(SYS_shmget), bypassing the libc wrapper
 * the shim interposes, and leaves it; then asks IPC_STAT of it the same
 * way.  The first call is a new thread's first, the second the main
 * thread's.  Prints the segment's id. */
#include <pthread.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static long id = -1;

static void *create(void *unused)
{
	(void)unused;
	id = syscall(SYS_shmget, IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct shmid_ds ds;
	if (pthread_create(&t, NULL, create, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 1;
	printf("shmid=%ld\n", id);
	return id == -1 || syscall(SYS_shmctl, id, IPC_STAT, &ds) == -1;
}
