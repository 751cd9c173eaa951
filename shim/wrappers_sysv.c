/* The System V semaphore and message-queue calls of common/call_table.h:
 * semget, semop, semtimedop, semctl, msgget, msgsnd, msgrcv, msgctl.
 * Framed as the shm calls are (call.h).  What the kernel reads of the
 * program's memory -- a semop's operations, its timeout, a sent message's
 * type -- is copied before the call, as the kernel copies it at the call's
 * start, and without faulting (peek.h): the buffer may be reused, or
 * unmapped by another thread, while the call waits.  It is recorded only
 * when the kernel did read it (the errors the kernel gives before it
 * reads, from ipc/sem.c and ipc/msg.c), so a bad pointer stays the
 * program's EFAULT.  Message text is never read. */
#include <errno.h>
#include <stdarg.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

#include "call.h"
#include "ipcget.h"
#include "peek.h"

static int real_semget(key_t key, unsigned long nsems, int flg)
{
	return real.semget(key, (int)nsems, flg);
}

static int real_msgget(key_t key, unsigned long unused, int flg)
{
	(void)unused;
	return real.msgget(key, flg);
}

/* semget and msgget: the fields they share with shmget. */
static void ipcget_args(struct call_args *a, key_t key, int flg)
{
	a->key = (unsigned)key, a->flags_raw = flg;
	a->flags = (unsigned)flg & ~0777u, a->mode = (unsigned)flg & 0777u;
}

EXPORT int semget(key_t key, int nsems, int semflg)
{
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, CALL_SEMGET))
		return real.semget(key, nsems, semflg);
	ipcget_args(&c.a, key, semflg);
	c.a.nsems = nsems;
	int created = -1;
	int ret = call_inject(&c) ? -1 : ipcget_noting_creation(real_semget, key, (unsigned)nsems, semflg, &created);
	call_returned(&c);
	note_created(&c, ret == -1, created);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

EXPORT int msgget(key_t key, int msgflg)
{
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, CALL_MSGGET))
		return real.msgget(key, msgflg);
	ipcget_args(&c.a, key, msgflg);
	int created = -1;
	int ret = call_inject(&c) ? -1 : ipcget_noting_creation(real_msgget, key, 0, msgflg, &created);
	call_returned(&c);
	note_created(&c, ret == -1, created);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

/* Whether the kernel copied in a semop's operations (and semtimedop's
 * timeout, which it reads first): ipc/sem.c refuses nsops < 1 and a
 * negative semid with EINVAL, too many operations with E2BIG, before
 * reading either; an EFAULT may be either's. */
static bool sops_were_read(const struct call *c, int semid, size_t nsops, bool failed)
{
	if (c->rule >= 0 || (unsigned)nsops < 1 || semid < 0) /* the system call's nsops is unsigned */
		return false;
	return !failed || (c->result_errno != EFAULT && c->result_errno != E2BIG);
}

/* What semop's kernel side reads, copied before the call (peek.h): the
 * operations the record keeps, and the timeout. */
struct semop_copy {
	struct sembuf sops[CALL_SOPS_SHOWN];
	struct timespec ts;
	bool sops_ok, ts_ok;
};

static void semop_copy(struct semop_copy *k, int semid, const struct sembuf *sops, size_t nsops,
		       const struct timespec *timeout)
{
	unsigned n = (unsigned)nsops; /* the kernel's */
	if (n > CALL_SOPS_SHOWN)
		n = CALL_SOPS_SHOWN;
	k->ts_ok = !timeout || peek(&k->ts, timeout, sizeof k->ts);
	/* (No read where the kernel reads nothing: sops_were_read says so.) */
	k->sops_ok = k->ts_ok && n >= 1 && semid >= 0 && peek(k->sops, sops, n * sizeof *sops);
}

static int semop_traced(enum call_id id, int semid, struct sembuf *sops, size_t nsops,
			const struct timespec *timeout)
{
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, id))
		return id == CALL_SEMOP ? real.semop(semid, sops, nsops) : real.semtimedop(semid, sops, nsops, timeout);
	struct call_args *a = &c.a;
	a->semid = semid, a->nsops = nsops, a->sops = NULL;
	int ret = -1;
	struct semop_copy k;
	k.sops_ok = false; /* (the rest is written only where read) */
	if (!call_inject(&c)) {
		semop_copy(&k, semid, sops, nsops, timeout);
		CALL_WAITING(&c, ret = id == CALL_SEMOP ? real.semop(semid, sops, nsops)
						     : real.semtimedop(semid, sops, nsops, timeout));
	}
	call_returned(&c);
	if (k.sops_ok && sops_were_read(&c, semid, nsops, ret == -1)) {
		a->sops = k.sops;
		a->present |= FIELD_BIT(TIMEOUT), a->timeout = timeout ? &k.ts : NULL;
	}
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

