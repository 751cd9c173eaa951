/* A program that treats every descriptor as its own, as daemons do: it
 * closes all above 2, opens its own log (getting the lowest numbers), and
 * dup2s that log over every number up to 1100, where a tracer's descriptor
 * would hide.  Then it makes shm calls and writes to its log.  Its log must
 * hold only its own lines; the shm calls must still be traced.
 *   usage: fdchaos LOGFILE */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	for (int fd = 3; fd < 4096; fd++)
		close(fd);
	int log = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (log < 0)
		return 3;
	for (int fd = log + 1; fd <= 1100; fd++)
		dup2(log, fd);

	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p = shmat(id, NULL, 0);
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);

	const char line[] = "my own log line\n";
	if (write(log, line, strlen(line)) != (ssize_t)strlen(line))
		return 4;
	printf("shmid=%d\n", id);
	return 0;
}
