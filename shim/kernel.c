/* The shim's own system calls and clock, made straight to the kernel or by
 * libc itself, never through a function that another preloaded library
 * may wrap.  fakeroot wraps the stat family, unlink and the user ids, and
 * its wrappers take its semaphore: when one of its own semop calls, which
 * we trace, had our record's fstat land in its fstat, the job waited on
 * itself for ever.  faketime wraps the clocks and getpid: at exit it
 * unmaps what its clock_gettime then waits on, so every traced process
 * died of SIGSEGV, and calls were stamped with its fake time.  (Outside
 * trial 23.)  What we record of the program's own calls (shm_open's file,
 * ftok's) is the kernel's word too. */
#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

static long (*libc_syscall)(long, ...);
static int (*libc_clock_gettime)(clockid_t, struct timespec *);

void kernel_init(void)
{
	void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
	if (!libc)
		return;
	libc_syscall = (long (*)(long, ...))dlsym(libc, "syscall");
	libc_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(libc, "clock_gettime");
	dlclose(libc); /* (it stays: the program needs it) */
}

/* Before kernel_init, what the global scope gives: our own syscall(). */
long sys_call(long number, long a, long b, long c, long d)
{
	return libc_syscall ? libc_syscall(number, a, b, c, d) : syscall(number, a, b, c, d);
}

uint64_t now_ns(clockid_t clock)
{
	struct timespec t;
	if (libc_clock_gettime)
		libc_clock_gettime(clock, &t);
	else
		clock_gettime(clock, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int sys_fstat(int fd, struct stat *st)
{
	return (int)sys_call(SYS_fstat, fd, (long)st, 0, 0);
}

int sys_stat(const char *path, struct stat *st)
{
	return (int)sys_call(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0);
}

int sys_unlink(const char *path)
{
	return (int)sys_call(SYS_unlinkat, AT_FDCWD, (long)path, 0, 0);
}

pid_t sys_getpid(void)
{
	return (pid_t)sys_call(SYS_getpid, 0, 0, 0, 0);
}

pid_t sys_getppid(void)
{
	return (pid_t)sys_call(SYS_getppid, 0, 0, 0, 0);
}

uid_t sys_getuid(void)
{
	return (uid_t)sys_call(SYS_getuid, 0, 0, 0, 0);
}

uid_t sys_geteuid(void)
{
	return (uid_t)sys_call(SYS_geteuid, 0, 0, 0, 0);
}

gid_t sys_getgid(void)
{
	return (gid_t)sys_call(SYS_getgid, 0, 0, 0, 0);
}

gid_t sys_getegid(void)
{
	return (gid_t)sys_call(SYS_getegid, 0, 0, 0, 0);
}

ssize_t sys_getxattr(const char *path, const char *name, void *value, size_t size)
{
	return (ssize_t)sys_call(SYS_getxattr, (long)path, (long)name, (long)value, (long)size);
}

int sys_nosuid(const char *path)
{
	struct statfs fs;
	return sys_call(SYS_statfs, (long)path, (long)&fs, 0, 0) == 0 && (fs.f_flags & ST_NOSUID);
}

ssize_t sys_getrandom(void *buf, size_t len, unsigned flags)
{
	return (ssize_t)sys_call(SYS_getrandom, (long)buf, (long)len, flags, 0);
}
