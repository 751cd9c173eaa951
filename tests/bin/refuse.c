/* Runs a program as on an older kernel or file system, by a seccomp filter
 * that makes one system call fail as that one answers:
 *   fallocate      every fallocate(2) fails with EOPNOTSUPP (NFSv3, 9p,
 *                  some FUSE: no fallocate)
 *   procmap_query  ioctl(PROCMAP_QUERY) fails with ENOTTY (Linux < 6.11:
 *                  /proc/PID/maps has no ioctl)
 *   usage: refuse fallocate|procmap_query PROGRAM [ARGS...] */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROCMAP_QUERY _IOWR('f', 17, char[104]) /* struct procmap_query, 104 bytes */

int main(int argc, char **argv)
{
	int fallocate = argc > 2 && strcmp(argv[1], "fallocate") == 0;
	int query = argc > 2 && strcmp(argv[1], "procmap_query") == 0;
	if (!fallocate && !query)
		return 2;
	struct sock_filter no_fallocate[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fallocate, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EOPNOTSUPP & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	/* An ioctl's request is the low word of its second argument. */
	struct sock_filter no_query[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)PROCMAP_QUERY, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOTTY & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = fallocate ? (struct sock_fprog){sizeof no_fallocate / sizeof *no_fallocate, no_fallocate}
					   : (struct sock_fprog){sizeof no_query / sizeof *no_query, no_query};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("refuse: seccomp");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror("refuse: exec");
	return 127;
}
