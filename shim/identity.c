/* Which process are we?  The shim's state (pid, trace file, numbering)
 * belongs to one process; a new process must notice that it is one before
 * it writes anything, whatever made it:
 *
 * - fork(), and clone() without CLONE_VM, however called (glibc's fork runs
 *   our atfork handler; clone(), clone3 and an inline system call do not):
 *   the child gets a copy of our memory.  One private page of it is marked
 *   MADV_WIPEONFORK, so the kernel hands every such child that page zeroed:
 *   a zero token is "a new process, not yet set up", read at every entry
 *   for the price of one load.
 * - vfork() and clone(CLONE_VM) without CLONE_THREAD: the child shares our
 *   memory, thread-local storage included, so nothing in memory tells it
 *   apart and nothing it changes may be seen by its parent.  Such a child
 *   normally only execs or _exits, which ask getpid() (see proc_is_self).
 *   Once the program has made one with clone(), every call asks getpid(),
 *   and calls of the child go straight to the real function, untraced.
 *
 * A fork is stamped when it is made (in the atfork prepare handler, or in
 * our clone wrappers), so that the child's fork record is ordered before
 * anything its parent does after the fork. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"
#include "scratch.h"
#include "stack.h"
#include "shim.h"

enum { TOKEN_NEW = 0, TOKEN_OURS = 1, TOKEN_SETTING_UP = 2 };

static _Atomic int fallback_token = TOKEN_OURS; /* if no page can be had */
static _Atomic int *token = &fallback_token;
/* Set for good once the program made a child that shares its memory. */
static _Atomic int vm_children;
/* When this thread started making a child (0: it is not making one), on
 * three clocks, and whether the child stays in this thread's IPC
 * namespace (all but clone(CLONE_NEWIPC)). */
static TLS uint64_t fork_mono, fork_real, fork_boot;
static TLS int fork_keeps_ns;

void identity_init(void)
{
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return; /* the atfork handler still sees fork() */
	if (madvise(page, 4096, MADV_WIPEONFORK) != 0) { /* before Linux 4.14 */
		munmap(page, 4096);
		return;
	}
	token = page;
	atomic_store(token, TOKEN_OURS);
}

/* In a new process, before it writes: a new pid, its own file (opened at
 * its first call, or now if it inherited attachments) and numbering.  Only
 * async-signal-safe work: the parent may have had other threads. */
static void set_up_child(void)
{
	int busy = shim_busy;
	shim_busy = 1;
	proc.fork_parent = proc.pid;
	proc.forked = 1;
	proc.pid = sys_getpid();
	/* What the header and fork record need, known without reading /proc
	 * where it can be: a read there costs a new process 15-30 us, its
	 * /proc/PID entries being made anew (bench/forks). */
	if (fork_mono) {
		proc.born_mono = fork_mono;
		proc.born_real = fork_real;
		proc.start_ticks = start_ticks_since(fork_boot, fork_real);
	} else { /* made behind our back: stamped when first noticed */
		proc.born_mono = now_ns(CLOCK_MONOTONIC);
		proc.born_real = now_ns(CLOCK_REALTIME);
		proc.start_ticks = 0; /* read at its first file */
	}
	if (!fork_mono || !fork_keeps_ns)
		ns_forget_thread();
	fork_mono = fork_real = fork_boot = 0;
	bt_reset_forking();
	tid_reset();
	scratch_reset_child();
	stack_reset_child();
	call_reset_child();
	inject_child_after_fork();
	atomic_store(&proc.file, FILE_NONE);
	atomic_store(token, TOKEN_OURS);
	if (atomic_load(&proc.attached) > 0)
		ensure_file();
	shim_busy = busy;
}

static void notice_new_process(void)
{
	int expected = TOKEN_NEW;
	if (atomic_compare_exchange_strong(token, &expected, TOKEN_SETTING_UP))
		set_up_child();
	else
		while (atomic_load(token) == TOKEN_SETTING_UP)
			sched_yield(); /* another thread of the new process sets it up */
}

