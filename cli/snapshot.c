/* The kernel's System V tables -- segments, semaphore sets, message queues
 * -- as a run starts and as its last process ends,
 * written to DIR/kernel.jsonl.  `shmtrace report` diffs the two: a segment
 * that appeared during the run and was never seen created by a traced call
 * (a static program, an inline system call) still shows, with its cpid.
 * The processes of the run that run collected dead of a signal go there
 * too, as the kernel told run, and at the end the run's process ids.
 * Only run writes this file (created O_EXCL by run.c); the report takes
 * these records from it alone, never from a trace.  The table is that of
 * run's own IPC namespace, the only one it can read: each record names it
 * ("ipc_ns", the inode of /proc/self/ns/ipc), so that the report compares
 * it only with the segments of that namespace. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "../common/sysvipc.h"
#include "namewatch.h"
#include "pidspans.h"
#include "jsontext.h"
#include "uidspans.h"
#include "snapshot.h"

static unsigned long long ns(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

/* What is in /dev/shm: before the run, the inodes of the names there
 * already; after it, each name and its inode, and the device, so that a
 * name a traced shm_open made and a script then removed, renamed or
 * replaced is told from one still there (outside trial 23 and its
 * re-check). */
static void dev_shm_entries(FILE *f, int after)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	struct stat st;
	int first = 1;
	if (after && d && fstat(dirfd(d), &st) == 0)
		fprintf(f, ",\"dev_shm_dev\":%llu", (unsigned long long)st.st_dev);
	fputs(after ? ",\"dev_shm_entries\":[" : ",\"dev_shm_inodes\":[", f);
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		fputs(first ? "" : ",", f);
		first = 0;
		if (!after) {
			fprintf(f, "%llu", (unsigned long long)e->d_ino);
			continue;
		}
		fputc('[', f);
		put_text(f, e->d_name);
		fprintf(f, ",%llu]", (unsigned long long)e->d_ino);
	}
	fputc(']', f);
	if (d)
		closedir(d);
}

/* ,"semaphore_sets":[...] or ,"message_queues":[...], with the kernel's
 * columns that tell one object from another and whose it is. */
static void objects(FILE *f, enum sysv_kind kind)
{
	struct sysv_object *objs = NULL;
	long n = sysv_read_objects(kind, &objs);
	if (n < 0)
		return;
	fprintf(f, kind == SYSV_SEM ? ",\"semaphore_sets\":[" : ",\"message_queues\":[");
	for (long i = 0; i < n; i++) {
		const struct sysv_object *o = &objs[i];
		fprintf(f, "%s{\"key\":\"0x%08x\",\"%s\":%d,", i ? "," : "", o->key, kind == SYSV_SEM ? "semid" : "msqid",
			o->id);
		if (kind == SYSV_SEM)
			fprintf(f, "\"nsems\":%llu,", o->nsems);
		else
			fprintf(f, "\"cbytes\":%llu,\"qnum\":%llu,\"lspid\":%d,\"lrpid\":%d,", o->cbytes, o->qnum, o->lspid,
				o->lrpid);
		fprintf(f, "\"mode\":\"0%03o\",\"uid\":%u,\"cuid\":%u,\"ctime\":%lld}", o->perms & 0777, o->uid, o->cuid,
			o->ctime);
	}
	fputc(']', f);
	free(objs);
}

int write_kernel_snapshot(FILE *f, const char *when)
{
	struct stat ipc; /* which namespace the table is of */
	struct sysv_segment *segs = NULL;
	long n = sysv_read_segments("/proc/sysvipc/shm", &segs);
	if (n < 0)
		return -1;
	fprintf(f, "{\"event\":\"kernel\",\"when\":\"%s\",\"ts\":%llu,\"realtime\":%llu", when,
		ns(CLOCK_MONOTONIC), ns(CLOCK_REALTIME));
	if (stat("/proc/self/ns/ipc", &ipc) == 0)
		fprintf(f, ",\"ipc_ns\":%llu", (unsigned long long)ipc.st_ino);
	dev_shm_entries(f, strcmp(when, "after") == 0);
	fputs(",\"segments\":[", f);
	for (long i = 0; i < n; i++)
		fprintf(f,
			"%s{\"key\":\"0x%08x\",\"shmid\":%d,\"size\":%llu,\"mode\":\"0%03o\",\"uid\":%u,"
			"\"cpid\":%d,\"lpid\":%d,\"nattch\":%lu,\"ctime\":%lld%s}",
			i ? "," : "", segs[i].key, segs[i].shmid, segs[i].size, segs[i].perms & 0777, segs[i].uid,
			segs[i].cpid, segs[i].lpid, segs[i].nattch, segs[i].ctime,
			/* IPC_RMID done, kept until its last detach: removed, not a leak */
			segs[i].perms & SHM_DEST ? ",\"dest\":true" : "");
	fputc(']', f);
	free(segs);
	/* A kernel without System V semaphores or queues has no such file:
	 * the record then has no such list (nothing known, not none). */
	objects(f, SYSV_SEM);
	objects(f, SYSV_MSG);
	fputs("}\n", f);
	return fflush(f);
}

int write_killed_record(FILE *f, int pid, int status)
{
	const char *abbrev = sigabbrev_np(WTERMSIG(status));
	fprintf(f, "{\"event\":\"killed\",\"pid\":%d,\"ts\":%llu,\"realtime\":%llu,\"signal\":\"", pid,
		ns(CLOCK_MONOTONIC), ns(CLOCK_REALTIME));
	if (abbrev)
		fprintf(f, "SIG%s", abbrev);
	else
		fprintf(f, "%d", WTERMSIG(status));
	fprintf(f, "\",\"core\":%s}\n", WCOREDUMP(status) ? "true" : "false");
	return fflush(f);
}

/* UNSIGNED: user ids, kept as ints in a pidset. */
static void id_list(FILE *f, const char *name, const struct pidset *s, int is_unsigned)
{
	fprintf(f, ",\"%s\":[", name);
	for (size_t i = 0; i < s->n; i++)
		if (is_unsigned)
			fprintf(f, "%s%u", i ? "," : "", (unsigned)s->pids[i]);
		else
			fprintf(f, "%s%d", i ? "," : "", s->pids[i]);
	fputc(']', f);
}

int write_processes_record(FILE *f, const struct pidset *run, int complete, const struct pidset *left_running,
			   const struct pidset *uids, int names_known)
{
	fprintf(f, "{\"event\":\"processes\",\"ts\":%llu,\"complete\":%s", ns(CLOCK_MONOTONIC),
		complete ? "true" : "false");
	id_list(f, "pids", run, 0);
	id_list(f, "left_running", left_running, 0);
	id_list(f, "uids", uids, 1);
	pidspans_write(f);
	if (complete) /* spans from every event, or none */
		uidspans_write(f);
	namewatch_write(f, run, names_known);
	fputs("}\n", f);
	return fflush(f);
}

int write_replaced_record(FILE *f)
{
	fprintf(f, "{\"event\":\"kernel_file_replaced\",\"ts\":%llu,\"realtime\":%llu}\n", ns(CLOCK_MONOTONIC),
		ns(CLOCK_REALTIME));
	return fflush(f);
}
