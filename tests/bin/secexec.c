/* Becomes what squid's master is between its privileged steps -- real user
 * nobody, effective root (setresuid(65534, 65534, 0), then
 * setresuid(-1, 0, -1)) -- and forks a child that execs PROGRAM: the
 * kernel runs it in secure-execution mode (AT_SECURE), where the loader
 * ignores an LD_PRELOAD path.   usage: secexec PROGRAM [ARGS...]  (root) */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || setresuid(65534, 65534, 0) != 0 || setresuid((uid_t)-1, 0, (uid_t)-1) != 0) {
		perror("secexec");
		return 2;
	}
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
