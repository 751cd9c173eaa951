/* A parent with a segment attached forks N children; each attaches the
 * segment again, detaches both attachments and exits.  Then the parent
 * detaches and removes it.   usage: forker N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *inherited = shmat(id, NULL, 0);
	if (id == -1 || inherited == (void *)-1)
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char *own = shmat(id, NULL, SHM_RDONLY);
			int bad = own == (void *)-1 || shmdt(own) != 0 || shmdt(inherited) != 0;
			_exit(bad);
		}
	}
	int failed = 0, status;
	while (wait(&status) > 0)
		failed += !WIFEXITED(status) || WEXITSTATUS(status);
	shmdt(inherited);
	shmctl(id, IPC_RMID, NULL);
	printf("children=%d failed=%d\n", n, failed);
	return failed != 0;
}
