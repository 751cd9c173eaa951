/* Producer and consumer across fork(), synchronised with a process-shared
 * POSIX semaphore that lives in the segment itself.  The child inherits the
 * parent's attachment, reads the message, detaches; the parent waits for
 * it, detaches and removes the segment. */
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct mailbox {
	sem_t full;
	char message[256];
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int consume(struct mailbox *box)
{
	while (sem_wait(&box->full) == -1)
		;
	printf("consumer %d read: %s\n", (int)getpid(), box->message);
	fflush(stdout);
	return shmdt(box) == 0 ? 0 : 1;
}

int main(void)
{
	int shmid = shmget(IPC_PRIVATE, sizeof(struct mailbox), IPC_CREAT | 0600);
	if (shmid == -1)
		die("shmget");
	struct mailbox *box = shmat(shmid, NULL, 0);
	if (box == (void *)-1)
		die("shmat");
	if (sem_init(&box->full, 1, 0) == -1)
		die("sem_init");
	printf("shmid=%d attach=%p\n", shmid, (void *)box);
	fflush(stdout);

	pid_t child = fork();
	if (child == -1)
		die("fork");
	if (child == 0)
		_exit(consume(box));

	snprintf(box->message, sizeof box->message, "hello from producer %d", (int)getpid());
	sem_post(&box->full);
	int status;
	waitpid(child, &status, 0);
	sem_destroy(&box->full);
	if (shmdt(box) == -1 || shmctl(shmid, IPC_RMID, NULL) == -1)
		die("cleanup");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
