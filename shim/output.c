/* The trace file of this process image: created once, then written with
 * one write(2) per record until the process has written SWITCH_AFTER
 * bytes, and through a shared mapping after that (mapped.c).  O_APPEND makes
 * each write land whole at the end of the file, even from several threads
 * or processes, so no lock is needed; and nothing is lost when the process
 * is killed: the record is in the page cache when write returns.
 *
 * The descriptor is the program's to close or to dup2 over.  Before each
 * write we check that it is still our file (same device and inode); if not,
 * we reopen our file by name, never writing into whatever now holds the
 * number. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../common/trace_format.h"
#include "../common/xlat.h"
#include "mapped.h"
#include "shim.h"

static _Atomic int out_fd PER_PROCESS = -1;
static dev_t out_dev PER_PROCESS;
static ino_t out_ino PER_PROCESS;
static char out_path[PATH_MAX];
static _Atomic int out_broken PER_PROCESS; /* a write failed: warned once, tracing stops */
static struct out_shared *shared PER_PROCESS;
/* out_path is trace_path(out_owner, out_n): so a child whose own file
 * fails can name its parent's again without a copy of the whole path. */
static pid_t out_owner PER_PROCESS;
static unsigned out_n PER_PROCESS;
/* For a signal handler's call, nested in this thread's own: the thread is
 * inside out_write's append step (from before it counts itself in
 * shared->inflight to after), and is counted there now. */
static TLS int appending, counted;

/* A fresh page of write state for a file of our own. */
static int new_shared(void)
{
	struct out_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	if (shared)
		munmap(shared, sizeof *shared);
	shared = sh;
	return 0;
}

size_t path_append(char *dst, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		dst[at++] = *s++;
	dst[at] = '\0';
	return at;
}

size_t path_append_uint(char *dst, size_t at, size_t cap, unsigned long long v)
{
	char digits[24], *p = digits + sizeof digits;
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return path_append(dst, at, cap, p);
}

/* DIR/shmtrace.<pid>.jsonl, or DIR/shmtrace.<pid>.<n>.jsonl for n >= 1. */
static void trace_path(char *buf, size_t cap, pid_t pid, unsigned n)
{
	size_t at = path_append(buf, 0, cap, proc.out_dir);
	at = path_append(buf, at, cap, "/" TRACE_FILE_PREFIX);
	at = path_append_uint(buf, at, cap, (unsigned long long)pid);
	if (n) {
		at = path_append(buf, at, cap, ".");
		at = path_append_uint(buf, at, cap, n);
	}
	path_append(buf, at, cap, TRACE_FILE_SUFFIX);
}

/* Was PATH written by an earlier image of this very process (same pid and
 * same start time, which exec keeps)?  Its header says. */
static int written_by_this_process(const char *path)
{
	char head[512];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, head, sizeof head - 1);
	close(fd);
	if (n <= 0)
		return 0;
	head[n] = '\0';
	const char *p = strstr(head, "\"proc_start\":");
	if (!p || memchr(head, '\n', (size_t)(p - head)))
		return 0;
	p += strlen("\"proc_start\":");
	unsigned long long v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned)(*p++ - '0');
	return v == proc.start_ticks;
}

/* Did an earlier image of this process, before an exec, leave a file?  The
 * new image then opens its own at start: its exec record tells the report
 * that the old image's attachments ended, even if it never calls.  (Not
 * when it may not create one -- it dropped privileges -- so that a program
 * that makes no call gets no warning on its stderr.) */
int out_earlier_image_traced(void)
{
	char path[PATH_MAX];
	if (faccessat(AT_FDCWD, proc.out_dir, W_OK | X_OK, AT_EACCESS) != 0)
		return 0;
	for (unsigned n = 0; n < 10000; n++) {
		trace_path(path, sizeof path, proc.pid, n);
		if (access(path, F_OK) != 0)
			return 0;
		if (!proc.start_ticks)
			proc.start_ticks = read_start_ticks();
		if (written_by_this_process(path))
			return 1;
	}
	return 0;
}

