/* Calls shmget, shmat, shmdt and shmctl through pointers taken from a
 * handle of libc, as foreign-function interfaces do (Python's ctypes,
 * Java's Panama): dlopen("libc.so.6") then dlsym in it, whose scope is
 * libc's own, not the global one where a preloaded wrapper comes first.
 * Prints "ok".   usage: ffi */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	if (!libc)
		return 2;
	int (*get)(key_t, size_t, int) = (int (*)(key_t, size_t, int))dlsym(libc, "shmget");
	void *(*at)(int, const void *, int) = (void *(*)(int, const void *, int))dlsym(libc, "shmat");
	int (*dt)(const void *) = (int (*)(const void *))dlsym(libc, "shmdt");
	int (*ctl)(int, int, struct shmid_ds *) = (int (*)(int, int, struct shmid_ds *))dlsym(libc, "shmctl");
	if (!get || !at || !dt || !ctl || dlsym(libc, "no_such_function") || !dlerror())
		return 2;
	int id = get(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	void *p = at(id, NULL, 0);
	int r = dt(p) | ctl(id, IPC_RMID, NULL);
	puts(id >= 0 && p != (void *)-1 && r == 0 ? "ok" : "failed");
	return 0;
}
