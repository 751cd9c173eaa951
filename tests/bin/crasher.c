/* Makes shm calls and dies of SIGSEGV after the Nth, printing (and
 * flushing) each call's number as it returns: every number printed must
 * be in the trace.   usage: crasher N */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10;
	struct shmid_ds ds;
	for (long i = 1; i <= n; i++) {
		shmctl(0x7fffffff, IPC_STAT, &ds);
		printf("%ld\n", i);
		fflush(stdout);
	}
	raise(SIGSEGV);
	return 0;
}
