/* A program that makes descriptor 2 its own data file, as a daemon that
 * closes stderr and opens its log does, then makes a shm call.  The file
 * must hold only its own lines, whatever the tracer has to say.
 *   usage: stderr_data DATAFILE   (descriptor 2 becomes DATAFILE)
 *          stderr_data -          (descriptor 2 is left alone) */
#include <fcntl.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static void line(const char *s)
{
	if (write(STDERR_FILENO, s, strlen(s)) < 0)
		_exit(3);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "-") != 0) {
		close(STDERR_FILENO);
		if (open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) != STDERR_FILENO)
			return 4;
	}
	line("data 1\n");
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	shmctl(id, IPC_RMID, NULL);
	line("data 2\n");
	return id < 0;
}
