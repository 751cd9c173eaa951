/* Odd process shapes, each making shm calls around the moment a new process
 * appears, the way real programs do it without fork():
 *   shapes vfork-exit   vfork, the child fails its exec and _exits
 *   shapes clone        clone() without CLONE_VM (a fork without atfork)
 *   shapes clone-vm     clone(CLONE_VM) without CLONE_THREAD: memory shared
 *   shapes clone3       the clone3 system call through syscall()
 *   shapes raw-clone    the clone system call as an inline instruction
 * In each the parent attaches a segment before the child appears and
 * detaches and removes it after the child ended; the child makes CHILD_CALLS
 * calls of its own.  Prints "parent=PID child=PID". */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_CALLS 50 /* shmget + IPC_RMID pairs: 100 calls */

static char child_stack[256 << 10] __attribute__((aligned(16)));

static void child_calls(void)
{
	for (int i = 0; i < CHILD_CALLS; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id == -1 || shmctl(id, IPC_RMID, NULL) == -1)
			_exit(3);
	}
}

static int child_main(void *arg)
{
	(void)arg;
	child_calls();
	_exit(0);
}

/* The clone system call made by an instruction of our own: no libc wrapper
 * and no atfork handler can see it.  Returns like fork(). */
static long raw_clone(void)
{
#if defined(__x86_64__)
	long ret;
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_clone), "D"((long)SIGCHLD), "S"(0L), "d"(0L), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return ret;
#else
	return syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: shapes vfork-exit|clone|clone-vm|clone3|raw-clone\n");
		return 2;
	}
	const char *shape = argv[1];
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p = shmat(id, NULL, 0);
	if (id == -1 || p == (void *)-1)
		return 1;
	pid_t child;
	if (!strcmp(shape, "vfork-exit")) {
		child = vfork();
		if (child == 0) {
			execl("/nonexistent/program", "program", (char *)NULL);
			_exit(127);
		}
	} else if (!strcmp(shape, "clone")) {
		child = clone(child_main, child_stack + sizeof child_stack, SIGCHLD, NULL);
	} else if (!strcmp(shape, "clone-vm")) {
		child = clone(child_main, child_stack + sizeof child_stack, CLONE_VM | SIGCHLD, NULL);
		/* Calls of the parent while the child makes its own. */
		child_calls();
	} else if (!strcmp(shape, "clone3")) {
		struct clone_args args;
		memset(&args, 0, sizeof args);
		args.exit_signal = SIGCHLD;
		child = (pid_t)syscall(SYS_clone3, &args, sizeof args);
		if (child == 0)
			child_main(NULL);
	} else if (!strcmp(shape, "raw-clone")) {
		child = (pid_t)raw_clone();
		if (child == 0)
			child_main(NULL);
	} else {
		fprintf(stderr, "shapes: unknown shape %s\n", shape);
		return 2;
	}
	if (child < 0) {
		perror("shapes");
		return 1;
	}
	int status;
	if (waitpid(child, &status, 0) != child)
		return 1;
	if (shmdt(p) == -1 || shmctl(id, IPC_RMID, NULL) == -1)
		return 1;
	printf("parent=%d child=%d\n", (int)getpid(), (int)child);
	return WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 127) ? 0 : 1;
}
