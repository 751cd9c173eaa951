/* Creates a segment with syscall(SYS_shmget), bypassing the libc wrapper
 * the shim interposes, and leaves it.  Prints its id. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long id = syscall(SYS_shmget, IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	printf("shmid=%ld\n", id);
	return id == -1;
}
