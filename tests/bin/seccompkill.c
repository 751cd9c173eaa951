/* Makes a shm call, then installs a seccomp filter that kills the process
 * at any prlimit64 or getrlimit -- as chronyd's does (-F 1), which lists
 * what it may call -- then makes N more pairs of calls and prints "ok".
 * Bare it never asks for a limit, so it lives.
 *   usage: seccompkill N [syscall]
 * syscall: the filter installed through syscall(SYS_seccomp), as
 * libseccomp does (chronyd), not prctl. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pair(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	return id == -1 || shmctl(id, IPC_RMID, NULL) == -1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	int by_syscall = argc > 2 && strcmp(argv[2], "syscall") == 0;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prlimit64, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getrlimit, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof filter / sizeof *filter, filter};
	if (pair() != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    (by_syscall ? syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)
			: prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) != 0) {
		perror("seccompkill");
		return 2;
	}
	for (int i = 0; i < n; i++)
		if (pair() != 0)
			return 1;
	puts("ok");
	return 0;
}
