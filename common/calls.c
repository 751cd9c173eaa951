#include "calls.h"

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

/* The ERRORS sections of shmget(2), shmat(2) (shmat and shmdt), shmctl(2). */
static const int shmget_errnos[] = {EACCES, EEXIST, EINVAL, ENFILE, ENOENT, ENOMEM, ENOSPC, EPERM, 0};
static const int shmat_errnos[] = {EACCES, EIDRM, EINVAL, ENOMEM, 0};
static const int shmdt_errnos[] = {EINVAL, 0};
static const int shmctl_errnos[] = {EACCES, EFAULT, EIDRM, EINVAL, ENOMEM, EOVERFLOW, EPERM, 0};

/* Defaults are the failures a program meets in real life: no segment ids or
 * memory left for shmget, no address space for shmat. */
const struct call_info call_table[CALL_COUNT] = {
	[CALL_SHMGET] = {"shmget", ENOSPC, shmget_errnos},
	[CALL_SHMAT] = {"shmat", ENOMEM, shmat_errnos},
	[CALL_SHMDT] = {"shmdt", EINVAL, shmdt_errnos},
	[CALL_SHMCTL] = {"shmctl", EINVAL, shmctl_errnos},
};

int call_by_name(const char *name)
{
	for (int i = 0; i < CALL_COUNT; i++)
		if (strcmp(call_table[i].name, name) == 0)
			return i;
	return -1;
}

int call_allows_errno(enum call_id call, int err)
{
	for (const int *e = call_table[call].errnos; *e; e++)
		if (*e == err)
			return 1;
	return 0;
}

int call_default_errno(enum call_id call, int shmctl_cmd)
{
	if (call != CALL_SHMCTL)
		return call_table[call].default_errno;
	switch (shmctl_cmd) {
	case IPC_RMID:
	case IPC_SET:
	case SHM_LOCK:
	case SHM_UNLOCK:
		return EPERM;
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		return EACCES;
	default:
		return EINVAL;
	}
}
