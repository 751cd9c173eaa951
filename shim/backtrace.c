/* Backtraces: raw return addresses from libunwind at each call, written as
 * module path + offset so the analyzer can symbolize them after the process
 * is gone (the heaptrack approach).  Each distinct stack is written once as
 * a "stack" record and calls refer to it by id.
 *
 * The intern table is lock-free: a thread claims a slot with a CAS, writes
 * the stack record, then publishes the id.  Another thread that meets the
 * slot before the id is published writes its frames inline instead of
 * waiting, so a signal handler can never deadlock here.
 *
 * libunwind (as Debian builds it, with conservative checks) tests each new
 * stack page by writing one byte of it into a pipe it opened at start-up,
 * reading the pipe empty first; when that read fails it opens a new one
 * (libunwind issue #291).  Its pipe was a descriptor of the process at a
 * number the program could get where ours cannot be put past its reach
 * (a soft RLIMIT_NOFILE above 16384, as containers have, or soft == hard):
 * a program that took that number had a byte of our stack written into its
 * file or socket, and one of its own read (fifth hostile trial, b09).  So
 * the pipe2() that libunwind calls is ours and gives it no pipe, -1 for
 * both ends, whether it unwinds for us or for the program (which may link
 * it too: it is the same libunwind, with one pipe): its read of -1 fails,
 * as if the pipe were gone, and its write of a byte of the page to -1, a
 * syscall(SYS_write, ...) that reaches our syscall(), is answered there by
 * peek(), which reads the byte without a descriptor (unwind_check_page).
 * libunwind itself is loaded by bt_init (unwinder.c). */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../common/site.h"
#include "../common/trace_format.h"
#include "inject.h"
#include "jsonw.h"
#include "peek.h"
#include "shim.h"

#define SLOTS 8192 /* distinct stacks interned per process; more go inline */
#define PROBES 32
#define MODULE_PATH_SHOWN 512
#define FRAME_ROOM (6 * MODULE_PATH_SHOWN + 128) /* worst case of one frame */
#define STACK_RECORD_MAX (BACKTRACE_MAX * 700)

/* A stack's hash and id side by side: a new process's first stacks touch
 * one page each, not two (a page fault is about 2 us here).  Page-aligned,
 * so that a new process can drop them (bt_reset_child). */
struct slot {
	_Atomic uint64_t hash; /* 0: free */
	_Atomic uint32_t id;   /* 0: claimed, record not yet written */
};
static struct slot slots[SLOTS] __attribute__((aligned(4096)));
/* With the rest of what a new process resets, on the page it writes anyway
 * (shim.h, PER_PROCESS). */
static _Atomic uint32_t last_id PER_PROCESS;
static int interning PER_PROCESS = 1;

/* One buffer for the (rare) stack records, too big for a thread's stack. */
static char record_buf[STACK_RECORD_MAX];
static atomic_flag record_lock PER_PROCESS = ATOMIC_FLAG_INIT;

static uintptr_t self_lo, self_hi; /* our own code: frames to skip */
static TLS int in_fork_guard; /* this thread is between fork_guard_enter and _leave */
static char exe_path[PATH_MAX];    /* the main program's l_name is "" */

static int find_self(struct dl_phdr_info *info, size_t size, void *base)
{
	(void)size;
	if (info->dlpi_addr != (ElfW(Addr))base)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (!self_lo || lo < self_lo)
			self_lo = lo;
		if (hi > self_hi)
			self_hi = hi;
	}
	return 1;
}

/* Unwinding takes locks: libunwind's own while it sets itself up (with
 * every signal blocked), and the loader's in dl_iterate_phdr and dladdr.
 * A fork() in another thread meanwhile would leave the child those locks
 * taken, for ever.  So our steps that may take them (fork_guard_enter to
 * fork_guard_leave) and fork() exclude each other: a fork waits for the
 * threads inside such a step (the atfork handlers call bt_before_fork and
 * bt_after_fork), and a step waits while a fork is under way. */
/* Every call changes UNWINDING: it starts a cache line, so that what calls
 * only read (shim.h's proc, on this page too) is not on the line it keeps
 * taking from other threads. */
static _Atomic int unwinding PER_PROCESS __attribute__((aligned(64))); /* threads inside such a step */
static _Atomic int forking PER_PROCESS;                               /* threads about to fork */
static TLS int forking_here;  /* this thread is one of them */

void fork_guard_enter(void)
{
	atomic_fetch_add(&unwinding, 1);
	/* A handler that interrupted this thread's own fork goes on: the fork
	 * waits for it, not it for the fork. */
	while (atomic_load(&forking) && !forking_here) {
		atomic_fetch_sub(&unwinding, 1);
		while (atomic_load(&forking))
			sched_yield();
		atomic_fetch_add(&unwinding, 1);
	}
	in_fork_guard = 1;
}

void fork_guard_leave(void)
{
	in_fork_guard = 0;
	atomic_fetch_sub(&unwinding, 1);
}

