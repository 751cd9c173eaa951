/* The kernel's tables of System V IPC objects, /proc/sysvipc/shm, sem and
 * msg (proc(5)): what `shmtrace run` snapshots before and after a run, and
 * what `report --live` compares leaks with. */
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

/* A semaphore set (/proc/sysvipc/sem) or a message queue (/proc/sysvipc/msg).
 * The kernel keeps no creator pid for either (a queue has only its last
 * sender and receiver): whose one is rests on its creator's user id, its
 * change time and the run's tables before it (docs/security.md). */
enum sysv_kind { SYSV_SEM, SYSV_MSG };
struct sysv_object {
	enum sysv_kind kind;
	unsigned key;
	int id; /* semid or msqid */
	unsigned perms;
	unsigned long long nsems;       /* sets */
	unsigned long long cbytes, qnum; /* queues */
	int lspid, lrpid;               /* queues */
	unsigned uid, cuid;
	long long ctime; /* creation or last IPC_SET: CLOCK_REALTIME seconds */
};

/* Reads the table of KIND into a malloc'd array; the count, or -1 with errno. */
long sysv_read_objects(enum sysv_kind kind, struct sysv_object **out);

/* The object with this id in an array, or NULL. */
const struct sysv_object *sysv_find_object(const struct sysv_object *objs, long n, int id);

#endif
