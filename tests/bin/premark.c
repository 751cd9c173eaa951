/* Another preloaded library that wraps shmget, to show that shmtrace keeps
 * an LD_PRELOAD already set and chains to it: it says on stderr that it saw
 * the call, then calls the real shmget. */
#include <dlfcn.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int shmget(key_t key, size_t size, int flags)
{
	int (*next)(key_t, size_t, int) = (int (*)(key_t, size_t, int))dlsym(RTLD_NEXT, "shmget");
	fprintf(stderr, "premark: shmget seen\n");
	return next(key, size, flags);
}
