/* The report's leaks against the system as it is now: the kernel's System
 * V tables and /dev/shm.  `report --live` annotates them; sweep removes what
 * its runs left.  Both act only on what the kernel and the file system
 * confirm is the run's, never on a trace's word (docs/security.md). */
#ifndef SHMTRACE_LIVE_H
#define SHMTRACE_LIVE_H

#include "../common/sysvipc.h"
#include "findings.h"

struct live_visitor {
	/* Each leaked segment, with its line in the kernel's table now, or
	 * NULL when it is gone; confirmed: the kernel says the run made it
	 * (its creator pid is one of the run's, it was not there before) and
	 * it is still that segment. */
	void (*segment)(struct leak_finding *leak, const struct sysv_segment *now, int confirmed, void *ctx);
	/* Each POSIX name never unlinked: NAME, its one path component in
	 * /dev/shm (NULL if the name is not one), DIRFD an O_DIRECTORY
	 * descriptor of /dev/shm (-1 if it cannot be opened); present: there
 * now; confirmed: a regular file that was not there before the run,
	 * was born during it, and is owned by a user id of the run's
	 * processes (run's record). */
	void (*name)(struct posix_finding *leak, int dirfd, const char *component, int present, int confirmed,
		     void *ctx);
	/* Each semaphore set and message queue never removed, with its line
	 * in the kernel's table now, or NULL when it is gone; present: it is
	 * still that object (live_same_object); confirmed: also the kernel's
	 * tables say the run made it (its `removable`, docs/security.md). */
	void (*object)(struct ipc_leak_finding *leak, const struct sysv_object *now, int present, int confirmed,
		       void *ctx);
	void *ctx;
};

void live_visit(const struct findings *f, const struct live_visitor *v);

/* Whether NOW, the kernel's segment under a leak's id, is that leak's
 * segment: the same key and size, and the creator run's table saw (when
 * it did).  Not so: the leak's segment is gone, its id given to another. */
int live_same_segment(const struct leak_finding *leak, const struct sysv_segment *now);

/* Whether NOW, the kernel's set or queue under a leak's id, is that
 * leak's: the same key, and, when run's table after the run had it, the
 * same creator user id and change time (an IPC_SET since changes it). */
int live_same_object(const struct ipc_leak_finding *leak, const struct sysv_object *now);

/* S quoted for a POSIX shell into OUT (cap bytes): as is when it holds
 * only characters no shell treats specially, else in single quotes. */
const char *shell_quote(const char *s, char *out, size_t cap);

#endif
