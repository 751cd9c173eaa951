/* Linked statically (see Makefile): creates a segment that no shim can
 * see, and leaves it.  Prints its id.  The kernel's before/after table is
 * how the report still finds it. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 12288, IPC_CREAT | 0600);
	printf("shmid=%d\n", id);
	return id == -1;
}
