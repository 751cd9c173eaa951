/* Another preloaded library that wraps shmget, to show that shmtrace keeps
 * an LD_PRELOAD already set and chains to it: it says on stderr that it saw
 * the call, then calls the real shmget.  With PREMARK_REAL=libc it takes
 * the real one from a handle of libc, as some wrappers do (the shim must
 * not give it its own wrapper there, which would call this one). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int shmget(key_t key, size_t size, int flags)
{
	const char *real = getenv("PREMARK_REAL");
	void *from = real && strcmp(real, "libc") == 0 ? dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD) : RTLD_NEXT;
	int (*next)(key_t, size_t, int) = (int (*)(key_t, size_t, int))dlsym(from, "shmget");
	fprintf(stderr, "premark: shmget seen\n");
	return next(key, size, flags);
}
