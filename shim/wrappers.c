/* The exported functions: shmget, shmat, shmdt, shmctl, and _exit for the
 * exit record.  Each is the real call framed by call.c -- unless a rule
 * makes it fail, when the kernel is never asked -- plus the decoding of its
 * own arguments.  Names and flags come from common/xlat.c. */
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

#include "../common/xlat.h"
#include "call.h"

/* Bytes of a string argument kept: a longer one is cut, and its record says
 * so.  A POSIX name is at most NAME_MAX bytes, a path PATH_MAX. */
#define NAME_SHOWN 256
#define PATH_SHOWN 2048

/* Asks the kernel whether this shmget created its segment.  Only IPC_CREAT
 * without IPC_EXCL is ambiguous; for it we make the same request as two
 * exact ones -- create exclusively, else open without creating -- which
 * together do what the original call does and return what it returns
 * (shmget(2): EEXIST is checked before permissions and size).  If the
 * segment vanishes between the two, try again; *created = -1 if undecided. */
static int shmget_noting_creation(key_t key, size_t size, int flg, int *created)
{
	int ret;
	*created = -1;
	if (key == IPC_PRIVATE || (flg & (IPC_CREAT | IPC_EXCL)) == (IPC_CREAT | IPC_EXCL)) {
		ret = real.shmget(key, size, flg);
		*created = ret != -1;
		return ret;
	}
	if (!(flg & IPC_CREAT)) {
		ret = real.shmget(key, size, flg);
		*created = 0;
		return ret;
	}
	for (int tries = 0; tries < 8; tries++) {
		ret = real.shmget(key, size, flg | IPC_EXCL);
		if (ret != -1 || errno != EEXIST) {
			*created = ret != -1;
			return ret;
		}
		ret = real.shmget(key, size, flg & ~IPC_CREAT);
		if (ret != -1 || errno != ENOENT) {
			*created = 0;
			return ret;
		}
	}
	*created = -1;
	return real.shmget(key, size, flg);
}

EXPORT int shmget(key_t key, size_t size, int shmflg)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMGET))
		return real.shmget(key, size, shmflg);
	struct call_facts facts = {.call = CALL_SHMGET, .has_key = 1, .key = (unsigned)key,
				   .flags = (unsigned)shmflg & ~0777u, .size = size};
	int created = -1;
	int ret = call_inject(&c, &facts) ? -1 : shmget_noting_creation(key, size, shmflg, &created);
	call_returned(&c);
	struct jw *w = &c.w;
	jw_key(w, "key"), jw_hex32(w, (unsigned)key);
	jw_key(w, "size"), jw_uint(w, size);
	jw_key(w, "shmflg"), jw_int(w, shmflg);
	jw_key(w, "flags"), jw_flags(w, xlat_shmget_flags, (unsigned)shmflg & ~0777u);
	jw_key(w, "mode"), jw_oct(w, (unsigned)shmflg & 0777u);
	call_result_int(&c, ret, ret == -1);
	jw_key(w, "created"), jw_lit(w, ret == -1 || created < 0 ? "null" : created ? "true" : "false");
	call_leave(&c);
	return ret;
}

EXPORT void *shmat(int shmid, const void *shmaddr, int shmflg)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMAT))
		return real.shmat(shmid, shmaddr, shmflg);
	struct call_facts facts = {.call = CALL_SHMAT, .shmid = shmid, .flags = (unsigned)shmflg};
	void *ret = call_inject(&c, &facts) ? (void *)-1 : real.shmat(shmid, shmaddr, shmflg);
	if (ret != (void *)-1)
		atomic_fetch_add(&proc.attached, 1);
	call_returned(&c);
	struct jw *w = &c.w;
	jw_key(w, "shmid"), jw_int(w, shmid);
	jw_key(w, "shmaddr"), jw_hex(w, (uintptr_t)shmaddr);
	jw_key(w, "shmflg"), jw_int(w, shmflg);
	jw_key(w, "flags"), jw_flags(w, xlat_shmat_flags, (unsigned)shmflg);
	call_result_ptr(&c, ret, ret == (void *)-1);
	call_leave(&c);
	return ret;
}

EXPORT int shmdt(const void *shmaddr)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMDT))
		return real.shmdt(shmaddr);
	struct call_facts facts = {.call = CALL_SHMDT, .shmid = -1, .addr = shmaddr};
	int ret = call_inject(&c, &facts) ? -1 : real.shmdt(shmaddr);
	if (ret == 0)
		atomic_fetch_sub(&proc.attached, 1);
	call_returned(&c);
	jw_key(&c.w, "shmaddr"), jw_hex(&c.w, (uintptr_t)shmaddr);
	call_result_int(&c, ret, ret == -1);
	call_leave(&c);
	return ret;
}

/* The parts of a shmid_ds that say what a segment is.  Only read after the
 * kernel accepted the buffer, so a bad pointer stays the caller's EFAULT. */
static void write_shmid_ds(struct jw *w, const struct shmid_ds *ds, bool stat)
{
	jw_key(w, stat ? "stat" : "set"), jw_open(w, '{');
	jw_key(w, "uid"), jw_uint(w, ds->shm_perm.uid);
	jw_key(w, "gid"), jw_uint(w, ds->shm_perm.gid);
	jw_key(w, "mode"), jw_oct(w, ds->shm_perm.mode & 0777u);
	if (!stat) { /* IPC_SET reads only these three */
		jw_close(w, '}');
		return;
	}
	jw_key(w, "key"), jw_hex32(w, (unsigned)ds->shm_perm.__key);
	jw_key(w, "size"), jw_uint(w, ds->shm_segsz);
	jw_key(w, "cpid"), jw_int(w, ds->shm_cpid);
	jw_key(w, "lpid"), jw_int(w, ds->shm_lpid);
	jw_key(w, "nattch"), jw_uint(w, ds->shm_nattch);
	jw_close(w, '}');
}

