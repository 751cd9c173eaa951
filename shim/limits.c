/* The program's own limits on its memory, which our mapped trace file must
 * not change: an address-space limit (setrlimit or prlimit of RLIMIT_AS)
 * counts the file's 64 GiB window, and mlockall counts the window against
 * RLIMIT_MEMLOCK and locks what it has in memory.  Before either (through
 * libc or syscall(2)), the window is cut down to the room the file has
 * (mapped.h), the rest of the file appended; after mlockall the window is
 * unlocked again, and with MCL_FUTURE no window is mapped from then on.
 * The file size limit is kept as the program sets it, not asked of the
 * kernel as records are written (a seccomp filter may kill for asking):
 * one lowered from outside (prlimit(1)) is met as EFBIG, one raised is
 * asked for when ours would stop the trace.  The address-space
 * limit is asked at each growth of the file too, until the program
 * installs a seccomp filter. */
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mapped.h"
#include "peek.h"
#include "shim.h"

static void *next(void **fn, const char *name)
{
	if (!*fn)
		*fn = dlsym(RTLD_NEXT, name);
	return *fn;
}

/* Whether the process locks its future mappings (mlockall MCL_FUTURE). */
static _Atomic int locks_future PER_PROCESS;

/* Whether an address-space limit is set: asked of the kernel at each
 * growth of the file (one set from outside, prlimit(1), is seen there:
 * re-check 29) -- but no more once the program has installed a seccomp
 * filter (through syscall(2), libseccomp's way, or prctl), which may kill
 * it for asking (re-check 28: chronyd past 64 KiB of records).  From
 * then on, the answer just before the filter, followed as the program
 * sets the limit. */
static _Atomic int as_limited;
static _Atomic int filtered;

int out_as_limited(void)
{
	struct rlimit as;
	if (!atomic_load(&filtered) && getrlimit(RLIMIT_AS, &as) == 0)
		atomic_store(&as_limited, as.rlim_cur != RLIM_INFINITY);
	return atomic_load(&as_limited);
}

int out_may_map(void)
{
	return !atomic_load(&locks_future);
}

/* The file size limit as the kernel has it now, unless asking may kill the
 * program: at the moment our copy would stop the trace, a limit raised
 * from outside (prlimit(1)) is seen (re-check 31). */
unsigned long long out_size_limit_fresh(void)
{
	if (!atomic_load(&filtered) && proc_is_self())
		out_size_limit_read();
	return out_size_limit();
}

/* Before the program's new limit is set: one on its address space cuts
 * the window down first, or its other threads' mappings would fail until
 * it is (the kernel applies the limit at once).  LIMIT read without
 * faulting, as the kernel will read it (a bad one is its EFAULT).  Not in
 * a vfork child, whose limits are its own but whose memory, where our
 * copy is, is its parent's (re-check 31). */
static void before_limit(int resource, const void *limit)
{
	rlim_t soft;
	int saved = errno;
	if (!proc_is_self())
		return;
	if (resource == RLIMIT_AS && limit && peek(&soft, limit, sizeof soft) && soft != RLIM_INFINITY) {
		atomic_store(&as_limited, 1);
		out_shrink_mapping();
	}
	errno = saved;
}

/* Once the program's new limit is set: our copy of a file size limit --
 * not before, lest the kernel refuse it (re-check 31: EINVAL, EPERM) while
 * other threads' records stop at it (re-check 32, under a seccomp filter,
 * where it is not asked again).  A record of ours meanwhile past the new
 * limit meets EFBIG, whose SIGXFSZ we take back (xfsz.c). */
static void after_limit(int ret, int resource, const void *limit)
{
	rlim_t soft;
	int saved = errno;
	if (!proc_is_self() || !limit || !peek(&soft, limit, sizeof soft)) {
		errno = saved;
		return;
	}
	if (ret == 0 && resource == RLIMIT_FSIZE)
		out_size_limit_set(soft);
	if (ret == 0 && resource == RLIMIT_AS)
		atomic_store(&as_limited, soft != RLIM_INFINITY);
	errno = saved;
}

/* PID, for prlimit: this process, or one of its threads (a signal 0 to
 * it as our thread succeeds; libc's syscall(), not our wrapper of it). */
