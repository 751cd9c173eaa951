#include "live.h"

#include <stdio.h>
#include <stdlib.h>

void live_visit(const json_t *report, const struct live_visitor *v)
{
	struct sysv_segment *segs = NULL;
	long n = sysv_read_segments("/proc/sysvipc/shm", &segs);
	size_t i;
	json_t *leak;
	json_array_foreach(json_object_get(report, "leaked_segments"), i, leak)
	{
		int shmid = (int)json_integer_value(json_object_get(leak, "shmid"));
		v->segment(leak, n < 0 ? NULL : sysv_find(segs, n, shmid), v->ctx);
	}
	free(segs);
	/* POSIX names live in /dev/shm (shm_overview(7)). */
	json_array_foreach(json_object_get(report, "posix_names_never_unlinked"), i, leak)
	{
		char path[512];
		const char *name = json_string_value(json_object_get(leak, "name"));
		if (!name)
			continue;
		snprintf(path, sizeof path, "/dev/shm/%s", name + (name[0] == '/'));
		v->name(leak, path, v->ctx);
	}
}
