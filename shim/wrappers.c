/* The exported functions: shmget, shmat, shmdt, shmctl, and _exit for the
 * exit record.  Each is the real call framed by call.c -- unless a rule
 * makes it fail, when the kernel is never asked -- plus the decoding of its
 * own arguments.  Names and flags come from common/xlat.c. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "../common/xlat.h"
#include "call.h"

#define EXPORT __attribute__((visibility("default")))

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

/* _exit and _Exit skip atexit handlers, so they write the exit record
 * themselves.  (exit() reaches here only through libc's internal alias,
 * which we do not see; init.c handles it with on_exit.) */
EXPORT void _exit(int status)
{
	if (!shim_busy) {
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
#define BEFORE_PRIVILEGE_CHANGE()                  \
	do {                                       \
		int saved = errno;                 \
		if (!shim_busy) {                  \
			shim_busy = 1;             \
			ensure_init();             \
			ensure_file();             \
			shim_busy = 0;             \
		}                                  \
		errno = saved;                     \
	} while (0)

EXPORT int setuid(uid_t uid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setuid(uid);
}

EXPORT int seteuid(uid_t uid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.seteuid(uid);
}

EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setreuid(ruid, euid);
}

EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setresuid(ruid, euid, suid);
}

EXPORT int setgid(gid_t gid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setgid(gid);
}

EXPORT int setegid(gid_t gid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setegid(gid);
}

EXPORT int setregid(gid_t rgid, gid_t egid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setregid(rgid, egid);
}

EXPORT int setresgid(gid_t rgid, gid_t egid, gid_t sgid)
{
	BEFORE_PRIVILEGE_CHANGE();
	return real.setresgid(rgid, egid, sgid);
}