void bt_before_fork(void)
{
	forking_here = 1;
	atomic_fetch_add(&forking, 1);
	/* Not counting this thread, if a handler forks from inside our unwind. */
	while (atomic_load(&unwinding) > in_fork_guard)
		sched_yield();
}

void bt_after_fork(void)
{
	atomic_fetch_sub(&forking, 1);
	forking_here = 0;
}

/* In a new process only this thread is left. */
void bt_reset_forking(void)
{
	atomic_store(&forking, 0);
	forking_here = 0;
	atomic_store(&unwinding, in_fork_guard);
}

void bt_init(bool ahead)
{
	/* Once per image (a forked child has it from its parent), from a
	 * process's first file or from any thread's fork (identity.c).  A
	 * thread that comes while another does it unwinds nothing until
	 * libunwind is there (unwinder_backtrace). */
	static _Atomic int done;
	if (atomic_exchange(&done, 1))
		return;
	Dl_info info;
	struct link_map *self = NULL;
	ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
	exe_path[n < 0 ? 0 : n] = '\0';
	fork_guard_enter();
	if (dladdr1((void *)bt_init, &info, (void **)&self, RTLD_DL_LINKMAP) && self)
		dl_iterate_phdr(find_self, (void *)self->l_addr);
	/* Not at all when no call will unwind (backtraces off, no rule by
	 * caller).  Else one unwind now, while the stack has room, makes this
	 * thread's trace cache (256 KiB, every page written), which children
	 * forked later get with the rest of our memory. */
	void *warm[4];
	if (proc.capture_depth > 0) {
		if (unwinder_load(ahead) == 0)
			unwinder_backtrace(warm, 4);
		else if (ahead)
			atomic_store(&done, 0);
	}
	fork_guard_leave();
}

EXPORT int pipe2(int fds[2], int flags)
{
	if (!real.pipe2) /* called before our constructor ran */
		real.pipe2 = (int (*)(int[2], int))dlsym(RTLD_NEXT, "pipe2");
	/* The program's -- a handler's that interrupted us too: a pipe.
	 * libunwind's, for us or for the program's own unwinding (the same
	 * libunwind, the same pipe numbers): none, above. */
	if (!unwinder_owns(__builtin_return_address(0)))
		return real.pipe2(fds, flags);
	fds[0] = fds[1] = -1;
	return 0;
}

long unwind_check_page(const void *page)
{
	char byte;
	if (!peek(&byte, page, 1)) { /* cannot be read: its answer */
		errno = EFAULT;
		return -1;
	}
	errno = 0; /* libunwind retries while errno is EINTR, whatever the result */
	return 1;
}

/* Zeroes of a page-aligned table: pages the parent wrote are dropped, not
 * copied and cleared (a new process would otherwise write 96 KiB of
 * tables it mostly never reads), and the kernel hands back zeroes where
 * they are next touched. */
static void forget_pages(void *table, size_t size)
{
	if (madvise(table, size, MADV_DONTNEED) != 0)
		memset(table, 0, size);
}

void bt_reset_child(int own_file)
{
	/* Ids number the stack records of one file; a child writing its
	 * parent's file must not reuse them, so it writes frames inline. */
	if (atomic_load(&last_id))
		forget_pages(slots, sizeof slots);
	atomic_store(&last_id, 0);
	atomic_flag_clear(&record_lock);
	interning = own_file;
}

/* N frames from the unwinder in IPS: ours come first and are dropped. */
int bt_drop_own(void **ips, int n, int max)
{
	int skip = 0;
	while (skip < n && (uintptr_t)ips[skip] >= self_lo && (uintptr_t)ips[skip] < self_hi)
		skip++;
	int kept = n - skip < max ? n - skip : max;
	if (kept <= 0)
		return 0;
	for (int i = 0; i < kept; i++) /* a few frames: no call to memmove */
		ips[i] = ips[i + skip];
	return kept;
}

/* _dl_find_object (glibc 2.35), made for unwinders, is a lock-free binary
 * search; dladdr also looks for the nearest symbol, a scan of the module's
 * symbol table that made a server's new processes (a new file, so every
 * stack is new) a third slower. */
const char *bt_module(void *ip, uintptr_t *bias)
{
	struct link_map *lm = NULL;
#if __GLIBC_PREREQ(2, 35)
	struct dl_find_object found;
	if (_dl_find_object(ip, &found) == 0)
		lm = found.dlfo_link_map;
#else
	Dl_info info;
	if (!dladdr1(ip, &info, (void **)&lm, RTLD_DL_LINKMAP))
		lm = NULL;
#endif
	if (!lm)
		return NULL;
	*bias = lm->l_addr;
	return lm->l_name[0] ? lm->l_name : exe_path;
}

/* The frame's module path and offset (the ELF address of the return
 * address); NULL if no module holds it. */
static const char *module_of(void *ip, uintptr_t *offset)
{
	uintptr_t bias;
	const char *module = bt_module(ip, &bias);
	if (module)
		*offset = (uintptr_t)ip - bias;
	return module;
}

