/* A program in a seccomp sandbox, as brokers confine themselves: "trap", a
 * SIGSYS handler answers EPERM for fallocate(2), which the filter traps;
 * "eintr", the filter answers EINTR for every writev(2).  The program
 * itself makes neither call: it makes CYCLES shm cycles (enough records for
 * the library to map its file) and prints "done".
 *   usage: sandboxed CYCLES trap|eintr */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <ucontext.h>

static volatile sig_atomic_t trapped;

static void answer_eperm(int sig, siginfo_t *info, void *context)
{
	(void)sig, (void)info;
	((ucontext_t *)context)->uc_mcontext.gregs[REG_RAX] = -EPERM;
	trapped++;
}

int main(int argc, char **argv)
{
	int cycles = argc > 1 ? atoi(argv[1]) : 400;
	int trap = argc > 2 && strcmp(argv[2], "trap") == 0;
	struct sigaction sa = {.sa_sigaction = answer_eperm, .sa_flags = SA_SIGINFO};
	sigaction(SIGSYS, &sa, NULL);
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, trap ? SYS_fallocate : SYS_writev, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, trap ? SECCOMP_RET_TRAP : SECCOMP_RET_ERRNO | (EINTR & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof filter / sizeof *filter, filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("sandboxed: seccomp");
		return 2;
	}
	for (int i = 0; i < cycles; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		void *p = shmat(id, NULL, 0);
		if (id == -1 || p == (void *)-1)
			return 1;
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
	}
	printf("done\n");
	return 0;
}
