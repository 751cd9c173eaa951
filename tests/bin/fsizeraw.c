/* Lowers its file size limit to 1 byte and raises it again, through
 * syscall(2) (setrlimit, then prlimit64), between shm calls, and prints
 * "ok".  Bare it writes no file.   usage: fsizeraw */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pair(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	return id == -1 || shmctl(id, IPC_RMID, NULL) == -1;
}

int main(void)
{
	struct rlimit one = {1, RLIM_INFINITY}, none = {RLIM_INFINITY, RLIM_INFINITY};
	if (pair() != 0 || syscall(SYS_setrlimit, RLIMIT_FSIZE, &one) != 0 ||
	    syscall(SYS_setrlimit, RLIMIT_FSIZE, &none) != 0 || pair() != 0 ||
	    syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, &one, NULL) != 0 ||
	    syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, &none, NULL) != 0 || pair() != 0)
		return 1;
	puts("ok");
	return 0;
}
