/* CYCLES shm cycles (shmget, shmat, shmdt, IPC_RMID), then its peak
 * resident memory: a long trace must not cost the program memory (the
 * mapped trace file is given back behind its end, shim/mapped.c).
 * Prints "calls=N maxrss_kib=M".   usage: longtrace CYCLES */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	long cycles = argc > 1 ? atol(argv[1]) : 0;
	for (long i = 0; i < cycles; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		void *p = id == -1 ? (void *)-1 : shmat(id, NULL, 0);
		if (p == (void *)-1 || shmdt(p) != 0 || shmctl(id, IPC_RMID, NULL) != 0)
			abort();
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("calls=%ld maxrss_kib=%ld\n", 4 * cycles, ru.ru_maxrss);
	return 0;
}