bool proc_is_self(void)
{
	if (atomic_load_explicit(token, memory_order_acquire) != TOKEN_OURS)
		notice_new_process();
	return !atomic_load_explicit(&vm_children, memory_order_relaxed) || sys_getpid() == proc.pid;
}

bool proc_is_self_exact(void)
{
	return proc_is_self() && sys_getpid() == proc.pid;
}

/* The atfork handlers, and the same steps around our clone wrappers. */
static void stamp_fork(int keeps_ns)
{
	fork_mono = now_ns(CLOCK_MONOTONIC);
	fork_real = now_ns(CLOCK_REALTIME);
	fork_boot = now_ns(CLOCK_BOOTTIME); /* last: the kernel stamps the child after it */
	fork_keeps_ns = keeps_ns;
}

static void before_fork_of(int keeps_ns)
{
	/* The unwinder set up once here, not in every child: a child that
	 * makes a call then has libunwind loaded, its pipe and its trace cache
	 * (and our own bounds) from us, where each child of a parent that made
	 * no call yet paid for them itself (bench/forks).  Before the fork
	 * guard below, which bt_init passes through. */
	if (!shim_busy)
		bt_init(true);
	/* Read once in this image (the program's path) and once per thread
	 * (its namespace), here rather than in every child (process.c, ns.c). */
	process_before_fork();
	if (keeps_ns)
		ipc_ns_of_thread();
	stamp_fork(keeps_ns);
	inject_before_fork();
	bt_before_fork();
}

static void before_fork(void)
{
	before_fork_of(1);
}

static void parent_after_fork(void)
{
	fork_mono = fork_real = 0;
	bt_after_fork();
}

static void child_after_fork(void)
{
	/* The page was wiped, so the token says so too, and the child is set
	 * up once; without such a page (Linux before 4.14) only we can say it. */
	if (token == &fallback_token)
		atomic_store(token, TOKEN_NEW);
	notice_new_process();
}

void identity_atfork(void)
{
	pthread_atfork(before_fork, parent_after_fork, child_after_fork);
}

/* Before a child is made by clone(): 1 if it will be a copy of us. */
static int making_child(unsigned long long flags)
{
	if (flags & CLONE_THREAD)
		return 0;
	if (flags & CLONE_VM) {
		atomic_store(&vm_children, 1);
		return 0;
	}
	before_fork_of(!(flags & CLONE_NEWIPC));
	return 1;
}

/* Where the clone returned: a copy of us sets itself up at once. */
static void made_child(long ret, int copy)
{
	int saved = errno;
	if (ret == 0 && copy)
		proc_is_self();
	else if (ret != 0 && copy)
		parent_after_fork();
	errno = saved;
}

EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	va_list ap;
	va_start(ap, arg); /* glibc's clone reads these whatever the flags */
	pid_t *parent_tid = va_arg(ap, pid_t *);
	void *tls = va_arg(ap, void *);
	pid_t *child_tid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!real.clone) /* before our constructor: never init from here */
		real.clone = (int (*)(int (*)(void *), void *, int, void *, ...))dlsym(RTLD_NEXT, "clone");
	int copy = making_child((unsigned)flags);
	/* The child runs FN and never returns here: it notices itself later. */
	int ret = real.clone(fn, stack, flags, arg, parent_tid, tls, child_tid);
	made_child(ret, copy);
	return ret;
}

/* syscall(SYS_clone, ...) and syscall(SYS_clone3, ...), from syscall(). */
long identity_raw_clone(long number, const long a[6])
{
	unsigned long long flags = (unsigned long)a[0];
	if (number == SYS_clone3) {
		/* Read with the kernel's care: a bad pointer is the program's EFAULT, not our crash. */
		struct clone_args args;
		struct iovec local = {&args, sizeof args.flags}, remote = {(void *)a[0], sizeof args.flags};
		if ((unsigned long)a[1] < sizeof args.flags ||
		    process_vm_readv(sys_getpid(), &local, 1, &remote, 1, 0) != (ssize_t)sizeof args.flags)
			flags = CLONE_VM; /* unknown: assume the worst */
		else
			flags = args.flags;
	}
	int copy = making_child(flags);
	long ret = real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	made_child(ret, copy);
	return ret;
}
