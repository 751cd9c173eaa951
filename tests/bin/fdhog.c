/* Opens /dev/null until open() fails, and prints how many it got and why it
 * stopped, between two shm calls: the first opens the tracer's file (and
 * libunwind's pipe), the second is made with every descriptor taken.  Then
 * the limits it sees.
 *   usage: fdhog */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

int main(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	static int opened[1 << 16];
	int n = 0, fd, lowest = -1;
	while (n < (int)(sizeof opened / sizeof *opened) && (fd = open("/dev/null", O_RDONLY)) >= 0) {
		if (lowest < 0)
			lowest = fd;
		opened[n++] = fd;
	}
	int err = errno;
	int rm = shmctl(id, IPC_RMID, NULL);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("opened %d from %d, then %s; shmctl %d; limits %llu %llu\n", n, lowest, strerrorname_np(err), rm,
	       (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	/* A sanitizer's exit needs descriptors of its own. */
	for (int i = 0; i < n; i++)
		close(opened[i]);
	return 0;
}
