/* The semaphore set or message queue a call record names, for the model
 * (model_calls.c) and the timeline (timeline_sysv.c) alike. */
#ifndef SHMTRACE_SYSV_TARGET_H
#define SHMTRACE_SYSV_TARGET_H

#include <string.h>

#include "../common/call_record.h"
#include "../common/sysvipc.h"

/* The kind and id of the set or queue call C is on: 1, or 0 for a call
 * that names none -- semget and msgget make one (their id is what they
 * return); IPC_INFO, SEM_INFO, MSG_INFO, SEM_STAT, MSG_STAT and their
 * _ANY take an index or nothing (semctl(2), msgctl(2)). */
static inline int sysv_call_target(const struct call_rec *c, enum sysv_kind *kind, int *id)
{
	int sem = call_has(c, SEMID), msg = call_has(c, MSQID);
	if (!sem && !msg)
		return 0;
	if ((strcmp(c->call, "semctl") == 0 || strcmp(c->call, "msgctl") == 0) &&
	    (!c->cmd[0] || strstr(c->cmd, "_INFO") || strncmp(c->cmd, "SEM_STAT", 8) == 0 ||
	     strncmp(c->cmd, "MSG_STAT", 8) == 0))
		return 0;
	*kind = sem ? SYSV_SEM : SYSV_MSG;
	*id = (int)(sem ? c->semid : c->msqid);
	return 1;
}

#endif
