#include "xlat.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
/* shmget(2)'s SHM_HUGE_2MB etc. are these encodings; <linux/shm.h> itself
 * cannot be included beside <sys/shm.h>. */
#include <asm-generic/hugetlb_encode.h>

#define BIT(x) {x, x, #x},
#define VAL(x) {x, ~0ul, #x},
#define HUGE(size) \
	{HUGETLB_FLAG_ENCODE_##size, (unsigned long)HUGETLB_FLAG_ENCODE_MASK << HUGETLB_FLAG_ENCODE_SHIFT, "SHM_HUGE_" #size},
#define END {0, 0, NULL}

const struct xlat xlat_shmget_flags[] = {
	BIT(IPC_CREAT) BIT(IPC_EXCL) BIT(SHM_HUGETLB) BIT(SHM_NORESERVE)
	HUGE(64KB) HUGE(512KB) HUGE(1MB) HUGE(2MB) HUGE(8MB) HUGE(16MB)
	HUGE(32MB) HUGE(256MB) HUGE(512MB) HUGE(1GB) HUGE(2GB) HUGE(16GB)
	END
};

const struct xlat xlat_shmat_flags[] = {
	BIT(SHM_RDONLY) BIT(SHM_RND) BIT(SHM_REMAP) BIT(SHM_EXEC)
	END
};

/* shm_open's oflag: the access mode is a field, not bits (open(2)). */
#define ACCESS(x) {x, O_ACCMODE, #x},
const struct xlat xlat_open_flags[] = {
	ACCESS(O_RDONLY) ACCESS(O_WRONLY) ACCESS(O_RDWR)
	BIT(O_CREAT) BIT(O_EXCL) BIT(O_TRUNC) BIT(O_NOFOLLOW) BIT(O_CLOEXEC) BIT(O_NONBLOCK)
	END
};

const struct xlat xlat_shmctl_cmds[] = {
	VAL(IPC_RMID) VAL(IPC_SET) VAL(IPC_STAT) VAL(IPC_INFO)
	VAL(SHM_LOCK) VAL(SHM_UNLOCK) VAL(SHM_STAT) VAL(SHM_INFO) VAL(SHM_STAT_ANY)
	END
};

/* semget(2), msgget(2): only these two bits besides the mode mean anything. */
const struct xlat xlat_ipcget_flags[] = {
	BIT(IPC_CREAT) BIT(IPC_EXCL)
	END
};

const struct xlat xlat_sem_flags[] = {
	BIT(IPC_NOWAIT) BIT(SEM_UNDO)
	END
};

const struct xlat xlat_semctl_cmds[] = {
	VAL(IPC_RMID) VAL(IPC_SET) VAL(IPC_STAT) VAL(IPC_INFO)
	VAL(GETPID) VAL(GETVAL) VAL(GETALL) VAL(GETNCNT) VAL(GETZCNT) VAL(SETVAL) VAL(SETALL)
	VAL(SEM_STAT) VAL(SEM_INFO) VAL(SEM_STAT_ANY)
	END
};

/* msgop(2): MSG_EXCEPT and MSG_COPY for msgrcv only. */
const struct xlat xlat_msg_flags[] = {
	BIT(IPC_NOWAIT) BIT(MSG_NOERROR) BIT(MSG_EXCEPT) BIT(MSG_COPY)
	END
};

const struct xlat xlat_msgctl_cmds[] = {
	VAL(IPC_RMID) VAL(IPC_SET) VAL(IPC_STAT) VAL(IPC_INFO)
	VAL(MSG_STAT) VAL(MSG_INFO) VAL(MSG_STAT_ANY)
	END
};

/* Linux's errno names, from <asm-generic/errno-base.h> and <asm-generic/errno.h>.
 * Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) are left out so that each
 * number has one name. */
const struct xlat xlat_errnos[] = {
	VAL(EPERM) VAL(ENOENT) VAL(ESRCH) VAL(EINTR) VAL(EIO) VAL(ENXIO) VAL(E2BIG)
	VAL(ENOEXEC) VAL(EBADF) VAL(ECHILD) VAL(EAGAIN) VAL(ENOMEM) VAL(EACCES)
	VAL(EFAULT) VAL(ENOTBLK) VAL(EBUSY) VAL(EEXIST) VAL(EXDEV) VAL(ENODEV)
	VAL(ENOTDIR) VAL(EISDIR) VAL(EINVAL) VAL(ENFILE) VAL(EMFILE) VAL(ENOTTY)
	VAL(ETXTBSY) VAL(EFBIG) VAL(ENOSPC) VAL(ESPIPE) VAL(EROFS) VAL(EMLINK)
	VAL(EPIPE) VAL(EDOM) VAL(ERANGE) VAL(EDEADLK) VAL(ENAMETOOLONG) VAL(ENOLCK)
	VAL(ENOSYS) VAL(ENOTEMPTY) VAL(ELOOP) VAL(ENOMSG) VAL(EIDRM) VAL(ECHRNG)
	VAL(EL2NSYNC) VAL(EL3HLT) VAL(EL3RST) VAL(ELNRNG) VAL(EUNATCH) VAL(ENOCSI)
	VAL(EL2HLT) VAL(EBADE) VAL(EBADR) VAL(EXFULL) VAL(ENOANO) VAL(EBADRQC)
	VAL(EBADSLT) VAL(EBFONT) VAL(ENOSTR) VAL(ENODATA) VAL(ETIME) VAL(ENOSR)
	VAL(ENONET) VAL(ENOPKG) VAL(EREMOTE) VAL(ENOLINK) VAL(EADV) VAL(ESRMNT)
	VAL(ECOMM) VAL(EPROTO) VAL(EMULTIHOP) VAL(EDOTDOT) VAL(EBADMSG) VAL(EOVERFLOW)
	VAL(ENOTUNIQ) VAL(EBADFD) VAL(EREMCHG) VAL(ELIBACC) VAL(ELIBBAD) VAL(ELIBSCN)
	VAL(ELIBMAX) VAL(ELIBEXEC) VAL(EILSEQ) VAL(ERESTART) VAL(ESTRPIPE) VAL(EUSERS)
	VAL(ENOTSOCK) VAL(EDESTADDRREQ) VAL(EMSGSIZE) VAL(EPROTOTYPE) VAL(ENOPROTOOPT)
	VAL(EPROTONOSUPPORT) VAL(ESOCKTNOSUPPORT) VAL(EOPNOTSUPP) VAL(EPFNOSUPPORT)
	VAL(EAFNOSUPPORT) VAL(EADDRINUSE) VAL(EADDRNOTAVAIL) VAL(ENETDOWN)
	VAL(ENETUNREACH) VAL(ENETRESET) VAL(ECONNABORTED) VAL(ECONNRESET) VAL(ENOBUFS)
	VAL(EISCONN) VAL(ENOTCONN) VAL(ESHUTDOWN) VAL(ETOOMANYREFS) VAL(ETIMEDOUT)
	VAL(ECONNREFUSED) VAL(EHOSTDOWN) VAL(EHOSTUNREACH) VAL(EALREADY)
	VAL(EINPROGRESS) VAL(ESTALE) VAL(EUCLEAN) VAL(ENOTNAM) VAL(ENAVAIL) VAL(EISNAM)
	VAL(EREMOTEIO) VAL(EDQUOT) VAL(ENOMEDIUM) VAL(EMEDIUMTYPE) VAL(ECANCELED)
	VAL(ENOKEY) VAL(EKEYEXPIRED) VAL(EKEYREVOKED) VAL(EKEYREJECTED)
	VAL(EOWNERDEAD) VAL(ENOTRECOVERABLE) VAL(ERFKILL) VAL(EHWPOISON)
	END
};

const char *xlat_name(const struct xlat *t, unsigned long val)
{
	for (; t->name; t++)
		if ((val & t->mask) == t->val)
			return t->name;
	return NULL;
}

int xlat_value(const struct xlat *t, const char *name, unsigned long *val)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0) {
			*val = t->val;
			return 0;
		}
	return -1;
}
