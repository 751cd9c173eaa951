/* Spawns ARGS with posix_spawn, stays 100 ms (the new program is loaded by
 * then), prints "PARENT CHILD" and exits: whatever the child does later,
 * its parent is gone, and getppid() names a reaper.
 *   usage: spawnlate PROGRAM [ARGS...] */
#include <spawn.h>
#include <stdio.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	pid_t child;
	if (argc < 2 || posix_spawn(&child, argv[1], NULL, NULL, argv + 1, environ) != 0)
		return 2;
	usleep(100000);
	printf("%d %d\n", (int)getpid(), (int)child);
	return 0;
}
