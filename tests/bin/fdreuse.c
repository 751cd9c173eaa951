/* A program that takes the descriptor numbers 1000 and 1001 for a file of
 * its own (dup2), as a server with many connections may hold them, writes
 * a line to it, then makes shm calls from ever deeper stacks (each new
 * stack page is one libunwind checks), and writes a second line through
 * 1000.  Bare, the file holds the two lines.
 *   usage: fdreuse FILE */
#include <fcntl.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
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
	if (argc < 2)
		return 2;
	call(); /* the trace file and libunwind set up first */
	for (int fd = 1000; fd < 1002; fd++) {
		int f = open(argv[1], O_RDWR | O_CREAT | O_APPEND, 0600);
		if (f < 0 || dup2(f, fd) != fd)
			return 1;
		close(f);
	}
	if (write(1000, "the program's line\n", 19) != 19)
		return 1;
	for (int i = 1; i < 1500; i += 5)
		deep(i);
	return write(1000, "and its second\n", 15) != 15;
}
