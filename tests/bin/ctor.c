/* shm calls from a constructor, before main, and from a destructor,
 * after it: both must be traced, the destructor's before the exit record. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static int shmid = -1;

__attribute__((constructor)) static void early(void)
{
	shmid = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
}

__attribute__((destructor)) static void late(void)
{
	shmctl(shmid, IPC_RMID, NULL);
}

int main(void)
{
	printf("shmid=%d\n", shmid);
	return 3;
}
