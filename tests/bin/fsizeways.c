/* Sets a file size limit of 64 KiB in a way that does not apply to this
 * process, then makes 1,500 shmget + IPC_RMID pairs (about 300 KiB of
 * records) and prints "pairs=1500".  Bare it writes no file.
 *   usage: fsizeways refused | vfork | outside
 * refused: the kernel refuses it (soft above hard: EINVAL), through
 *          setrlimit, prlimit, and syscall(2)'s setrlimit and prlimit64;
 * vfork:   a vfork child sets it for itself, then execs /bin/true;
 * outside: it sets it for itself, prints "ready", and waits for a line
 *          on stdin -- meanwhile the test raises it from outside. */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct rlimit small = {64 << 10, 64 << 10};

static int refuse_every_way(void)
{
	struct rlimit over = {small.rlim_cur, small.rlim_cur / 2}, now;
	if (getrlimit(RLIMIT_FSIZE, &now) != 0 || now.rlim_max < over.rlim_cur)
		return -1; /* (then it would not be refused for the reason meant) */
	return setrlimit(RLIMIT_FSIZE, &over) == 0 || prlimit(0, RLIMIT_FSIZE, &over, NULL) == 0 ||
			       syscall(SYS_setrlimit, RLIMIT_FSIZE, &over) == 0 ||
			       syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, &over, NULL) == 0
		       ? -1
		       : 0;
}

static int child_sets_its_own(void)
{
	pid_t pid = vfork();
	if (pid == 0) {
		setrlimit(RLIMIT_FSIZE, &small);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && status == 0 ? 0 : -1;
}

static int set_then_wait(void)
{
	char line[16];
	if (setrlimit(RLIMIT_FSIZE, &(struct rlimit){small.rlim_cur, RLIM_INFINITY}) != 0)
		return -1;
	puts("ready");
	fflush(stdout);
	return fgets(line, sizeof line, stdin) ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	int ok = strcmp(how, "refused") == 0 ? refuse_every_way()
		 : strcmp(how, "vfork") == 0 ? child_sets_its_own()
		 : strcmp(how, "outside") == 0 ? set_then_wait()
					       : -1;
	if (ok != 0)
		return 2;
	for (int i = 0; i < 1500; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id == -1 || shmctl(id, IPC_RMID, NULL) != 0)
			return 1;
	}
	puts("pairs=1500");
	return 0;
}
