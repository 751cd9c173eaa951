/* Name tables for the constants of the SysV IPC and POSIX shm calls.
 *
 * Every name that shmtrace prints or parses comes from here, so the shim's
 * decoder, the analyzer and the injection parser agree.  The values
 * are the system headers' own macros, never copies of their numbers. */
#ifndef SHMTRACE_XLAT_H
#define SHMTRACE_XLAT_H

struct xlat {
	unsigned long val;  /* the bits (or value) that must match... */
	unsigned long mask; /* ...under this mask */
	const char *name;
};

/* Tables end with an entry whose name is NULL.  In a table of flags, the
 * entries that name a zero value (O_RDONLY) come before the others: the
 * writer stops once no bit is left to name (tests/bin/calltable). */
extern const struct xlat xlat_shmget_flags[]; /* shmget's shmflg, mode excluded */
extern const struct xlat xlat_shmat_flags[];  /* shmat's shmflg */
extern const struct xlat xlat_shmctl_cmds[];  /* shmctl's cmd, without IPC_64 */
extern const struct xlat xlat_open_flags[];   /* shm_open's oflag */
extern const struct xlat xlat_ipcget_flags[]; /* semget's semflg, msgget's msgflg, mode excluded */
extern const struct xlat xlat_sem_flags[];    /* a sembuf's sem_flg */
extern const struct xlat xlat_semctl_cmds[];  /* semctl's cmd */
extern const struct xlat xlat_msg_flags[];    /* msgsnd's and msgrcv's msgflg */
extern const struct xlat xlat_msgctl_cmds[];  /* msgctl's cmd */
extern const struct xlat xlat_errnos[];

/* The name of VAL in a table of plain values, or NULL. */
const char *xlat_name(const struct xlat *table, unsigned long val);

/* The value named NAME; returns 0 and sets *val, or -1 if unknown. */
int xlat_value(const struct xlat *table, const char *name, unsigned long *val);

#endif
