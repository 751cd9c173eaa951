/* Segment ids that collide across IPC namespaces.  Run in a fresh
 * namespace (`unshare --ipc`), so that its first segment gets id 0; it
 * keeps that 4096-byte segment (a leak the kernel keeps) and then, in a
 * namespace of its own, gets id 0 again for an 8192-byte one:
 *   unshare      unshare(CLONE_NEWIPC); the 8192-byte one is left there
 *   raw-unshare  the same through syscall(SYS_unshare)
 *   clone        a child made with clone(CLONE_NEWIPC) makes it and exits
 *   setns        makes it, removes it, and with setns goes back to the
 *                first namespace, where it attaches and detaches id 0
 *   setns-any    the same with setns(fd, 0): any type of namespace
 *   vfork        makes none: a vfork child (our memory, its own pid)
 *                unshares and _exits; we then attach and detach id 0
 * Prints "ids A B" (B is -1 for vfork): the test checks that they collide.  Exit 77: the
 * system cannot make an IPC namespace. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int second_id = -1;

static int make_second(void *unused)
{
	(void)unused;
	second_id = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
	return second_id == -1;
}

static int in_new_namespace(const char *how)
{
	if (strcmp(how, "raw-unshare") == 0)
		return syscall(SYS_unshare, CLONE_NEWIPC) == 0 ? 0 : 77;
	return unshare(CLONE_NEWIPC) == 0 ? 0 : 77;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "unshare";
	int first = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	if (first == -1)
		return 1;
	if (strcmp(how, "vfork") == 0) {
		void *p;
		pid_t child = vfork();
		if (child == 0)
			_exit(unshare(CLONE_NEWIPC) == 0 ? 0 : 77);
		int status;
		if (child == -1 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
			return 1;
		if (WEXITSTATUS(status) != 0)
			return WEXITSTATUS(status);
		if ((p = shmat(first, NULL, 0)) == (void *)-1 || shmdt(p) != 0)
			return 1;
	} else if (strcmp(how, "clone") == 0) {
		static char stack[65536];
		/* A copy of us (no CLONE_VM): second_id comes back as the exit status. */
		pid_t child = clone(make_second, stack + sizeof stack, CLONE_NEWIPC | SIGCHLD, NULL);
		int status;
		if (child == -1)
			return 77;
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
		second_id = 0; /* the first id of a new namespace (ipc_namespaces(7)) */
	} else {
		int back = open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC);
		int err = in_new_namespace(how);
		if (back == -1 || err)
			return err ? err : 1;
		if (make_second(NULL) != 0)
			return 1;
		if (strncmp(how, "setns", 5) == 0) {
			void *p;
			int type = strcmp(how, "setns-any") == 0 ? 0 : CLONE_NEWIPC;
			if (shmctl(second_id, IPC_RMID, NULL) != 0 || setns(back, type) != 0 ||
			    (p = shmat(first, NULL, 0)) == (void *)-1 || shmdt(p) != 0)
				return 1;
		}
	}
	printf("ids %d %d\n", first, second_id);
	return 0;
}
