#include "calls.h"

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* call_table.h's C_ bits are the calls' bits. */
#define CALL_BIT_CHECK(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL) \
	_Static_assert(C_##ID == 1u << CALL_##ID, "C_" #ID " is the bit of CALL_" #ID);
CALL_LIST(CALL_BIT_CHECK)
_Static_assert(C_ALL == (1u << CALL_COUNT) - 1, "C_ALL is every call");

#define CALL_ERRNOS(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL) static const int errnos_##ID[] = {CALL_UNPAREN ERRNOS, 0};
CALL_LIST(CALL_ERRNOS)
#undef CALL_ERRNOS

const struct call_info call_table[CALL_COUNT] = {
#define CALL_INFO(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL) [CALL_##ID] = {NAME, MAN, DEFAULT, errnos_##ID},
	CALL_LIST(CALL_INFO)
#undef CALL_INFO
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

/* shmctl(2), semctl(2), msgctl(2): EPERM to remove or set (or lock),
 * EACCES to read a set's values or status, or to write its values. */
int call_default_errno(enum call_id call, int cmd)
{
	if (call != CALL_SHMCTL && call != CALL_SEMCTL && call != CALL_MSGCTL)
		return call_table[call].default_errno;
	switch (cmd) {
	case IPC_RMID:
	case IPC_SET:
		return EPERM;
	case IPC_STAT:
		return EACCES;
	}
	if (call == CALL_SHMCTL)
		return cmd == SHM_LOCK || cmd == SHM_UNLOCK ? EPERM : cmd == SHM_STAT || cmd == SHM_STAT_ANY ? EACCES : EINVAL;
	if (call == CALL_MSGCTL)
		return cmd == MSG_STAT || cmd == MSG_STAT_ANY ? EACCES : EINVAL;
	switch (cmd) {
	case GETALL: case GETPID: case GETVAL: case GETNCNT: case GETZCNT:
	case SEM_STAT: case SEM_STAT_ANY: case SETALL: case SETVAL:
		return EACCES;
	default:
		return EINVAL;
	}
}
