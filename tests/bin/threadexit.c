/* A program whose main thread ends before the process does, which the
 * kernel tells as the exit of the thread-group leader:
 *   threadexit exec CMD [ARG...]  a second thread execs CMD (as Go's
 *                                 syscall.Exec may); the old main thread
 *                                 is gone with the exec
 *   threadexit main CMD           main calls pthread_exit; a second thread
 *                                 runs system(CMD), then ends the process */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **command;

static void *exec_it(void *unused)
{
	(void)unused;
	execvp(command[0], command);
	perror(command[0]);
	exit(127);
}

static void *run_it(void *unused)
{
	(void)unused;
	usleep(100000); /* the main thread is gone by then */
	exit(system(command[0]) == 0 ? 0 : 1);
}

int main(int argc, char **argv)
{
	pthread_t t;
	if (argc < 3 || (strcmp(argv[1], "exec") && strcmp(argv[1], "main"))) {
		fprintf(stderr, "usage: threadexit exec|main CMD [ARG...]\n");
		return 2;
	}
	command = argv + 2;
	if (pthread_create(&t, NULL, strcmp(argv[1], "exec") == 0 ? exec_it : run_it, NULL) != 0)
		return 1;
	if (strcmp(argv[1], "exec") == 0)
		pause();
	pthread_exit(NULL);
}
