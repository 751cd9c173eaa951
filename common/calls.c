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
/* shm_open(3), and ftok(3), which fails as stat(2) on its path does. */
static const int shm_open_errnos[] = {EACCES, EEXIST, EINVAL, EMFILE, ENAMETOOLONG, ENFILE, ENOENT, 0};
static const int shm_unlink_errnos[] = {EACCES, ENOENT, 0};
static const int ftok_errnos[] = {ENOENT, EACCES, 0};

/* Defaults are the failures a program meets in real life: no segment ids or
 * memory left for shmget, no address space for shmat, no descriptor left
 * for shm_open, a name or path that is not there. */
const struct call_info call_table[CALL_COUNT] = {
	[CALL_SHMGET] = {"shmget", "shmget(2)", ENOSPC, shmget_errnos},
	[CALL_SHMAT] = {"shmat", "shmat(2)", ENOMEM, shmat_errnos},
	[CALL_SHMDT] = {"shmdt", "shmat(2)", EINVAL, shmdt_errnos},
	[CALL_SHMCTL] = {"shmctl", "shmctl(2)", EINVAL, shmctl_errnos},
	[CALL_SHM_OPEN] = {"shm_open", "shm_open(3)", EMFILE, shm_open_errnos},
	[CALL_SHM_UNLINK] = {"shm_unlink", "shm_open(3)", ENOENT, shm_unlink_errnos},
	[CALL_FTOK] = {"ftok", "ftok(3)", ENOENT, ftok_errnos},
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
