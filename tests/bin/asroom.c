/* CYCLES shm cycles (shmget, shmat, shmdt, IPC_RMID: enough records for
 * the library to map its file), then MIB MiB mapped and touched: what a
 * program under an address-space limit (ulimit -v) may have bare.
 *   usage: asroom CYCLES MIB              prints "MIB MiB: ok" or the error
 *          asroom CYCLES MIB setas LIMIT  the limit (MiB) set by the program
 *                                         itself, after the cycles (setas-tid:
 *                                         prlimit of its thread id; setas-sys:
 *                                         syscall(SYS_prlimit64))
 *          asroom CYCLES 0 mlockall MORE  mlockall(MCL_CURRENT | MCL_FUTURE)
 *                                         after the cycles, then MORE cycles;
 *                                         prints its result and VmRSS */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cycles(int n)
{
	for (int i = 0; i < n; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		void *p = shmat(id, NULL, 0);
		if (id == -1 || p == (void *)-1)
			return -1;
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
	}
	return 0;
}

static void print_rss(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			printf("rss_kb=%ld\n", strtol(line + 6, NULL, 10));
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 400;
	size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 250;
	const char *then = argc > 3 ? argv[3] : "";
	if (cycles(n) != 0)
		return 2;
	if (strncmp(then, "setas", 5) == 0) {
		struct rlimit as = {strtoull(argv[4], NULL, 10) << 20, RLIM_INFINITY};
		int set = strcmp(then, "setas-tid") == 0   ? prlimit(gettid(), RLIMIT_AS, &as, NULL)
			  : strcmp(then, "setas-sys") == 0 ? (int)syscall(SYS_prlimit64, 0, RLIMIT_AS, &as, NULL)
							   : setrlimit(RLIMIT_AS, &as);
		if (set != 0)
			return 2;
	} else if (strcmp(then, "mlockall") == 0) {
		int locked = mlockall(MCL_CURRENT | MCL_FUTURE);
		printf("mlockall: %s\n", locked == 0 ? "ok" : strerror(errno));
		if (cycles(atoi(argv[4])) != 0)
			return 2;
		print_rss();
		return locked != 0;
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
