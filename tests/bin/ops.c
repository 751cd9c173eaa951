/* Runs the shm operations named on its command line and prints, for each
 * call, its ordinal among calls of that kind and what it returned:
 *     get 1 ok / at 3 ENOMEM / rm 1 EPERM
 * Operations, each optionally repeated as OP*N:
 *   get:KEY:SIZE[:excl]   shmget(KEY, SIZE, IPC_CREAT|0600 [|IPC_EXCL]); KEY hex or "private"
 *   at, dt                shmat / shmdt of the last segment got
 *   wat                   shmat from a function called worker_attach
 *   stat, rm              shmctl IPC_STAT / IPC_RMID of the last segment
 *   fork                  the rest runs in a child too; the parent waits
 *   segv, kill            dies of SIGSEGV / SIGKILL there, leaving what it made
 * Segments it created are removed at the end, whatever failed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static int last_id = -1, made[64], nmade;
static void *addrs[256];
static int naddrs, counts[8];

static void report(const char *op, int slot, int failed)
{
	printf("%d %s %d %s\n", (int)getpid(), op, ++counts[slot], failed ? strerrorname_np(errno) : "ok");
	fflush(stdout);
}

__attribute__((noinline)) static void *worker_attach(int id)
{
	return shmat(id, NULL, 0);
}

static void op(const char *spec)
{
	if (strncmp(spec, "get:", 4) == 0) {
		char keytext[32] = "";
		unsigned long size = 0;
		sscanf(spec + 4, "%31[^:]:%lu", keytext, &size);
		key_t key = strcmp(keytext, "private") == 0 ? IPC_PRIVATE : (key_t)strtoul(keytext, NULL, 16);
		int flags = IPC_CREAT | 0600 | (strstr(spec, ":excl") ? IPC_EXCL : 0);
		int id = shmget(key, size, flags);
		if (id != -1) {
			last_id = id;
			if (nmade < 64)
				made[nmade++] = id;
		}
		report("get", 0, id == -1);
	} else if (strcmp(spec, "at") == 0 || strcmp(spec, "wat") == 0) {
		void *p = spec[0] == 'w' ? worker_attach(last_id) : shmat(last_id, NULL, 0);
		if (p != (void *)-1 && naddrs < 256)
			addrs[naddrs++] = p;
		report(spec, spec[0] == 'w' ? 5 : 1, p == (void *)-1);
	} else if (strcmp(spec, "dt") == 0) {
		report("dt", 2, shmdt(naddrs ? addrs[--naddrs] : (void *)0x1000) == -1);
	} else if (strcmp(spec, "stat") == 0) {
		struct shmid_ds ds;
		report("stat", 3, shmctl(last_id, IPC_STAT, &ds) == -1);
	} else if (strcmp(spec, "rm") == 0) {
		report("rm", 4, shmctl(last_id, IPC_RMID, NULL) == -1);
	} else if (strcmp(spec, "segv") == 0 || strcmp(spec, "kill") == 0) {
		raise(spec[0] == 's' ? SIGSEGV : SIGKILL);
	} else {
		fprintf(stderr, "ops: unknown operation %s\n", spec);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	pid_t child = -1; /* no fork */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "fork") == 0) {
			child = fork();
			continue;
		}
		char spec[128];
		snprintf(spec, sizeof spec, "%s", argv[i]);
		char *star = strchr(spec, '*');
		int times = star ? atoi(star + 1) : 1;
		if (star)
			*star = '\0';
		for (int t = 0; t < times; t++)
			op(spec);
	}
	if (child > 0) {
		waitpid(child, NULL, 0);
	} else if (child == 0) {
		return 0; /* the child leaves the cleanup to the parent */
	}
	while (naddrs)
		shmdt(addrs[--naddrs]);
	for (int i = 0; i < nmade; i++)
		shmctl(made[i], IPC_RMID, NULL);
	return 0;
}
