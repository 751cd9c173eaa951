/* Calls shm functions through pointers taken from a handle of libc, as
 * foreign-function interfaces do (Python's ctypes, Java's Panama):
 * dlopen("libc.so.6") then dlsym in it, whose scope is libc's own, not the
 * global one where a preloaded wrapper comes first.  Prints "ok".
 *   usage: ffi          shmget, shmat, shmdt, shmctl, one each
 *          ffi THREADS  THREADS threads, released at once, each taking
 *                       shmget and shmctl so (the process's first such
 *                       lookups) and making a segment and removing it */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static atomic_int waiting, failed;

static void *one_of_many(void *libc)
{
	atomic_fetch_sub(&waiting, 1);
	while (atomic_load(&waiting) > 0)
		;
	int (*get)(key_t, size_t, int) = (int (*)(key_t, size_t, int))dlsym(libc, "shmget");
	int (*ctl)(int, int, struct shmid_ds *) = (int (*)(int, int, struct shmid_ds *))dlsym(libc, "shmctl");
	int id = get ? get(IPC_PRIVATE, 4096, IPC_CREAT | 0600) : -1;
	if (id == -1 || !ctl || ctl(id, IPC_RMID, NULL) != 0)
		atomic_store(&failed, 1);
	return NULL;
}

static int many(void *libc, int n)
{
	pthread_t t[64];
	if (n < 1 || n > 64)
		return 2;
	atomic_store(&waiting, n);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, one_of_many, libc) != 0)
			return 2;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	puts(atomic_load(&failed) ? "failed" : "ok");
	return 0;
}

int main(int argc, char **argv)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW);
	if (!libc)
		return 2;
	if (argc > 1)
		return many(libc, atoi(argv[1]));
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
