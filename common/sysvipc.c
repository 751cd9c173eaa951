#include "sysvipc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each line of the table at PATH after its titles, parsed by PARSE into
 * an element of SIZE bytes (PARSE returns 0 for a line that is not one):
 * a malloc'd array in *OUT, and its count; -1 with errno. */
static long read_table(const char *path, size_t size, int (*parse)(const char *line, void *elem, int kind), int kind,
		       void **out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[512];
	union { /* room for either, aligned for either */
		struct sysv_segment segment;
		struct sysv_object object;
	} elem;
	long n = 0, cap = 0;
	char *all = NULL;
	if (!fgets(line, sizeof line, f)) /* the column titles */
		line[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		if (size > sizeof elem || !parse(line, &elem, kind))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char *more = realloc(all, (size_t)cap * size);
			if (!more) {
				free(all);
				fclose(f);
				return -1;
			}
			all = more;
		}
		memcpy(all + (size_t)n++ * size, &elem, size);
	}
	fclose(f);
	*out = all;
	return n;
}

static int parse_segment(const char *line, void *elem, int kind)
{
	(void)kind;
	struct sysv_segment *s = elem;
	s->ctime = -1; /* columns after uid: gid cuid cgid atime dtime ctime (proc(5)) */
	return sscanf(line, "%u %d %o %llu %d %d %lu %u %*s %*s %*s %*s %*s %lld", &s->key, &s->shmid, &s->perms,
		      &s->size, &s->cpid, &s->lpid, &s->nattch, &s->uid, &s->ctime) >= 8;
}

long sysv_read_segments(const char *path, struct sysv_segment **out)
{
	return read_table(path, sizeof **out, parse_segment, 0, (void **)out);
}

const struct sysv_segment *sysv_find(const struct sysv_segment *segs, long n, int shmid)
{
	for (long i = 0; i < n; i++)
		if (segs[i].shmid == shmid)
			return &segs[i];
	return NULL;
}

/* One line of /proc/sysvipc/sem or msg (ipc/sem.c's and ipc/msg.c's
 * sysvipc_*_proc_show); 0 if it is not one. */
static int parse_object(const char *line, void *elem, int kind)
{
	struct sysv_object *o = elem;
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
	return read_table(kind == SYSV_SEM ? "/proc/sysvipc/sem" : "/proc/sysvipc/msg", sizeof **out, parse_object,
			  kind, (void **)out);
}

const struct sysv_object *sysv_find_object(const struct sysv_object *objs, long n, int id)
{
	for (long i = 0; i < n; i++)
		if (objs[i].id == id)
			return &objs[i];
	return NULL;
}
