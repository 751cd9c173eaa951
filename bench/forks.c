/* The cost of a new process that makes a shm call: N children, one after
 * another, each forked, making one shmget and IPC_RMID, and exiting.
 * Prints the mean wall time of one child, fork to reaping, in microseconds.
 *   usage: forks N [none | file DIR]
 * none: the children exit at once (what a traced parent's fork costs by
 * itself); file DIR: each child creates a file of its own in DIR and
 * writes a line to it, as a traced child creates its trace (what the file
 * system alone costs). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int child(const char *mode, const char *dir)
{
	if (!mode) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		return id == -1 || shmctl(id, IPC_RMID, NULL) == -1;
	}
	if (strcmp(mode, "none") == 0)
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/file.%d", dir, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	return fd < 0 || write(fd, "{}\n", 3) != 3 || close(fd) != 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	const char *mode = argc > 2 ? argv[2] : NULL, *dir = argc > 3 ? argv[3] : NULL;
	if (n <= 0 || (mode && strcmp(mode, "none") != 0 && (strcmp(mode, "file") != 0 || !dir)))
		return 2;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(child(mode, dir));
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / n);
	return 0;
}
