/* A program that uses libunwind itself -- the same libunwind the library
 * loads -- and then closes every descriptor and opens files of its own,
 * whose numbers are those libunwind's pipe had: 3 and 4.  Then shm calls
 * from ever deeper stacks (each new page one libunwind checks), a second
 * line to each file, and one more backtrace of its own.  Bare, each file
 * holds its two lines.
 *   usage: ownunwind DIR      prints "frames N" (its own last backtrace) */
#define UNW_LOCAL_ONLY
#include <fcntl.h>
#include <libunwind.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static void call(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	shmctl(id, IPC_RMID, NULL);
}

static int deep(int n)
{
	volatile char pad[512];
	memset((char *)pad, n, sizeof pad);
	if (n)
		return deep(n - 1) + pad[3];
	call();
	return pad[5];
}

int main(int argc, char **argv)
{
	void *ips[32];
	char path[4096];
	int fds[2];
	if (argc < 2)
		return 2;
	unw_backtrace(ips, 32); /* libunwind set up for the program: its pipe */
	syscall(SYS_close_range, 3, ~0u, 0);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/data%d", argv[1], i);
		fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600);
		if (fds[i] < 0 || write(fds[i], "its own line\n", 13) != 13)
			return 1;
	}
	for (int i = 1; i < 1500; i += 5)
		deep(i);
	for (int i = 0; i < 2; i++)
		if (write(fds[i], "and a second\n", 13) != 13)
			return 1;
	printf("frames %d\n", unw_backtrace(ips, 32));
	return 0;
}
