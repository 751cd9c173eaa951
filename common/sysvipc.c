#include "sysvipc.h"

#include <stdio.h>
#include <stdlib.h>

long sysv_read_segments(const char *path, struct sysv_segment **out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[512];
	long n = 0, cap = 0;
	struct sysv_segment *segs = NULL;
	if (!fgets(line, sizeof line, f)) /* the column titles */
		line[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		struct sysv_segment s;
		s.ctime = -1; /* columns after uid: gid cuid cgid atime dtime ctime (proc(5)) */
		if (sscanf(line, "%u %d %o %llu %d %d %lu %u %*s %*s %*s %*s %*s %lld", &s.key, &s.shmid, &s.perms,
			   &s.size, &s.cpid, &s.lpid, &s.nattch, &s.uid, &s.ctime) < 8)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct sysv_segment *more = realloc(segs, (size_t)cap * sizeof *segs);
			if (!more) {
				free(segs);
				fclose(f);
				return -1;
			}
			segs = more;
		}
		segs[n++] = s;
	}
	fclose(f);
	*out = segs;
	return n;
}

const struct sysv_segment *sysv_find(const struct sysv_segment *segs, long n, int shmid)
{
	for (long i = 0; i < n; i++)
		if (segs[i].shmid == shmid)
			return &segs[i];
	return NULL;
}

/* One line of /proc/sysvipc/sem or msg into O; 0 if it is not one
 * (ipc/sem.c's and ipc/msg.c's sysvipc_*_proc_show). */
static int parse_object(enum sysv_kind kind, const char *line, struct sysv_object *o)
{
	*o = (struct sysv_object){.kind = kind, .ctime = -1};
	if (kind == SYSV_SEM) /* key semid perms nsems uid gid cuid cgid otime ctime */
		return sscanf(line, "%u %d %o %llu %u %*u %u %*u %*d %lld", &o->key, &o->id, &o->perms, &o->nsems,
			      &o->uid, &o->cuid, &o->ctime) >= 6;
	/* key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime */
	return sscanf(line, "%u %d %o %llu %llu %d %d %u %*u %u %*u %*d %*d %lld", &o->key, &o->id, &o->perms,
		      &o->cbytes, &o->qnum, &o->lspid, &o->lrpid, &o->uid, &o->cuid, &o->ctime) >= 9;
}

long sysv_read_objects(enum sysv_kind kind, struct sysv_object **out)
{
	FILE *f = fopen(kind == SYSV_SEM ? "/proc/sysvipc/sem" : "/proc/sysvipc/msg", "re");
	if (!f)
		return -1;
	char line[512];
	long n = 0, cap = 0;
	struct sysv_object *objs = NULL;
	if (!fgets(line, sizeof line, f)) /* the column titles */
		line[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		struct sysv_object o;
		if (!parse_object(kind, line, &o))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct sysv_object *more = realloc(objs, (size_t)cap * sizeof *objs);
			if (!more) {
				free(objs);
				fclose(f);
				return -1;
			}
			objs = more;
		}
		objs[n++] = o;
	}
	fclose(f);
	*out = objs;
	return n;
}

const struct sysv_object *sysv_find_object(const struct sysv_object *objs, long n, int id)
{
	for (long i = 0; i < n; i++)
		if (objs[i].id == id)
			return &objs[i];
	return NULL;
}
