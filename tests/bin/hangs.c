/* Waits forever when its shmat fails: an error path that hangs, for
 * sweep's timeout.  Otherwise attaches, detaches, removes, exits 0. */
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	while (p == (void *)-1)
		pause(); /* waiting for a segment that will never come */
	shmdt(p);
	return 0;
}
