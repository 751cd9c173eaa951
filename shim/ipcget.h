/* Whether a shmget, semget or msgget created what it returns (the three
 * share the kernel's ipcget(): the same flags, the same order of checks). */
#ifndef SHMTRACE_IPCGET_H
#define SHMTRACE_IPCGET_H

#include <errno.h>
#include <sys/ipc.h>

/* One of the three, ARG its size or number of semaphores (none for msgget). */
typedef int (*ipcget_fn)(key_t key, unsigned long arg, int flg);

/* Asks the kernel whether this call created its object.  Only IPC_CREAT
 * without IPC_EXCL is ambiguous; for it we make the same request as two
 * exact ones -- create exclusively, else open without creating -- which
 * together do what the original call does and return what it returns
 * (shmget(2), semget(2), msgget(2): EEXIST is checked before permissions
 * and size).  If the object vanishes between the two, try again;
 * *created = -1 if undecided.  Inline: each wrapper gets its own copy, its
 * GET called directly. */
static inline int ipcget_noting_creation(ipcget_fn get, key_t key, unsigned long arg, int flg, int *created)
{
	int ret;
	*created = -1;
	if (key == IPC_PRIVATE || (flg & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL)) {
		ret = get(key, arg, flg);
		*created = ret != -1;
		return ret;
	}
	if (!(flg & IPC_CREAT)) {
		ret = get(key, arg, flg);
		*created = 0;
		return ret;
	}
	for (int tries = 0; tries < 8; tries++) {
		ret = get(key, arg, flg | IPC_EXCL);
		if (ret != -1 || errno != EEXIST) {
			*created = ret != -1;
			return ret;
		}
		ret = get(key, arg, flg & ~IPC_CREAT);
		if (ret != -1 || errno != ENOENT) {
			*created = 0;
			return ret;
		}
	}
	*created = -1;
	return get(key, arg, flg);
}

#endif
