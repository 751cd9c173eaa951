/* CHILDREN forked children in turn, each with THREADS threads released
 * at once to make CALLS failing shmctl calls each: every child's own trace
 * file reaches the size limit (ulimit -f, --max-size) with several
 * threads writing records at that moment -- a crossing per child, where a
 * process alone crosses once.  Prints "children=N" when all exited 0.
 *   usage: crowdlimit CHILDREN THREADS CALLS */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t start;
static int calls;

static void *worker(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&start);
	for (int i = 0; i < calls; i++)
		shmctl(-1, IPC_STAT, NULL); /* EINVAL: a record, nothing made */
	return NULL;
}

static int child(int threads)
{
	pthread_t t[64];
	pthread_barrier_init(&start, NULL, (unsigned)threads);
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) != 0)
			return 2;
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int children = atoi(argv[1]), threads = atoi(argv[2]);
	calls = atoi(argv[3]);
	if (threads < 1 || threads > 64)
		return 2;
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0)
			_exit(child(threads));
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
	}
	printf("children=%d\n", children);
	return 0;
}
