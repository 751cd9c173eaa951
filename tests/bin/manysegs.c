/* A run of many segments across processes, for the pictures at scale
 * (tests/pictures.bats, docs/report-format.md's sizes): NPROC children,
 * each making NSEG segments in turn -- IPC_PRIVATE, attached, written,
 * detached, removed -- and the first child leaves its last one; every
 * child fails one shmat (a bad id), as error paths do.  Prints the shmid
 * left behind.  Usage: manysegs NPROC NSEG */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int child(int n, int nseg)
{
	for (int i = 0; i < nseg; i++) {
		int id = shmget(IPC_PRIVATE, 4096 * (1 + i % 4), IPC_CREAT | 0600);
		if (id < 0)
			return perror("shmget"), 1;
		char *p = shmat(id, NULL, 0);
		if (p == (void *)-1)
			return perror("shmat"), 1;
		strcpy(p, "many");
		shmdt(p);
		if (n == 0 && i == nseg - 1) {
			printf("left=%d\n", id);
			fflush(stdout);
			continue;
		}
		shmctl(id, IPC_RMID, NULL);
	}
	if (shmat(-1, NULL, 0) != (void *)-1)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int nproc = argc > 1 ? atoi(argv[1]) : 4, nseg = argc > 2 ? atoi(argv[2]) : 25;
	for (int n = 0; n < nproc; n++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(child(n, nseg));
		if (pid < 0)
			return perror("fork"), 1;
		int status;
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
