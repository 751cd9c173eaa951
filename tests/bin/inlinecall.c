/* Creates a segment with an inline system call instruction, which no
 * library can see, and leaves it.  Prints its id.  x86-64 only. */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/syscall.h>

int main(void)
{
	long id;
	register long key __asm__("rdi") = IPC_PRIVATE;
	register long size __asm__("rsi") = 16384;
	register long flags __asm__("rdx") = IPC_CREAT | 0600;
	__asm__ volatile("syscall" : "=a"(id) : "0"((long)SYS_shmget), "r"(key), "r"(size), "r"(flags) : "rcx", "r11", "memory");
	printf("shmid=%ld\n", id);
	return id < 0;
}
