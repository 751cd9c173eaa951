/* Runs a command in a child made with clone(CLONE_PARENT), as container
 * runtimes and some daemons make them: the kernel names this program's
 * parent as the child's, and this program returns at once.
 *   usage: cloneparent CMD [ARG...] */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static char **command;
static char stack[64 * 1024];

static int child(void *unused)
{
	(void)unused;
	execvp(command[0], command);
	perror(command[0]);
	return 127;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cloneparent CMD [ARG...]\n");
		return 2;
	}
	command = argv + 1;
	if (clone(child, stack + sizeof stack, CLONE_PARENT | SIGCHLD, NULL) < 0) {
		perror("clone");
		return 1;
	}
	return 0;
}
