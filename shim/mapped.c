/* The fast way to write records: the trace file mapped shared, each record
 * stored at a place reserved with one atomic add.  No system call per
 * record, no lock between threads, and a record is in the page cache -- so
 * in the file, even if the process is then killed -- as soon as it is
 * copied.
 *
 * A process starts with plain write(2) appends (output.c): most processes
 * write a few records, and their files stay exact.  Past SWITCH_AFTER bytes
 * it switches here.  The file grows by CHUNK with fallocate(2), so that a
 * full disk is an error we see, never a SIGBUS in the program; new room is
 * filled with newlines, so room not yet used reads as blank lines.
 * `shmtrace run` trims them when the run ends.
 *
 * The counters live in a shared anonymous page (struct out_shared), so a
 * forked child that appends to its parent's file (it could not create its
 * own) reserves from the same counter. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapped.h"
#include "shim.h"

#define WINDOW (256ull << 20) /* address space mapped; later records are appended */
#define CHUNK (1ull << 20)

static char *window;

static int grow(struct out_shared *ctl, unsigned long long need);

/* The first room is allocated before any record goes there: a file system
 * without fallocate(2) (NFSv3, 9p, some FUSE) keeps its file appended to. */
int mapped_start(struct out_shared *sh, int fd, unsigned long long at)
{
	char *w = mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		return -1;
	atomic_store(&sh->tail, at);
	atomic_store(&sh->size, at);
	window = w;
	if (grow(sh, at + 1) != 0) {
		atomic_store(&sh->failed, 0);
		mapped_forget();
		return -1;
	}
	return 0;
}

/* Another thread is growing the file: let it finish. */
static void wait_turn(void)
{
	sched_yield();
}

static int grow(struct out_shared *ctl, unsigned long long need)
{
	/* The thread that grows the file holds the others up, and a handler's
	 * call on it would wait for them (for the stack table's lock, say):
	 * signals wait from before it takes its turn until it gives it up.
	 * This is once per CHUNK. */
	sigset_t all, old;
	int expected = 0, mine = 0;
	if (!atomic_load(&ctl->growing)) { /* else no system call: just wait */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		mine = atomic_compare_exchange_strong(&ctl->growing, &expected, 1);
		if (!mine)
			pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (!mine) {
		wait_turn();
		return atomic_load(&ctl->failed) ? -1 : 0;
	}
	unsigned long long size = atomic_load(&ctl->size);
	int ok = 1;
	while (ok && size < need) {
		unsigned long long add = size + CHUNK <= WINDOW ? CHUNK : WINDOW - size;
		int fd = out_checked_fd();
		ok = add && fd >= 0 && fallocate(fd, 0, (off_t)size, (off_t)add) == 0;
		if (ok) {
			memset(window + size, '\n', add);
			size += add;
			atomic_store(&ctl->size, size);
		}
	}
	if (!ok)
		atomic_store(&ctl->failed, 1);
	atomic_store(&ctl->growing, 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok ? 0 : -1;
}

int mapped_write(struct out_shared *ctl, const char *buf, size_t len)
{
	if (!window) {
		/* A child appending to its parent's file, which the parent mapped
		 * after the fork: map it too, keeping the shared counters. */
		int fd = out_checked_fd();
		char *w = fd < 0 ? MAP_FAILED : mmap(NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED)
			return MAPPED_FAILED;
		window = w;
	}
	unsigned long long at = atomic_fetch_add(&ctl->tail, len);
	if (at + len > WINDOW) {
		/* Past the window: fill it whole first, so that appends land after
		 * every record reserved in it. */
		while (atomic_load(&ctl->size) < WINDOW)
			if (grow(ctl, WINDOW) != 0)
				return MAPPED_FAILED;
		return MAPPED_NOT_ACTIVE;
	}
	while (at + len > atomic_load(&ctl->size))
		if (grow(ctl, at + len) != 0)
			return MAPPED_FAILED;
	memcpy(window + at, buf, len);
	return MAPPED_DONE;
}

void mapped_forget(void)
{
	if (window)
		munmap(window, WINDOW);
	window = NULL;
}
