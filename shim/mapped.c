/* The fast way to write records: the trace file mapped shared, each record
 * stored at a place reserved with one atomic add.  No system call per
 * record, no lock between threads, and a record is in the page cache -- so
 * in the file, even if the process is then killed -- as soon as it is
 * copied.
 *
 * A process starts with plain write(2) appends (output.c): most processes
 * write a few records, and their files stay exact.  Past SWITCH_AFTER bytes
 * it switches here.  The file grows by CHUNK with fallocate(2), so that a
 * full disk is an error we see, never a SIGBUS in the program, and never
 * past the file size limit (ulimit -f), whose SIGXFSZ would kill it; new
 * room is filled with newlines, so room not yet used reads as blank lines.
 * `shmtrace run` trims them when the run ends.
 *
 * The counters live in a shared anonymous page (struct out_shared), so a
 * forked child that appends to its parent's file (it could not create its
 * own) reserves from the same counter.
 *
 * The mapping is one window of address space over the file to come, never
 * moved: moving it under threads that are copying into it would put their
 * records elsewhere.  What lies well behind the end is given back with
 * MADV_DONTNEED as the file grows, so a long trace costs the program no
 * more memory than a short one: for a shared file mapping that drops only
 * our page-table entries -- the records are in the page cache, and a late
 * copy into the range faults the same page back in (a write racing the
 * drop is safe since Linux 6.1, commit 5df397dec7c4).  Without that, a
 * long trace mapped whole costs resident memory and, past a smaller
 * window, a write(2) per record: the cost per call grew with the trace. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mapped.h"
#include "shim.h"

/* Address space mapped: 64 GiB (256 MiB on a 32-bit machine, or where a
 * sandbox refuses more).  None when the program's address space is limited
 * (RLIMIT_AS): any window would be taken out of what it may map, so its
 * file is appended to instead, one write(2) a record.  Records past the
 * window are appended too. */
#define WINDOW_BIG (64ull << 30)
#define WINDOW_SMALL (256ull << 20)
#define CHUNK (1ull << 20)
/* Kept mapped behind the end of the file; older pages are given back. */
#define KEEP_BEHIND (4ull << 20)

static char *window PER_PROCESS; /* in this process */
static unsigned long long window_len PER_PROCESS;
static unsigned long long released PER_PROCESS; /* bytes of the window given back, in this process */

static char *map_window(int fd, unsigned long long size)
{
	return fd < 0 ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
}

static int grow(struct out_shared *ctl, unsigned long long need, bool held);
static void cut_down(struct out_shared *ctl, unsigned long long size);

/* The first room is allocated before any record goes there: a file system
 * without fallocate(2) (NFSv3, 9p, some FUSE) keeps its file appended to. */
int mapped_start(struct out_shared *sh, int fd, unsigned long long at)
{
	if (out_as_limited() || !out_may_map()) /* the window would count against the limit */
		return -1;
	unsigned long long size = sizeof(void *) >= 8 ? WINDOW_BIG : WINDOW_SMALL;
	char *w = map_window(fd, size);
	if (w == MAP_FAILED && size > WINDOW_SMALL) /* a sandbox's limit */
		w = map_window(fd, size = WINDOW_SMALL);
	if (w == MAP_FAILED)
		return -1;
	/* Shared: every process writing this file must agree where appends
	 * begin. */
	atomic_store(&sh->window, size);
	atomic_store(&sh->tail, at);
	atomic_store(&sh->size, at);
	window = w;
	window_len = size;
	released = 0;
	if (grow(sh, at + 1, true) != 0) { /* (the switch holds signals: output.c) */
		atomic_store(&sh->failed, 0);
		mapped_forget();
		return -1;
	}
	return 0;
}