static int is_us(pid_t pid)
{
	if (pid == 0 || pid == sys_getpid())
		return 1;
	int saved = errno, us = real.syscall && real.syscall(SYS_tgkill, sys_getpid(), pid, 0) == 0;
	errno = saved;
	return us;
}

/* RL is struct rlimit or struct rlimit64 (the same on 64-bit machines):
 * rlim_cur first. */
#define SETRLIMIT(name, RL)                                                         \
	EXPORT int name(__rlimit_resource_t resource, const RL *limit)              \
	{                                                                           \
		static void *fn;                                                    \
		int (*real_fn)(__rlimit_resource_t, const RL *) = next(&fn, #name);  \
		before_limit(resource, limit);                                      \
		int ret = real_fn(resource, limit);                                 \
		after_limit(ret, resource, limit);                                  \
		return ret;                                                         \
	}
SETRLIMIT(setrlimit, struct rlimit)
SETRLIMIT(setrlimit64, struct rlimit64)

#define PRLIMIT(name, RL)                                                                        \
	EXPORT int name(pid_t pid, __rlimit_resource_t resource, const RL *limit, RL *old)       \
	{                                                                                        \
		static void *fn;                                                                 \
		int (*real_fn)(pid_t, __rlimit_resource_t, const RL *, RL *) = next(&fn, #name); \
		int us = is_us(pid);                                                             \
		if (us)                                                                          \
			before_limit(resource, limit);                                           \
		int ret = real_fn(pid, resource, limit, old);                                    \
		if (us)                                                                          \
			after_limit(ret, resource, limit);                                       \
		return ret;                                                                      \
	}
PRLIMIT(prlimit, struct rlimit)
PRLIMIT(prlimit64, struct rlimit64)

static void limits_after_mlockall(int ret, int flags)
{
	if (ret != 0)
		return;
	if (flags & MCL_FUTURE)
		atomic_store(&locks_future, 1);
	out_unlock_mapping();
}

/* prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER), the other way to install a
 * filter (OpenSSH's): noted as through syscall(2). */
EXPORT int prctl(int option, ...)
{
	static void *fn;
	int (*real_fn)(int, unsigned long, unsigned long, unsigned long, unsigned long) = next(&fn, "prctl");
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long), a4 = va_arg(ap, unsigned long),
		      a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_SECCOMP && a2 == SECCOMP_MODE_FILTER)
		out_as_limited(); /* the last answer, while asking is allowed */
	int ret = real_fn(option, a2, a3, a4, a5);
	if (ret == 0 && option == PR_SET_SECCOMP && a2 == SECCOMP_MODE_FILTER)
		atomic_store(&filtered, 1);
	return ret;
}

void limits_after_raw(long number, const long *a, long ret)
{
	if (number == SYS_seccomp && ret == 0 && a[0] == SECCOMP_SET_MODE_FILTER)
		atomic_store(&filtered, 1);
	else if (number == SYS_setrlimit)
		after_limit(ret == 0 ? 0 : -1, (int)a[0], (const void *)a[1]);
	else if (number == SYS_prlimit64 && is_us((pid_t)a[0]))
		after_limit(ret == 0 ? 0 : -1, (int)a[1], (const void *)a[2]);
	else if (number == SYS_mlockall)
		limits_after_mlockall(ret == 0 ? 0 : -1, (int)a[0]);
}

void limits_before_raw(long number, const long *a)
{
	if (number == SYS_seccomp && a[0] == SECCOMP_SET_MODE_FILTER)
		out_as_limited(); /* the last answer, while asking is allowed */
	else if (number == SYS_setrlimit)
		before_limit((int)a[0], (const void *)a[1]);
	else if (number == SYS_prlimit64 && is_us((pid_t)a[0]))
		before_limit((int)a[1], (const void *)a[2]);
	else if (number == SYS_mlockall)
		out_shrink_mapping();
}

EXPORT int mlockall(int flags)
{
	static void *fn;
	int (*real_fn)(int) = next(&fn, "mlockall");
	out_shrink_mapping();
	int ret = real_fn(flags);
	limits_after_mlockall(ret, flags);
	return ret;
}

EXPORT int munlockall(void)
{
	static void *fn;
	int (*real_fn)(void) = next(&fn, "munlockall");
	int ret = real_fn();
	if (ret == 0)
		atomic_store(&locks_future, 0);
	return ret;
}
