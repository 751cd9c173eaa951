/* CYCLES shm cycles (shmget, shmat, shmdt, IPC_RMID: enough records for
 * the library to map its file), then MIB MiB mapped and touched: what a
 * program under an address-space limit (ulimit -v) may have bare.
 *   usage: asroom CYCLES MIB        prints "MIB MiB: ok" or the error */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	int cycles = argc > 1 ? atoi(argv[1]) : 400;
	size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 250;
	for (int i = 0; i < cycles; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		void *p = shmat(id, NULL, 0);
		if (id == -1 || p == (void *)-1)
			return 2;
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
	}
	char *m = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("%zu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	memset(m, 1, mib << 20);
	printf("%zu MiB: ok\n", mib);
	return 0;
}
