/* dlswap LIB FN [LIB FN]...: for each pair, dlopen LIB, call FN (it makes
 * a segment), remove the segment, dlclose LIB.  One line a pair: "FN ok
 * ADDR" or "FN ENOSPC ADDR" (ADDR: FN's address, to tell whether the
 * libraries were mapped at one place). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		void *lib = dlopen(argv[i], RTLD_NOW);
		int (*make)(void) = lib ? (int (*)(void))dlsym(lib, argv[i + 1]) : NULL;
		if (!make) {
			printf("%s: %s\n", argv[i], dlerror());
			return 1;
		}
		int id = make();
		printf("%s %s %p\n", argv[i + 1], id < 0 ? strerrorname_np(errno) : "ok", (void *)make);
		if (id >= 0)
			shmctl(id, IPC_RMID, NULL);
		dlclose(lib);
	}
	return 0;
}
