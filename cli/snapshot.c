/* The kernel's segment table as a run starts and as its last process ends,
 * written to DIR/kernel.jsonl.  `shmtrace report` diffs the two: a segment
 * that appeared during the run and was never seen created by a traced call
 * (a static program, an inline system call) still shows, with its cpid.
 * The processes of the run that run collected dead of a signal go there
 * too, as the kernel told run.  The table is that of run's own IPC
 * namespace, the only one it can read: each record names it ("ipc_ns",
 * the inode of /proc/self/ns/ipc), so that the report compares it only
 * with the segments of that namespace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../common/sysvipc.h"
#include "snapshot.h"

static unsigned long long ns(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

int write_kernel_snapshot(const char *dir, const char *when)
{
	char path[4096];
	struct stat ipc; /* which namespace the table is of */
	struct sysv_segment *segs = NULL;
	snprintf(path, sizeof path, "%s/" KERNEL_SNAPSHOT_FILE, dir);
	long n = sysv_read_segments("/proc/sysvipc/shm", &segs);
	if (n < 0)
		return -1;
	FILE *f = fopen(path, "ae");
	if (!f) {
		free(segs);
		return -1;
	}
	fprintf(f, "{\"event\":\"kernel\",\"when\":\"%s\",\"ts\":%llu,\"realtime\":%llu,", when,
		ns(CLOCK_MONOTONIC), ns(CLOCK_REALTIME));
	if (stat("/proc/self/ns/ipc", &ipc) == 0)
		fprintf(f, "\"ipc_ns\":%llu,", (unsigned long long)ipc.st_ino);
	fputs("\"segments\":[", f);
	for (long i = 0; i < n; i++)
		fprintf(f,
			"%s{\"key\":\"0x%08x\",\"shmid\":%d,\"size\":%llu,\"mode\":\"0%03o\",\"uid\":%u,"
			"\"cpid\":%d,\"lpid\":%d,\"nattch\":%lu}",
			i ? "," : "", segs[i].key, segs[i].shmid, segs[i].size, segs[i].perms & 0777, segs[i].uid,
			segs[i].cpid, segs[i].lpid, segs[i].nattch);
	fputs("]}\n", f);
	free(segs);
	return fclose(f);
}

int write_killed_record(const char *dir, int pid, int status)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/" KERNEL_SNAPSHOT_FILE, dir);
	FILE *f = fopen(path, "ae");
	if (!f)
		return -1;
	const char *abbrev = sigabbrev_np(WTERMSIG(status));
	fprintf(f, "{\"event\":\"killed\",\"pid\":%d,\"ts\":%llu,\"realtime\":%llu,\"signal\":\"", pid,
		ns(CLOCK_MONOTONIC), ns(CLOCK_REALTIME));
	if (abbrev)
		fprintf(f, "SIG%s", abbrev);
	else
		fprintf(f, "%d", WTERMSIG(status));
	fprintf(f, "\",\"core\":%s}\n", WCOREDUMP(status) ? "true" : "false");
	return fclose(f);
}
