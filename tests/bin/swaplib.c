/* A library built twice (Makefile: libswapa.so with MAKER=alpha_make,
 * libswapb.so with MAKER=beta_make), for dlswap: the same code, so that
 * the second, opened once the first is closed, is mapped where the first
 * was, with its function at the same address under another name. */
#include <sys/ipc.h>
#include <sys/shm.h>

__attribute__((noinline)) int MAKER(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	__asm__ volatile("" ::: "memory"); /* not a tail call: MAKER stays on the stack */
	return id;
}
