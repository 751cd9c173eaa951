/* Starts a program twice, with vfork + exec and with posix_spawn, and waits.
 *   usage: spawner PROGRAM [ARGS...] */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	pid_t a = vfork();
	if (a == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	pid_t b;
	if (posix_spawn(&b, argv[1], NULL, NULL, argv + 1, environ) != 0)
		return 1;
	int sa, sb;
	waitpid(a, &sa, 0);
	waitpid(b, &sb, 0);
	printf("vfork=%d posix_spawn=%d\n", (int)a, (int)b);
	return !(WIFEXITED(sa) && !WEXITSTATUS(sa) && WIFEXITED(sb) && !WEXITSTATUS(sb));
}
