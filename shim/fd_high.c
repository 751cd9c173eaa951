/* Our descriptor (the trace file) out of the program's way: it must get
 * the descriptors it gets untraced, the same numbers and as many of them.
 *
 * RLIMIT_NOFILE limits descriptor *numbers*: one at or above the soft limit
 * is a number the program can never get, so with ours there a program that
 * opens files until EMFILE opens as many as it does bare.  open() and
 * F_DUPFD refuse numbers past the limit, so the limit is raised for an
 * instant (the hard one too when we may: CAP_SYS_RESOURCE) and put back;
 * the kernel keeps descriptors above a lowered limit open.  Not past
 * ABOVE_LIMIT_MAX: the kernel sizes a process's descriptor table to its
 * highest number (8 bytes a slot), 16 KiB at the usual soft limit of 1024
 * but 16 MiB at 2^20.  There, or when the limit cannot be raised, ours go
 * to 1000 or half the soft limit: the program may then get one descriptor
 * fewer.  (Holding no descriptor instead -- an open per record -- measured
 * 5.2-5.5 us a record against 2.2-3.4 us.  libunwind holds none: its pipe
 * is answered without one, backtrace.c.)
 *
 * One raise at a time: two threads raising and restoring at once could
 * leave the limit raised.  A thread (or a signal handler) that finds the
 * lock taken does without.  A setrlimit of the program's own in that
 * instant would be undone: a window of two system calls. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "shim.h"

#define ABOVE_LIMIT_MAX 16384
#define ABOVE_LIMIT_ROOM 16 /* ours open at once, with room to spare */

static atomic_flag raising = ATOMIC_FLAG_INIT;

/* 1: raised, restore OLD afterwards; 0: not raised, OLD valid; -1: no OLD. */
static int limit_raise(struct rlimit *old)
{
	if (getrlimit(RLIMIT_NOFILE, old) != 0)
		return -1;
	if (old->rlim_cur == RLIM_INFINITY || old->rlim_cur > ABOVE_LIMIT_MAX || atomic_flag_test_and_set(&raising))
		return 0;
	struct rlimit raised = *old;
	raised.rlim_cur = old->rlim_cur + ABOVE_LIMIT_ROOM;
	if (old->rlim_max != RLIM_INFINITY && old->rlim_max < raised.rlim_cur) {
		if (old->rlim_max > old->rlim_cur)
			raised.rlim_cur = old->rlim_max;
		else
			raised.rlim_max = raised.rlim_cur; /* needs CAP_SYS_RESOURCE */
	}
	if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
		return 1;
	atomic_flag_clear(&raising);
	return 0;
}

static void limit_restore(const struct rlimit *old)
{
	setrlimit(RLIMIT_NOFILE, old); /* lowering back is always allowed */
	atomic_flag_clear(&raising);
}

/* FD at the lowest free number from FROM on, or -1 (FD left as it was). */
static int dup_from(int fd, int from)
{
	int high = fcntl(fd, F_DUPFD_CLOEXEC, from);
	if (high >= 0)
		close(fd);
	return high;
}

static int move(int fd, const struct rlimit *old, int state)
{
	int high;
	if (state == 1) {
		if (fd >= (int)old->rlim_cur) /* opened there: all below were taken */
			return fd;
		if ((high = dup_from(fd, (int)old->rlim_cur)) >= 0)
			return high;
	}
	int low = 1000;
	if (state >= 0 && old->rlim_cur != RLIM_INFINITY && old->rlim_cur / 2 < (rlim_t)low)
		low = (int)(old->rlim_cur / 2);
	high = dup_from(fd, low);
	return high >= 0 ? high : fd;
}

int fd_move_high(int fd)
{
	struct rlimit old;
	int saved = errno, state = limit_raise(&old);
	fd = move(fd, &old, state);
	if (state == 1)
		limit_restore(&old);
	errno = saved;
	return fd;
}

/* open(2) into a high number.  The limit is raised only for the move,
 * a few microseconds: while it is, any thread of the program may be given
 * a number past it (fifth hostile trial, b10), and the open itself can take
 * far longer.  Only when the program holds every number below its limit
 * is the open made with the limit raised too. */
int fd_open_high(const char *path, int flags, mode_t mode)
{
	int err = errno, fd = open(path, flags, mode);
	if (fd < 0 && errno != EMFILE) {
		err = errno; /* the caller's to read; else errno is as it came */
	} else if (fd >= 0) {
		fd = fd_move_high(fd);
	} else {
		struct rlimit old;
		int state = limit_raise(&old);
		fd = open(path, flags, mode);
		if (fd < 0)
			err = errno;
		else
			fd = move(fd, &old, state);
		if (state == 1)
			limit_restore(&old);
	}
	errno = err;
	return fd;
}

/* dlopen(3) when the program may hold every number below its limit: the
 * loader needs one for an instant, to map the file (unwinder.c).  Tried
 * first as it is: a dlopen takes milliseconds, too long to leave the
 * limit raised for the program's other threads (see fd_open_high). */
void *fd_dlopen_room(const char *file, int flags)
{
	int err = errno;
	void *lib = dlopen(file, flags);
	if (lib) {
		errno = err;
		return lib;
	}
	struct rlimit old;
	int state = limit_raise(&old);
	lib = dlopen(file, flags);
	if (state == 1)
		limit_restore(&old);
	errno = err;
	return lib;
}