EXPORT int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
	struct call c;
	if (!call_enter(&c, CALL_SHMCTL))
		return real.shmctl(shmid, cmd, buf);
	struct call_facts facts = {.call = CALL_SHMCTL, .shmid = shmid, .cmd = cmd};
	int ret = call_inject(&c, &facts) ? -1 : real.shmctl(shmid, cmd, buf);
	call_returned(&c);
	struct jw *w = &c.w;
	const char *name = xlat_name(xlat_shmctl_cmds, (unsigned)cmd);
	jw_key(w, "shmid"), jw_int(w, shmid);
	jw_key(w, "cmd");
	if (name)
		jw_str(w, name, 32);
	else
		jw_int(w, cmd);
	jw_key(w, "cmd_raw"), jw_int(w, cmd);
	jw_key(w, "buf"), jw_hex(w, (uintptr_t)buf);
	bool stat = cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY;
	if (ret != -1 && buf && (stat || cmd == IPC_SET))
		write_shmid_ds(w, buf, stat);
	call_result_int(&c, ret, ret == -1);
	call_leave(&c);
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
	struct call_facts facts = {.call = CALL_SHM_OPEN, .shmid = -1, .flags = (unsigned)oflag, .name = name};
	int created = -1;
	int fd = call_inject(&c, &facts) ? -1 : shm_open_noting_creation(name, oflag, mode, &created);
	call_returned(&c);
	struct jw *w = &c.w;
	call_arg_str(&c, "name", name, NAME_SHOWN);
	jw_key(w, "oflag"), jw_int(w, oflag);
	jw_key(w, "flags"), jw_flags(w, xlat_open_flags, (unsigned)oflag);
	jw_key(w, "mode"), jw_oct(w, (unsigned)mode & 0777u);
	call_result_int(&c, fd, fd == -1);
	jw_key(w, "created"), jw_lit(w, fd == -1 || created < 0 ? "null" : created ? "true" : "false");
	call_leave(&c);
	return fd;
}

EXPORT int shm_unlink(const char *name)
{
	struct call c;
	if (!call_enter(&c, CALL_SHM_UNLINK))
		return real.shm_unlink(name);
	struct call_facts facts = {.call = CALL_SHM_UNLINK, .shmid = -1, .name = name};
	int ret = call_inject(&c, &facts) ? -1 : real.shm_unlink(name);
	call_returned(&c);
	call_arg_str(&c, "name", name, NAME_SHOWN);
	call_result_int(&c, ret, ret == -1);
	call_leave(&c);
	return ret;
}

/* ftok(3): the key a SysV program will use, and the file and id behind it. */
EXPORT key_t ftok(const char *path, int id)
{
	struct call c;
	if (!call_enter(&c, CALL_FTOK))
		return real.ftok(path, id);
	struct call_facts facts = {.call = CALL_FTOK, .shmid = -1, .name = path};
	key_t key = call_inject(&c, &facts) ? (key_t)-1 : real.ftok(path, id);
	call_returned(&c);
	struct jw *w = &c.w;
	call_arg_str(&c, "path", path, PATH_SHOWN);
	jw_key(w, "id"), jw_int(w, id);
	/* The file behind the key, as ftok(3) saw it (it stats the path):
	 * "./k" and "/abs/k" are one file, and two files are two even when
	 * one took the other's path.  errno is the caller's again at leave. */
	struct stat st;
	if (key != (key_t)-1 && stat(path, &st) == 0) {
		jw_key(w, "dev"), jw_uint(w, st.st_dev);
		jw_key(w, "ino"), jw_uint(w, st.st_ino);
	}
	call_result_int(&c, key, key == (key_t)-1);
	if (key != (key_t)-1)
		jw_key(w, "key"), jw_hex32(w, (unsigned)key);
	call_leave(&c);
	return key;
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
	case SYS_shmget:
	case SYS_shmat:
	case SYS_shmdt:
	case SYS_shmctl:
		break;
	default:
		return real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	via_syscall = 1;
	switch (number) {
	case SYS_shmget:
		ret = shmget((key_t)a[0], (size_t)a[1], (int)a[2]);
		break;
	case SYS_shmat: {
		void *p = shmat((int)a[0], (const void *)a[1], (int)a[2]);
		ret = p == (void *)-1 ? -1 : (long)p;
		break;
	}
	case SYS_shmdt:
		ret = shmdt((const void *)a[0]);
		break;
	default:
		ret = shmctl((int)a[0], (int)a[1], (struct shmid_ds *)a[2]);
		break;
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
	if (!shim_busy && proc_is_self_exact()) {
		shim_busy = 1;
		ensure_init();
		write_exit(status, "_exit");
	}
	real.exit_now(status);
}

EXPORT void _Exit(int status)
{
	_exit(status);
}

/* A process about to give up its privileges opens its trace file first,
 * while it may still create one in the trace directory (a server that
 * starts as root and becomes nobody).  Each is the real call after that. */
static void before_privilege_change(void)
{
	int saved = errno;
	if (!shim_busy && proc_is_self()) {
		shim_busy = 1;
		ensure_init();
		ensure_file();
		shim_busy = 0;
	}
	errno = saved;
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
