/* A daemon as they are written: double fork, setsid, close every
 * descriptor above 2, reopen its own files (getting the lowest numbers,
 * where a tracer's descriptors were), then shm calls and writes to its
 * files.  Its log must hold only its own lines.  usage: daemon LOG */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pid_t first = fork();
	if (first > 0) {
		waitpid(first, NULL, 0);
		return 0; /* the launcher returns at once */
	}
	setsid();
	if (fork() > 0)
		_exit(0);
	for (int fd = 3; fd < 65536; fd++)
		close(fd);
	int log = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int spare = open("/dev/null", O_RDONLY);
	for (int i = 0; i < 200; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		void *p = shmat(id, NULL, 0);
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
		char line[64];
		int n = snprintf(line, sizeof line, "daemon cycle %d\n", i);
		if (write(log, line, (size_t)n) != n)
			_exit(3);
	}
	close(spare);
	close(log);
	_exit(0);
}
