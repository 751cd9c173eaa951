/* The exported functions: each call of common/call_table.h (shmget, shmat,
 * shmdt, shmctl, shm_open, shm_unlink, ftok; the semaphore and message
 * queue calls are in wrappers_sysv.c) and syscall(3) for those made
 * through it; _exit and _Exit for the exit record; the functions that
 * change ids, which open the trace file first.  A call is the real one
 * framed by call.c -- unless a rule makes it fail, when the kernel is never
 * asked -- and the values of its record's fields; record.c writes them. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "call.h"
#include "ipcget.h"

static int real_shmget(key_t key, unsigned long size, int flg)
{
	return real.shmget(key, (size_t)size, flg);
}

/* Whether the call created its segment or object: known (1 or 0) only when
 * it succeeded and the probe decided. */
void note_created(struct call *c, bool failed, int created)
{
	if (!failed && created >= 0)
		c->a.present |= FIELD_BIT(CREATED), c->a.created = created;
}

EXPORT int shmget(key_t key, size_t size, int shmflg)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMGET))
		return real.shmget(key, size, shmflg);
	struct call_args *a = &c.a;
	a->key = (unsigned)key, a->size = size, a->flags_raw = shmflg;
	a->flags = (unsigned)shmflg & ~0777u, a->mode = (unsigned)shmflg & 0777u;
	int created = -1;
	int ret = call_inject(&c) ? -1 : ipcget_noting_creation(real_shmget, key, size, shmflg, &created);
	call_returned(&c);
	note_created(&c, ret == -1, created);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

EXPORT void *shmat(int shmid, const void *shmaddr, int shmflg)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMAT))
		return real.shmat(shmid, shmaddr, shmflg);
	struct call_args *a = &c.a;
	a->shmid = shmid, a->shmaddr = (uintptr_t)shmaddr, a->flags_raw = shmflg, a->flags = (unsigned)shmflg;
	void *ret = call_inject(&c) ? (void *)-1 : real.shmat(shmid, shmaddr, shmflg);
	if (ret != (void *)-1)
		atomic_fetch_add(&proc.attached, 1);
	call_returned(&c);
	call_leave_ptr(&c, ret, ret == (void *)-1);
	return ret;
}

EXPORT int shmdt(const void *shmaddr)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMDT))
		return real.shmdt(shmaddr);
	c.a.shmaddr = (uintptr_t)shmaddr;
	int ret = call_inject(&c) ? -1 : real.shmdt(shmaddr);
	if (ret == 0)
		atomic_fetch_sub(&proc.attached, 1);
	call_returned(&c);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

EXPORT int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMCTL))
		return real.shmctl(shmid, cmd, buf);
	struct call_args *a = &c.a;
	a->shmid = shmid, a->cmd = cmd, a->cmd_raw = cmd, a->buf = (uintptr_t)buf;
	int ret = call_inject(&c) ? -1 : real.shmctl(shmid, cmd, buf);
	call_returned(&c);
	/* What the kernel read or wrote: only after it accepted the buffer,
	 * so that a bad pointer stays the caller's EFAULT. */
	bool stat = cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY;
	if (ret != -1 && buf && (stat || cmd == IPC_SET))
		a->present |= stat ? FIELD_BIT(STAT) : FIELD_BIT(SET), a->ds = buf;
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

/* POSIX shared memory (shm_open(3)): the same questions as for SysV --
 * created or opened, and removed (unlinked) or not. */

/* As shmget_noting_creation: O_CREAT alone is asked as O_CREAT|O_EXCL, then
 * as a plain open; the pair does what the call does. */
static int shm_open_noting_creation(const char *name, int oflag, mode_t mode, int *created)
{
	int fd;
	*created = -1;
	if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) || !(oflag & O_CREAT)) {
		fd = real.shm_open(name, oflag, mode);
		*created = fd != -1 && (oflag & O_CREAT);
		return fd;
	}
	for (int tries = 0; tries < 8; tries++) {
		fd = real.shm_open(name, oflag | O_EXCL, mode);
		if (fd != -1 || errno != EEXIST) {
			*created = fd != -1;
			return fd;
		}
		fd = real.shm_open(name, oflag & ~O_CREAT, mode);
		if (fd != -1 || errno != ENOENT) {
			*created = 0;
			return fd;
		}
	}
	return real.shm_open(name, oflag, mode);
}

EXPORT int shm_open(const char *name, int oflag, mode_t mode)
{
	struct call c;
	if (!call_enter(&c, CALL_SHM_OPEN))
		return real.shm_open(name, oflag, mode);
	struct call_args *a = &c.a;
	a->name = name, a->flags_raw = oflag, a->flags = (unsigned)oflag, a->mode = (unsigned)mode & 0777u;
	int created = -1;
	int fd = call_inject(&c) ? -1 : shm_open_noting_creation(name, oflag, mode, &created);
	call_returned(&c);
	note_created(&c, fd == -1, created);
	struct stat st; /* which object: a name may be unlinked and made again */
	if (fd != -1 && sys_fstat(fd, &st) == 0)
		a->present |= FIELD_BIT(DEV) | FIELD_BIT(INO), a->dev = st.st_dev, a->ino = st.st_ino;
	call_leave_int(&c, fd, fd == -1);
	return fd;
}

EXPORT int shm_unlink(const char *name)
{
	struct call c;
	if (!call_enter(&c, CALL_SHM_UNLINK))
		return real.shm_unlink(name);
	c.a.name = name;
	int ret = call_inject(&c) ? -1 : real.shm_unlink(name);
	call_returned(&c);
	call_leave_int(&c, ret, ret == -1);
	return ret;
}

