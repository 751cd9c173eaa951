/* The kernel's table of SysV segments, /proc/sysvipc/shm (proc(5)): what
 * `shmtrace run` snapshots before and after a run, and what `report --live`
 * compares leaks with. */
#ifndef SHMTRACE_SYSVIPC_H
#define SHMTRACE_SYSVIPC_H

#include <stddef.h>

struct sysv_segment {
	unsigned key;
	int shmid;
	unsigned perms;
	unsigned long long size;
	int cpid, lpid;
	unsigned long nattch;
	unsigned uid;
	long long ctime; /* last change (creation, IPC_SET, IPC_RMID): CLOCK_REALTIME seconds */
};

/* Reads the table into a malloc'd array; returns the count, or -1 with errno. */
long sysv_read_segments(const char *path, struct sysv_segment **out);

/* The segment with this shmid in an array, or NULL. */
const struct sysv_segment *sysv_find(const struct sysv_segment *segs, long n, int shmid);

#endif
