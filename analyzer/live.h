/* The report's leaks against the system as it is now: the kernel's segment
 * table and /dev/shm.  `report --live` annotates them; sweep removes what
 * its runs left. */
#ifndef SHMTRACE_LIVE_H
#define SHMTRACE_LIVE_H

#include <jansson.h>

#include "../common/sysvipc.h"

struct live_visitor {
	/* Each leaked segment, with its line in the kernel's table now, or
	 * NULL when it is gone. */
	void (*segment)(json_t *leak, const struct sysv_segment *now, void *ctx);
	/* Each POSIX name never unlinked, with its path in /dev/shm. */
	void (*name)(json_t *leak, const char *path, void *ctx);
	void *ctx;
};

void live_visit(const json_t *report, const struct live_visitor *v);

#endif