/* The LEN bytes of room allocated at AT, the file's end, filled with
 * newlines: appended by the kernel from a constant run of them, then mapped
 * in with one call.  A memset through the mapping took a page fault per
 * page (on ext4 a block conversion each): 1,140 µs a MiB here against 190
 * (docs/performance.md).  Without MADV_POPULATE_WRITE (Linux < 5.14) the
 * records' first stores fault the pages in instead. */
static const char newlines[64 << 10] = {[0 ...(64 << 10) - 1] = '\n'};

static int fill(int fd, unsigned long long at, unsigned long long len)
{
	struct stat st;
	/* Appends land at the end: it must be where our room ends, which it
	 * is unless something else wrote the file. */
	if (sys_fstat(fd, &st) != 0 || (unsigned long long)st.st_size != at)
		return -1;
	struct iovec iov[CHUNK / sizeof newlines];
	unsigned long long done = 0;
	int interrupted = 0;
	while (done < len) {
		int n = 0;
		for (unsigned long long left = len - done; left && n < (int)(sizeof iov / sizeof *iov); n++) {
			iov[n].iov_base = (void *)newlines;
			iov[n].iov_len = left < sizeof newlines ? left : sizeof newlines;
			left -= iov[n].iov_len;
		}
		/* syscall(): libc's writev is a cancellation point */
		ssize_t w = syscall(SYS_writev, fd, iov, n);
		if (w < 0 && errno == EINTR && interrupted++ < EINTR_RETRIES)
			continue;
		if (w <= 0)
			return -1;
		done += (unsigned long long)w;
	}
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), from = (uintptr_t)(window + at) & ~(page - 1);
	madvise((void *)from, (uintptr_t)(window + at + len) - from, MADV_POPULATE_WRITE);
	return 0;
}

/* Another thread is growing the file: let it finish. */
static void wait_turn(void)
{
	sched_yield();
}

/* Pages well behind SIZE, the end of the room, given back (see above). */
static void release_behind(unsigned long long size)
{
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
	if (size < KEEP_BEHIND)
		return;
	unsigned long long upto = (size - KEEP_BEHIND) & ~(page - 1);
	if (upto > released && madvise(window + released, upto - released, MADV_DONTNEED) == 0)
		released = upto;
}

/* HELD: the caller holds every signal already, and noted the program's
 * mask for SIGXFSZ (xfsz_note): not asked again here, deeper on what may
 * be a handler's small stack. */
static int grow(struct out_shared *ctl, unsigned long long need, bool held)
{
	/* The thread that grows the file holds the others up, and a handler's
	 * call on it would wait for them (for the stack table's lock, say):
	 * signals wait from before it takes its turn until it gives it up.
	 * This is once per CHUNK. */
	sigset_t all, old;
	int expected = 0, mine = 0;
	if (!atomic_load(&ctl->growing)) { /* else no system call: just wait */
		held_signals(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (!held)
			xfsz_note(&old);
		mine = atomic_compare_exchange_strong(&ctl->growing, &expected, 1);
		if (!mine)
			pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!mine) {
		wait_turn();
		if (!atomic_load(&ctl->failed))
			return 0;
		errno = atomic_load(&ctl->failed_errno);
		return -1;
	}
	unsigned long long size = atomic_load(&ctl->size), end = atomic_load(&ctl->window);
	int limited = out_as_limited(); /* set since the file was mapped */
	if (need > end) /* the window cut down meanwhile (mapped_shrink): the caller appends */
		need = end;
	if (limited)
		need = size; /* the window is cut down below */
	unsigned long long limit = out_size_limit();
	if (need > limit)
		limit = out_size_limit_fresh();
	if (end > limit) /* never past ulimit -f: the kernel would send SIGXFSZ */
		end = limit;
	int ok = 1;
	while (ok && size < need) {
		unsigned long long add = size + CHUNK <= end ? CHUNK : end > size ? end - size : 0;
		int fd = out_checked_fd();
		if (!add)
			errno = EFBIG;
		ok = add && fd >= 0 && fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)size, (off_t)add) == 0 &&
		     fill(fd, size, add) == 0;
		if (ok) {
			size += add;
			atomic_store(&ctl->size, size);
		}
	}
	int err = errno;
	if (!ok) {
		/* The limit may have been lowered under us: what our writev
		 * crossed, it must not kill. */
		xfsz_take_back(&old);
		atomic_store(&ctl->failed_errno, err);
		atomic_store(&ctl->failed, 1);
	}
	release_behind(size); /* in our turn: `released` is this process's, one grower at a time */
	if (limited)
		cut_down(ctl, size);
	atomic_store(&ctl->growing, 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err; /* the failure's, for the warning */
	return ok ? 0 : -1;
}

