/* Attaches a segment, removes it, and exits without shmdt: exit detaches,
 * so no leak, but a warning.  Prints the address. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	printf("shmid=%d attach=%p\n", id, p);
	return 0;
}
