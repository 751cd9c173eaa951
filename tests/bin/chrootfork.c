/* Chroots into DIR (an empty directory: no libunwind there), then forks a
 * child that exits at once -- as Chromium's sandboxed zygote does.
 * Neither makes a shm call.   usage: chrootfork DIR   (root only) */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2 || chroot(argv[1]) != 0 || chdir("/") != 0) {
		perror("chrootfork");
		return 2;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