unsigned long long bt_site_hash(void *const *ips, int n)
{
	unsigned long long h = SITE_HASH_INIT;
	for (int i = 0; i < n; i++) {
		uintptr_t offset = 0;
		const char *module = module_of(ips[i], &offset);
		h = site_hash_add(h, module, module ? offset : (uintptr_t)ips[i]);
	}
	return h;
}

/* {"ip":..,"module":..,"offset":..}; offset = ip - the module's load bias,
 * i.e. the address in the ELF file that addr2line -e MODULE takes.  ips are
 * return addresses: symbolizers look up ip - 1. */
static void write_frame(struct jw *w, void *ip)
{
	uintptr_t offset;
	const char *module = module_of(ip, &offset);
	jw_open(w, '{');
	jw_key(w, "ip"), jw_hex(w, (uintptr_t)ip);
	if (module) {
		jw_key(w, "module"), jw_str(w, module, MODULE_PATH_SHOWN);
		jw_key(w, "offset"), jw_hex(w, offset);
	} else {
		jw_key(w, "module"), jw_lit(w, "null");
		jw_key(w, "offset"), jw_lit(w, "null");
	}
	jw_close(w, '}');
}

/* As many frames as fit, keeping `reserve` bytes for the rest of the record. */
static void write_frames(struct jw *w, void *const *ips, int n, size_t reserve)
{
	int i = 0;
	jw_open(w, '[');
	for (; i < n && jw_room(w) > FRAME_ROOM + reserve; i++)
		write_frame(w, ips[i]);
	jw_close(w, ']');
	if (i < n)
		jw_key(w, "frames_omitted"), jw_int(w, n - i);
}

/* 1 when written, 0 when it could not be, -1 when the lock was another
 * thread's and this one may not wait for it. */
static int write_stack_record(uint32_t id, void *const *ips, int n)
{
	struct jw w;
	while (atomic_flag_test_and_set_explicit(&record_lock, memory_order_acquire)) {
		/* (Held only by another thread, never by this one.)  A handler's
		 * call nested in this thread's own write of a record must not
		 * wait: that thread may be waiting, with the lock, for the switch
		 * to the mapped file, which waits for the write interrupted here
		 * (outside trial 30: 2 runs in 10 hung for good). */
		if (out_appending())
			return -1;
		sched_yield();
	}
	jw_init(&w, record_buf, sizeof record_buf);
	jw_open(&w, '{');
	jw_key(&w, "event"), jw_str(&w, EV_STACK, 16);
	jw_key(&w, "id"), jw_uint(&w, id);
	jw_key(&w, "frames"), write_frames(&w, ips, n, 64);
	jw_close(&w, '}');
	size_t len = jw_finish(&w);
	if (len)
		out_write(record_buf, len);
	atomic_flag_clear_explicit(&record_lock, memory_order_release);
	return len != 0;
}

static uint64_t hash_stack(void *const *ips, int n)
{
	/* FNV-1a, a word at a time; the same addresses in another library,
	 * loaded where an unloaded one was, are another stack. */
	uint64_t h = FNV_INIT ^ atomic_load_explicit(&modules_unloaded, memory_order_relaxed);
	for (int i = 0; i < n; i++)
		h = (h ^ (uintptr_t)ips[i]) * FNV_PRIME;
	return h | 1; /* never 0, the free mark */
}

/* The id of this stack, writing its record the first time; 0 if it must
 * go inline.  Stacks are told apart by a 64-bit hash of their addresses. */
static uint32_t intern(void *const *ips, int n)
{
	uint64_t h = hash_stack(ips, n);
	for (unsigned i = (unsigned)h, probe = 0; probe < PROBES; probe++, i++) {
		struct slot *slot = &slots[i % SLOTS];
		uint64_t seen = 0;
		if (atomic_compare_exchange_strong(&slot->hash, &seen, h)) {
			uint32_t id = atomic_fetch_add(&last_id, 1) + 1;
			int written = write_stack_record(id, ips, n);
			/* Inline this time; the slot free again, so that the stack is
			 * interned later (a stack that probed past it meanwhile may
			 * then get a second record, under another id: harmless). */
			if (written < 0)
				atomic_store(&slot->hash, 0);
			if (written <= 0)
				return 0;
			atomic_store(&slot->id, id);
			return id;
		}
		if (seen == h)
			return atomic_load(&slot->id);
	}
	return 0;
}

/* "stack": an id, an inline array of frames, or null when backtraces are
 * off.  Never the record's first field: its comma is constant. */
void bt_write_stack_field(struct jw *w, void *const *ips, int n)
{
	if (n == 0) {
		jw_put_lit(w, ",\"stack\":null");
		return;
	}
	jw_put_lit(w, ",\"stack\":");
	uint32_t id = interning ? intern(ips, n) : 0;
	if (id)
		jw_put_udec(w, id);
	else
		write_frames(w, ips, n, 16);
}
