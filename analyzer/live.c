#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bytestext.h"

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
		char text[4200], path[4200];
		const char *name = json_string_value(json_object_get(leak, "name"));
		if (!name)
			continue;
		/* glibc drops every leading slash (shm_open(3)); the name is
		 * text for its bytes (common/bytestext.h). */
		snprintf(text, sizeof text, "/dev/shm/%s", name + strspn(name, "/"));
		if (text_to_bytes(text, path, sizeof path) < 0)
			continue;
		v->name(leak, path, v->ctx);
	}
}
