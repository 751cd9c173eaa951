/* Forked children that each make a shm call and then print what /proc says
 * of them, "PID STARTTIME IPC_NS" (field 22 of /proc/self/stat, the inode
 * of /proc/self/ns/ipc), one line each: the test holds them against the
 * children's headers and fork records, which the library now writes
 * without reading /proc.
 *   usage: forkfacts N [unshare | raw-unshare]
 * unshare, raw-unshare: the parent makes a call, then moves to a new IPC
 * namespace (by libc, or by syscall(SYS_unshare)) before it forks.
 * Exit 77: no namespace may be made here. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int call(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	return id == -1 || shmctl(id, IPC_RMID, NULL) == -1;
}

static int facts(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
	line[n] = '\0';
	char *p = strrchr(line, ')');
	struct stat ns;
	if (!p || stat("/proc/self/ns/ipc", &ns) != 0)
		return 1;
	for (int field = 2; field < 22 && *p; p++) /* proc(5): the fields after the name */
		if (*p == ' ')
			field++;
	printf("%d %llu %llu\n", (int)getpid(), strtoull(p, NULL, 10), (unsigned long long)ns.st_ino);
	return fflush(stdout) != 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	const char *how = argc > 2 ? argv[2] : "";
	if (*how) {
		if (call())
			return 1;
		int moved = strcmp(how, "raw-unshare") == 0 ? (int)syscall(SYS_unshare, CLONE_NEWIPC)
							    : unshare(CLONE_NEWIPC);
		if (moved != 0)
			return 77;
	}
	for (int i = 0; i < n; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0)
			_exit(call() || facts());
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