int mapped_write(struct out_shared *ctl, const char *buf, size_t len, unsigned long long bound)
{
	unsigned long long end = atomic_load(&ctl->window);
	if (!window) {
		/* A child appending to its parent's file, which the parent mapped
		 * after the fork: map it too, keeping the shared counters. */
		char *w = map_window(out_checked_fd(), end);
		if (w == MAP_FAILED)
			return MAPPED_FAILED;
		window = w;
		window_len = end;
		released = 0;
	}
	unsigned long long at = atomic_fetch_add(&ctl->tail, len);
	if (at + len > bound) /* its room, if any, stays blank */
		return MAPPED_PAST_BOUND;
	/* A record is copied only below the room allocated, and the room
	 * never past the window, even one cut down meanwhile. */
	while (at + len > atomic_load(&ctl->size)) {
		if (at + len > (end = atomic_load(&ctl->window))) {
			/* Past the window: fill it whole first, so that appends land
			 * after every record reserved in it. */
			while (atomic_load(&ctl->size) < (end = atomic_load(&ctl->window)))
				if (grow(ctl, end, false) != 0)
					return MAPPED_FAILED;
			return MAPPED_NOT_ACTIVE;
		}
		if (grow(ctl, at + len, false) != 0)
			return MAPPED_FAILED;
	}
	memcpy(window + at, buf, len);
	return MAPPED_DONE;
}

/* The window cut down to the room allocated, SIZE, in our turn to grow:
 * the file is appended to past it, and what is unmapped past it no copy
 * can reach (each is below the room).  Shared: every process writing
 * the file appends from there. */
static void cut_down(struct out_shared *ctl, unsigned long long size)
{
	unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE), keep = (size + page - 1) & ~(page - 1);
	if (size < atomic_load(&ctl->window))
		atomic_store(&ctl->window, size);
	if (window && keep < window_len && munmap(window + keep, window_len - keep) == 0)
		window_len = keep;
}

/* The growers' turn, waited for with signals held, as grow() takes it. */
static void take_turn(struct out_shared *ctl, sigset_t *old)
{
	sigset_t all;
	int expected = 0;
	held_signals(&all);
	pthread_sigmask(SIG_SETMASK, &all, old);
	while (!atomic_compare_exchange_weak(&ctl->growing, &expected, 1)) {
		expected = 0;
		wait_turn();
	}
}

static void give_turn(struct out_shared *ctl, const sigset_t *old)
{
	atomic_store(&ctl->growing, 0);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void mapped_shrink(struct out_shared *ctl)
{
	sigset_t old;
	take_turn(ctl, &old);
	cut_down(ctl, atomic_load(&ctl->size));
	give_turn(ctl, &old);
}

void mapped_unlock(struct out_shared *ctl)
{
	sigset_t old;
	if (!window)
		return;
	take_turn(ctl, &old);
	munlock(window, window_len);
	released = 0; /* mlockall faulted in what had been given back */
	release_behind(atomic_load(&ctl->size));
	give_turn(ctl, &old);
}

void mapped_forget(void)
{
	if (!window) /* no store: a new process writes no page it need not */
		return;
	munmap(window, window_len);
	window = NULL;
}