/* ftok(3): the key a SysV program will use, and the file and id behind it. */
EXPORT key_t ftok(const char *path, int id)
{
	struct call c;
	if (!call_enter(&c, CALL_FTOK))
		return real.ftok(path, id);
	struct call_args *a = &c.a;
	a->name = path, a->id = id;
	key_t key = call_inject(&c) ? (key_t)-1 : real.ftok(path, id);
	call_returned(&c);
	/* The file behind the key, as ftok(3) saw it (it stats the path):
	 * "./k" and "/abs/k" are one file, and two files are two even when
	 * one took the other's path.  errno is the caller's again at leave. */
	struct stat st;
	if (key != (key_t)-1 && sys_stat(path, &st) == 0)
		a->present |= FIELD_BIT(DEV) | FIELD_BIT(INO), a->dev = st.st_dev, a->ino = st.st_ino;
	if (key != (key_t)-1)
		a->present |= FIELD_BIT(FTOK_KEY), a->ftok_key = (unsigned)key;
	call_leave_int(&c, key, key == (key_t)-1);
	return key;
}

/* A process about to give up its privileges opens its trace file first,
 * while it may still create one in the trace directory (a server that
 * starts as root and becomes nobody) -- or open it again, if it closed
 * every descriptor as daemons do: after the drop it could not.  Root
 * keeps run's untraced.txt open too: afterwards it could not create the
 * marker that its trace was cut, nor open that file to say so (re-check
 * 32: run and the report then took the trace for whole).  Each is the
 * real call after that. */
static void before_privilege_change(void)
{
	int saved;
	if (own_work_begin(&saved, false)) {
		if (ensure_file()) {
			out_checked_fd();
			if (sys_geteuid() == 0)
				out_keep_untraced();
		}
		own_work_end(saved);
	}
}

/* syscall(3) is a libc function like the others: a program that asks it
 * for SYS_shmget and the like gets the same wrappers (and the record says
 * "via": "syscall").  Inline system call instructions stay invisible. */
EXPORT long syscall(long number, ...)
{
	va_list ap;
	long a[6];
	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!real.syscall) /* before our constructor: only libc's own */
		real.syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	/* libunwind's check of a page, into a pipe it does not have
	 * (backtrace.c), for us or for the program.  (The descriptor is an
	 * int: its register's upper half is not the argument's.) */
	if (number == SYS_write && (int)a[0] == -1 && a[2] == 1 && unwinder_owns(__builtin_return_address(0)))
		return unwind_check_page((const void *)a[1]);
	if (shim_busy)
		return real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	long ret;
	switch (number) {
	case SYS_clone:
	case SYS_clone3:
		return identity_raw_clone(number, a);
	case SYS_unshare:
	case SYS_setns:
		return ns_raw_change(number, a);
	case SYS_setuid: /* as through libc: below */
	case SYS_setreuid:
	case SYS_setresuid:
		before_privilege_change();
		break;
	case SYS_setrlimit: /* the program's memory limits, as through libc: limits.c */
	case SYS_prlimit64:
	case SYS_mlockall:
	case SYS_seccomp: { /* (libseccomp's way: a filter may forbid asking for limits) */
		limits_before_raw(number, a);
		long r = real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
		int err = errno;
		limits_after_raw(number, a, r);
		errno = err;
		return r;
	}
	}
	via_syscall = 1;
	switch (number) {
#define SYS(NUMBER, FN, TYPE, FAILED, ARGS)                    \
	case NUMBER: {                                         \
		TYPE r = FN ARGS;                              \
		ret = r == (FAILED) ? -1 : (long)r;            \
		break;                                         \
	}
#define NOSYS
#define SYSCALL_CASE(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL) SYSCALL
		CALL_LIST(SYSCALL_CASE)
#undef SYS
#undef NOSYS
	default:
		via_syscall = 0;
		return real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	via_syscall = 0;
	return ret;
}

/* _exit and _Exit skip atexit handlers, so they write the exit record
 * themselves.  (exit() reaches here only through libc's internal alias,
 * which we do not see; init.c handles it with on_exit.) */
EXPORT void _exit(int status)
{
	/* A vfork child that failed its exec comes here with its parent's
	 * memory: it writes nothing, and leaves the guard as it found it. */
	int saved;
	if (own_work_begin(&saved, true))
		write_exit(status, "_exit");
	real.exit_now(status);
}

EXPORT void _Exit(int status)
{
	_exit(status);
}

#define PRIVILEGE_WRAPPER(name, params, args) \
	EXPORT int name params                \
	{                                     \
		before_privilege_change();    \
		return real.name args;        \
	}

PRIVILEGE_WRAPPER(setuid, (uid_t uid), (uid))
PRIVILEGE_WRAPPER(seteuid, (uid_t uid), (uid))
PRIVILEGE_WRAPPER(setreuid, (uid_t ruid, uid_t euid), (ruid, euid))
PRIVILEGE_WRAPPER(setresuid, (uid_t ruid, uid_t euid, uid_t suid), (ruid, euid, suid))
PRIVILEGE_WRAPPER(setgid, (gid_t gid), (gid))
PRIVILEGE_WRAPPER(setegid, (gid_t gid), (gid))
PRIVILEGE_WRAPPER(setregid, (gid_t rgid, gid_t egid), (rgid, egid))
PRIVILEGE_WRAPPER(setresgid, (gid_t rgid, gid_t egid, gid_t sgid), (rgid, egid, sgid))