EXPORT int semop(int semid, struct sembuf *sops, size_t nsops)
{
	return semop_traced(CALL_SEMOP, semid, sops, nsops, NULL);
}

EXPORT int semtimedop(int semid, struct sembuf *sops, size_t nsops, const struct timespec *timeout)
{
	return semop_traced(CALL_SEMTIMEDOP, semid, sops, nsops, timeout);
}

/* The commands that take a fourth argument, as glibc's semctl reads it
 * (sysdeps/unix/sysv/linux/semctl.c): no other command's call has one to
 * read. */
static bool semctl_takes_arg(int cmd)
{
	switch (cmd) {
	case SETVAL:
	case GETALL:
	case SETALL:
	case IPC_STAT:
	case IPC_SET:
	case SEM_STAT:
	case IPC_INFO:
	case SEM_INFO:
	case SEM_STAT_ANY:
		return true;
	default:
		return false;
	}
}

EXPORT int semctl(int semid, int semnum, int cmd, ...)
{
	union semun arg = {0};
	bool takes_arg = semctl_takes_arg(cmd);
	if (takes_arg) {
		va_list ap;
		va_start(ap, cmd);
		arg = va_arg(ap, union semun);
		va_end(ap);
	}
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, CALL_SEMCTL))
		return real.semctl(semid, semnum, cmd, arg);
	struct call_args *a = &c.a;
	a->semid = semid, a->semnum = semnum, a->cmd = cmd, a->cmd_raw = cmd;
	if (cmd == SETVAL)
		a->present |= FIELD_BIT(VAL), a->val = arg.val;
	else if (takes_arg)
		a->present |= FIELD_BIT(ARG), a->buf = (uintptr_t)arg.buf;
	int ret = call_inject(&c) ? -1 : real.semctl(semid, semnum, cmd, arg);
	call_returned(&c);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

/* A message starts with its type, a long (msgop(2)): read with peek, and
 * not recorded when it cannot be read. */
static void note_mtype(struct call *c, long mtype)
{
	c->a.present |= FIELD_BIT(MTYPE), c->a.mtype = mtype;
}

static void msgop_args(struct call_args *a, int msqid, const void *msgp, size_t msgsz, int msgflg)
{
	a->msqid = msqid, a->msgp = (uintptr_t)msgp, a->size = msgsz;
	a->flags_raw = msgflg, a->flags = (unsigned)msgflg;
}

EXPORT int msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg)
{
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, CALL_MSGSND))
		return real.msgsnd(msqid, msgp, msgsz, msgflg);
	msgop_args(&c.a, msqid, msgp, msgsz, msgflg);
	int ret = -1;
	long mtype;
	bool sent_type = false;
	if (!call_inject(&c)) {
		/* ipc/msg.c reads the type before anything else: an EFAULT
		 * after it is the text's. */
		sent_type = peek(&mtype, msgp, sizeof mtype);
		CALL_WAITING(&c, ret = real.msgsnd(msqid, msgp, msgsz, msgflg));
	}
	call_returned(&c);
	if (sent_type)
		note_mtype(&c, mtype);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

EXPORT ssize_t msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp, int msgflg)
{
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, CALL_MSGRCV))
		return real.msgrcv(msqid, msgp, msgsz, msgtyp, msgflg);
	msgop_args(&c.a, msqid, msgp, msgsz, msgflg);
	c.a.msgtyp = msgtyp;
	ssize_t ret = -1;
	if (!call_inject(&c))
		CALL_WAITING(&c, ret = real.msgrcv(msqid, msgp, msgsz, msgtyp, msgflg));
	call_returned(&c);
	long mtype; /* the kernel wrote it; another thread may have unmapped it since */
	if (ret != -1 && peek(&mtype, msgp, sizeof mtype))
		note_mtype(&c, mtype);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

EXPORT int msgctl(int msqid, int cmd, struct msqid_ds *buf)
{
	struct call c;
	ensure_real_sysv();
	if (!call_enter(&c, CALL_MSGCTL))
		return real.msgctl(msqid, cmd, buf);
	struct call_args *a = &c.a;
	a->msqid = msqid, a->cmd = cmd, a->cmd_raw = cmd, a->buf = (uintptr_t)buf;
	int ret = call_inject(&c) ? -1 : real.msgctl(msqid, cmd, buf);
	call_returned(&c);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}
