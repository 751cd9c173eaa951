/* IPC namespaces.  Segment ids and keys belong to an IPC namespace
 * (ipc_namespaces(7)): id 0 in one is not id 0 in another.  Every process
 * record names the namespace of the process (the inode of its
 * /proc/thread-self/ns/ipc, read when the record is written), and a
 * process that moves to another one with unshare(2) or setns(2) -- by the
 * libc functions or through syscall(3) -- says so in an "ipc_ns" record,
 * if its trace file is open (else its opening record, written later, says
 * where it is then).  A child made with clone(CLONE_NEWIPC) is a new
 * process: its fork record names its own namespace. */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "../common/trace_format.h"
#include "jsonw.h"
#include "shim.h"

/* This thread's namespace as last read here, 0 if not known.  Only
 * unshare and setns move a thread, and a child made by fork() starts in
 * the namespace of the thread that made it: so that child knows its own
 * without asking /proc, which costs a new process 15-20 us (its /proc/PID
 * entries are made anew; bench/forks).  Forgotten at every unshare and
 * setns of the thread, and in a child made by clone(CLONE_NEWIPC) or
 * behind our back (identity.c).  A thread that moves by an inline system
 * call is not seen here, as it is not seen for ipc_ns records. */
static TLS unsigned long long thread_ns;

/* A namespace is per thread (a thread may unshare alone), so the calling
 * thread's; /proc/thread-self came with Linux 3.17.  0 if unknown. */
unsigned long long read_ipc_ns(void)
{
	struct stat st;
	if (sys_stat("/proc/thread-self/ns/ipc", &st) == 0 || sys_stat("/proc/self/ns/ipc", &st) == 0)
		return thread_ns = (unsigned long long)st.st_ino;
	return thread_ns = 0;
}

unsigned long long ipc_ns_of_thread(void)
{
	return thread_ns ? thread_ns : read_ipc_ns();
}

void ns_forget_thread(void)
{
	thread_ns = 0;
}

void write_ipc_ns_field(struct jw *w)
{
	proc.ipc_ns = ipc_ns_of_thread();
	if (proc.ipc_ns)
		jw_key(w, "ipc_ns"), jw_uint(w, proc.ipc_ns);
}

/* After a successful unshare or setns: a record if the namespace moved. */
static void namespace_may_have_changed(void)
{
	/* Asks the kernel: a vfork child, which shares our memory, must not
	 * move its parent (rare enough to pay a getpid). */
	int saved;
	if (!own_work_begin(&saved, true))
		return;
	unsigned long long now = read_ipc_ns();
	if (now && now != proc.ipc_ns && atomic_load(&proc.file) == FILE_OPEN) {
		char buf[256];
		struct jw w;
		jw_init(&w, buf, sizeof buf);
		jw_open(&w, '{');
		jw_key(&w, "event"), jw_str(&w, EV_IPC_NS, 16);
		jw_key(&w, "pid"), jw_int(&w, proc.pid);
		jw_key(&w, "tid"), jw_int(&w, current_tid());
		jw_key(&w, "ts"), jw_uint(&w, now_ns(CLOCK_MONOTONIC));
		jw_key(&w, "realtime"), jw_uint(&w, now_ns(CLOCK_REALTIME));
		jw_key(&w, "ipc_ns"), jw_uint(&w, now);
		jw_close(&w, '}');
		size_t len = jw_finish(&w);
		if (len)
			out_write(buf, len);
		proc.ipc_ns = now;
	}
	own_work_end(saved);
}

EXPORT int unshare(int flags)
{
	static int (*real_unshare)(int);
	if (!real_unshare) /* may come before our constructor */
		real_unshare = (int (*)(int))dlsym(RTLD_NEXT, "unshare");
	thread_ns = 0; /* (a vfork child's clearing costs its parent one read) */
	int ret = real_unshare(flags);
	if (ret == 0 && (flags & CLONE_NEWIPC))
		namespace_may_have_changed();
	return ret;
}

EXPORT int setns(int fd, int nstype)
{
	static int (*real_setns)(int, int);
	if (!real_setns)
		real_setns = (int (*)(int, int))dlsym(RTLD_NEXT, "setns");
	thread_ns = 0;
	int ret = real_setns(fd, nstype);
	/* nstype 0 takes whatever namespace FD is; a pidfd may name several. */
	if (ret == 0 && (nstype == 0 || (nstype & CLONE_NEWIPC)))
		namespace_may_have_changed();
	return ret;
}

/* syscall(SYS_unshare, ...) and syscall(SYS_setns, ...), from syscall(). */
long ns_raw_change(long number, const long a[6])
{
	thread_ns = 0;
	long ret = real.syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	int ipc = number == SYS_unshare ? (a[0] & CLONE_NEWIPC) != 0 : a[1] == 0 || (a[1] & CLONE_NEWIPC);
	if (ret == 0 && ipc)
		namespace_may_have_changed();
	return ret;
}
