/* Creates a segment (or, given "sem" or "msg", a semaphore set of 2 or a
 * message queue) with an inline system call instruction, which no library
 * can see, and leaves it.  Prints its id.  x86-64 only. */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/syscall.h>

static long inline_call(long nr, long a, long b, long c)
{
	long ret;
	register long rdi __asm__("rdi") = a;
	register long rsi __asm__("rsi") = b;
	register long rdx __asm__("rdx") = c;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "r"(rdi), "r"(rsi), "r"(rdx) : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "shm";
	long id;
	if (strcmp(kind, "sem") == 0)
		id = inline_call(SYS_semget, IPC_PRIVATE, 2, IPC_CREAT | 0600);
	else if (strcmp(kind, "msg") == 0)
		id = inline_call(SYS_msgget, IPC_PRIVATE, IPC_CREAT | 0600, 0);
	else
		id = inline_call(SYS_shmget, IPC_PRIVATE, 16384, IPC_CREAT | 0600);
	printf("%sid=%ld\n", kind, id);
	return id < 0;
}
