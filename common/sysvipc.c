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