static int create_own_file(int *after_exec)
{
	/* O_EXCL|O_NOFOLLOW: never follow a planted link, never append to a
	 * file that is not ours; a clash (exec, or a reused pid) takes the next
	 * name.  O_RDWR: a shared writable mapping needs it (mmap(2)). */
	for (unsigned n = 0; n < 10000; n++) {
		trace_path(out_path, sizeof out_path, proc.pid, n);
		int fd = fd_open_high(out_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			struct stat st;
			if (new_shared() != 0) {
				close(fd);
				sys_unlink(out_path);
				return -1;
			}
			sys_fstat(fd, &st);
			out_dev = st.st_dev;
			out_ino = st.st_ino;
			out_owner = proc.pid;
			out_n = n;
			/* A child's own file is whole so far, whatever its parent's
			 * (outside trial 30: children of a parent cut at --max-size
			 * left their own files empty, and said nothing). */
			atomic_store(&out_broken, 0);
			atomic_store(&out_fd, fd);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
		if (after_exec && written_by_this_process(out_path))
			*after_exec = 1;
	}
	errno = EEXIST;
	return -1;
}

/* run's DIR/UNTRACED_FILE, kept open by a process that gave up root
 * (wrappers.c), and which file it was: the program may close the number or
 * put another file there. */
static int untraced_fd = -1;
static dev_t untraced_dev;
static ino_t untraced_ino;

static int open_untraced(char *path)
{
	size_t at = path_append(path, 0, PATH_MAX, proc.out_dir);
	path_append(path, at, PATH_MAX, "/" UNTRACED_FILE);
	return fd_open_high(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0);
}

void out_keep_untraced(void)
{
	static char path[PATH_MAX]; /* small stacks; one process's ids change in one thread at a time */
	struct stat st;
	if (untraced_fd >= 0 && sys_fstat(untraced_fd, &st) == 0 && st.st_dev == untraced_dev && st.st_ino == untraced_ino)
		return;
	int fd = open_untraced(path);
	if (fd < 0 || sys_fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	untraced_dev = st.st_dev, untraced_ino = st.st_ino;
	untraced_fd = fd;
}

/* One line in the run's DIR/UNTRACED_FILE, "pid PID: WHY", if there is
 * one: it needs no inode, and its room was allocated by run
 * (common/trace_format.h).  Through the descriptor kept when the process
 * gave up root, if it may not open the file any more.  PATH: room for the
 * file's path, the caller's (a vfork child's stack, which may not write
 * our memory). */
void out_say_untraced(pid_t pid, const char *why, char *path)
{
	char line[64];
	struct stat st;
	int fd = open_untraced(path), kept = fd < 0 && untraced_fd >= 0 && sys_fstat(untraced_fd, &st) == 0 &&
					       st.st_dev == untraced_dev && st.st_ino == untraced_ino;
	if (kept)
		fd = untraced_fd;
	if (fd < 0)
		return;
	size_t at = path_append(line, 0, sizeof line, "pid ");
	at = path_append_uint(line, at, sizeof line, (unsigned long long)pid);
	at = path_append(line, at, sizeof line, ": ");
	at = path_append(line, at, sizeof line, why);
	at = path_append(line, at, sizeof line, "\n");
	sigset_t old;
	xfsz_hold(&old);
	ssize_t ignored = syscall(SYS_write, fd, line, at);
	(void)ignored;
	xfsz_release(&old);
	if (!kept)
		close(fd);
}

enum open_result out_open(void)
{
	int after_exec = 0;
	if (create_own_file(&after_exec) < 0) {
		int err = errno;
		static char path[PATH_MAX]; /* one opener at a time (ensure_file), and small stacks */
		const char *name = xlat_name(xlat_errnos, (unsigned long)err);
		warn("cannot create a trace file in", proc.out_dir, err);
		out_say_untraced(proc.pid, name ? name : "error", path);
		return OPEN_FAILED;
	}
	return after_exec ? OPEN_AFTER_EXEC : OPEN_NEW;
}

/* In a forked child.  If the child may no longer create files (it dropped
 * privileges before forking), it keeps appending to the parent's file,
 * which it inherited: its records carry its own pid. */
int out_open_child(void)
{
	int inherited = atomic_load(&out_fd);
	dev_t dev = out_dev;
	ino_t ino = out_ino;
	pid_t owner = out_owner;
	unsigned n = out_n;
	if (create_own_file(NULL) == 0) {
		struct stat st;
		if (inherited >= 0 && sys_fstat(inherited, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
			close(inherited);
		mapped_forget();
		return 0;
	}
	if (owner) /* the parent's, which we still hold */
		trace_path(out_path, sizeof out_path, owner, n);
	else
		out_path[0] = '\0';
	return -1;
}

/* Our descriptor was closed or now names another file. */
static int reopen(int stale)
{
	int fd = fd_open_high(out_path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0);
	struct stat st;
	if (fd < 0)
		return -1;
	if (sys_fstat(fd, &st) != 0 || st.st_dev != out_dev || st.st_ino != out_ino) {
		close(fd); /* replaced on disk: not ours any more */
		return -1;
	}
	int expected = stale;
	if (!atomic_compare_exchange_strong(&out_fd, &expected, fd)) {
		close(fd); /* another thread reopened first */
		return expected;
	}
	return fd;
}

int out_has_trace_of(pid_t pid)
{
	char path[PATH_MAX];
	trace_path(path, sizeof path, pid, 0);
	return access(path, F_OK) == 0;
}

int out_has_file(void)
{
	return atomic_load(&out_fd) >= 0 && shared;
}

int out_checked_fd(void)
{
	int fd = atomic_load(&out_fd);
	struct stat st;
	if (fd < 0)
		return -1;
	if (sys_fstat(fd, &st) != 0 || st.st_dev != out_dev || st.st_ino != out_ino)
		fd = reopen(fd);
	return fd;
}

/* Once, when records are lost: one line on stderr, and an empty marker
 * file beside the trace (it needs no data blocks, so a full disk still
 * takes it) by which the report knows the trace is incomplete -- or, for a
 * process that may no longer create files there, a line in run's
 * untraced.txt, which every user may append to. */
static void broken(const char *what, int err)
{
	static char marker[PATH_MAX + 16]; /* once per process, and small stacks */
	if (atomic_exchange(&out_broken, 1))
		return;
	warn(what, out_path, err);
	size_t at = path_append(marker, 0, sizeof marker, out_path);
	path_append(marker, at, sizeof marker, TRACE_INCOMPLETE_SUFFIX);
	int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	else /* dropped privileges, or no inode left (re-check 32: run and the report then said all was well) */
		out_say_untraced(sys_getpid(), "cut", marker);
}

/* The file size limit, as the process started with it and then set it
 * itself (limits.c): not asked of the kernel before each write, where a
 * seccomp filter the program installed may kill it for asking (outside
 * trial 27: chronyd died of SIGSYS at its first record after its filter).
 * A limit set from outside (prlimit(1)) is not seen: lowered, our write
 * meets the kernel's EFBIG, whose SIGXFSZ we hold (xfsz.c). */
static _Atomic unsigned long long size_limit = ULLONG_MAX;

void out_size_limit_read(void)
{
	struct rlimit r;
	atomic_store(&size_limit, getrlimit(RLIMIT_FSIZE, &r) != 0 || r.rlim_cur == RLIM_INFINITY ? ULLONG_MAX : r.rlim_cur);
}

void out_size_limit_set(unsigned long long soft)
{
	atomic_store(&size_limit, soft == RLIM_INFINITY ? ULLONG_MAX : soft);
}

unsigned long long out_size_limit(void)
{
	return atomic_load(&size_limit);
}

static const char at_size_limit[] = "stopped at the file size limit (ulimit -f) of";

/* Where a record lands when out_write did not reserve its place. */
#define AT_UNKNOWN ULLONG_MAX

/* One write(2) of ours, with SIGXFSZ held (xfsz.c). */
static ssize_t write_holding_xfsz(int fd, const char *buf, size_t len)
{
	sigset_t old;
	xfsz_hold(&old);
	ssize_t n = syscall(SYS_write, fd, buf, len);
	xfsz_release(&old);
	return n;
}

static const char at_bound[] = "stopped at the size bound (run --max-size) of";

/* Whether LEN bytes written at AT (the file's size if AT_UNKNOWN) stay
 * under the file size limit and run's bound, else why not: a record is
 * written whole or not at all.  (Past a mapped window cut down, AT is the
 * file's size: re-check 32 found the bound passed by a record.) */
static const char *past_limits(int fd, unsigned long long at, size_t len)
{
	unsigned long long limit = out_size_limit();
	struct stat st;
	if (limit == ULLONG_MAX && (at != AT_UNKNOWN || !proc.max_size))
		return NULL;
	if (at == AT_UNKNOWN) {
		if (sys_fstat(fd, &st) != 0)
			return "cannot write to";
		at = (unsigned long long)st.st_size;
	}
	if (proc.max_size && at + len > proc.max_size)
		return at_bound;
	return at + len <= limit || at + len <= out_size_limit_fresh() ? NULL : at_size_limit;
}

/* The WRITTEN bytes of BUF that a lower limit than ours (set from outside,
 * prlimit(1)) let through before EFBIG, cut off again: the trace ends with
 * whole records.  Only if they are still the file's last bytes. */
static bool cut_partial(int fd, const char *buf, size_t written)
{
	struct stat st;
	char back[128]; /* small stacks */
	if (sys_fstat(fd, &st) != 0 || (unsigned long long)st.st_size < written)
		return false;
	off_t start = st.st_size - (off_t)written;
	for (size_t at = 0; at < written;) {
		size_t n = written - at < sizeof back ? written - at : sizeof back;
		if (pread(fd, back, n, start + (off_t)at) != (ssize_t)n || memcmp(back, buf + at, n) != 0)
			return false;
		at += n;
	}
	return ftruncate(fd, start) == 0;
}

/* AT: where the record lands, as reserved by out_write, or AT_UNKNOWN. */
static void append(const char *buf, size_t len, unsigned long long at)
{
	int fd = out_checked_fd();
	if (fd < 0) {
		broken("lost its trace file", errno);
		return;
	}
	const char *past = past_limits(fd, at, len);
	if (past) {
		broken(past, EFBIG);
		return;
	}
	/* syscall(): libc's write() is a cancellation point, and shm calls are
	 * not; the program must not be cancelled inside our record. */
	int interrupted = 0, retried = 0;
	size_t written = 0;
	while (written < len) {
		ssize_t n = write_holding_xfsz(fd, buf + written, len - written);
		if (n < 0 && errno == EINTR && interrupted++ < EINTR_RETRIES)
			continue;
		if (n <= 0) {
			int err = errno;
			if (written) /* the part a limit let through, if still last */
				cut_partial(fd, buf, written);
			broken(err == EFBIG ? at_size_limit : "cannot write to", err);
			return;
		}
		written += (size_t)n;
		/* Short: a limit met (file size, disk).  The rest, written after,
		 * could land after another thread's record (re-check 32: a limit
		 * lowered, then raised, from outside): the part is cut off, and
		 * the whole record written again -- once, which says why not. */
		if (written < len && !retried++ && cut_partial(fd, buf, written))
			written = 0;
	}
}

/* Not from a vfork child: its limits are its own, the mapping its
 * parent's. */
void out_shrink_mapping(void)
{
	if (shared && atomic_load(&shared->mode) == MODE_MAPPED && proc_is_self())
		mapped_shrink(shared);
}

void out_unlock_mapping(void)
{
	if (shared && atomic_load(&shared->mode) == MODE_MAPPED && proc_is_self())
		mapped_unlock(shared);
}

/* From appends to the mapping, once no append is under way: the mapping
 * starts where the appends ended.  Signals wait meanwhile: a handler's
 * call on this thread would wait for the switch, which waits for it. */
static void switch_to_mapped(void)
{
	sigset_t all, old;
	held_signals(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	xfsz_note(&old); /* for grow()'s first room */
	int expected = MODE_APPEND;
	if (atomic_compare_exchange_strong(&shared->mode, &expected, MODE_SWITCHING)) {
		while (atomic_load(&shared->inflight))
			sched_yield();
		int fd = out_checked_fd();
		struct stat st;
		int ok = fd >= 0 && sys_fstat(fd, &st) == 0 && mapped_start(shared, fd, (unsigned long long)st.st_size) == 0;
		if (!ok && fd >= 0 && sys_fstat(fd, &st) == 0) /* what a failed start's room added */
			atomic_store(&shared->appended, (unsigned long long)st.st_size);
		atomic_store(&shared->mode, ok ? MODE_MAPPED : MODE_APPEND_ONLY);
		/* (grow() took back the SIGXFSZ its write drew, if any: left
		 * pending under this hold, it killed the program as the
		 * signals came back -- fsizeflip, 1 run in 200.) */
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

bool out_appending(void)
{
	return appending;
}

#define SIGNAL_FENCE() atomic_signal_fence(memory_order_seq_cst) /* what a handler on this thread sees */

void out_write(const char *buf, size_t len)
{
	if (!shared || atomic_load(&out_broken))
		return;
	for (;;) {
		int mode = atomic_load(&shared->mode);
		if (mode == MODE_MAPPED) {
			int r = mapped_write(shared, buf, len, proc.max_size ? proc.max_size : ULLONG_MAX);
			if (r == MAPPED_PAST_BOUND)
				broken(at_bound, EFBIG);
			else if (r == MAPPED_FAILED)
				broken(errno == EFBIG ? at_size_limit : "cannot extend", errno);
			else if (r == MAPPED_NOT_ACTIVE)
				append(buf, len, AT_UNKNOWN); /* past the mapped window */
			return;
		}
		/* A handler's call nested in this thread's counted append must not
		 * wait for the switch, which waits for that append; one nested
		 * between the count and the flag that says it cannot tell whether
		 * the switch waits for it, nor append safely: its record is lost
		 * (outside trial 30: a handler there took itself for outermost,
		 * switched, and waited for its own thread's write for ever). */
		if (mode == MODE_SWITCHING && !counted) {
			if (appending)
				return;
			sched_yield();
			continue;
		}
		int nested = appending, was_counted = counted;
		appending = 1;
		SIGNAL_FENCE();
		atomic_fetch_add(&shared->inflight, 1);
		SIGNAL_FENCE();
		counted = 1;
		if (atomic_load(&shared->mode) != mode && !was_counted) {
			counted = was_counted;
			SIGNAL_FENCE();
			atomic_fetch_sub(&shared->inflight, 1);
			SIGNAL_FENCE();
			appending = nested;
			continue;
		}
		/* Reserved before it is written: threads that each checked the
		 * size alone crossed a limit together, and the kernel cut the
		 * record of the last (a CI run under ASan; 5 runs in 100 here).  A handler's,
		 * nested while the file switches, too (outside trial 30: past
		 * --max-size); the switch begins where all of these end. */
		unsigned long long at = atomic_fetch_add(&shared->appended, len);
		if (proc.max_size && at + len > proc.max_size)
			broken(at_bound, EFBIG);
		else
			append(buf, len, at);
		counted = was_counted;
		SIGNAL_FENCE();
		atomic_fetch_sub(&shared->inflight, 1);
		SIGNAL_FENCE();
		appending = nested;
		/* Only an outermost write may switch: the switch waits for every
		 * append under way, and a nested one's outer append is this
		 * thread's own. */
		if (mode == MODE_APPEND && at + len >= SWITCH_AFTER && !nested)
			switch_to_mapped();
		return;
	}
}
