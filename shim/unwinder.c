/* libunwind, loaded when a process first needs a backtrace, not with us.
 *
 * As a dependency of ours it was loaded into every traced process, with
 * liblzma after it: eleven memory mappings and about 60% of the start-up
 * time we add to a program that makes no shm call (`make bench`, section 3:
 * 160 of 260 us, 100,000 of 210,000 instructions, mostly the loader's
 * relocations).  Opened with RTLD_LOCAL, its weak backtrace() no longer
 * stands in for glibc's in the program either.  Its calls to pipe2 and
 * sigprocmask still reach ours (backtrace.c, below): the global scope,
 * where we are, is searched first.
 *
 * Loaded by bt_init: at a process's first trace file, or before its first
 * fork() (identity.c), so that children, which get it with the rest of
 * the parent's memory, never load it again. */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <errno.h>
#include <libunwind.h> /* types and constants only: no symbol of it is linked */
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "shim.h"

#ifndef LIBUNWIND_SONAME
#define LIBUNWIND_SONAME "libunwind.so.8" /* Debian's libunwind8, 1.x */
#endif

/* libunwind.h names these through macros (UNW_OBJ): the local-only
 * library's symbols for this architecture. */
#if defined(__x86_64__)
#define UNW_SYMBOL(name) "_ULx86_64_" name
#elif defined(__aarch64__)
#define UNW_SYMBOL(name) "_ULaarch64_" name
#elif defined(__i386__)
#define UNW_SYMBOL(name) "_ULx86_" name
#else
#error "libunwind's symbol prefix for this architecture is not known"
#endif

static int (*backtrace_fn)(void **, int);
static _Atomic int loaded; /* 1 once backtrace_fn may be called */
/* This thread is inside bt_capture's unwind; whether it holds the signals
 * there for libunwind, and the mask they had (see sigprocmask). */
TLS int unwinder_here, unwinder_holding;
static TLS sigset_t mask_before;
static uintptr_t code_from PER_PROCESS, code_to PER_PROCESS; /* libunwind's executable segment */

/* Where libunwind's code is: its executable segment, from the program
 * headers of the module LIB (the ELF header is mapped with its first). */
static void find_code(void *lib)
{
	struct link_map *map = NULL;
	Dl_info info;
	if (dlinfo(lib, RTLD_DI_LINKMAP, &map) != 0 || !map || !dladdr((void *)map->l_ld, &info) || !info.dli_fbase)
		return;
	const ElfW(Ehdr) *e = info.dli_fbase;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)e + e->e_phoff);
	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X)) {
			code_from = map->l_addr + ph[i].p_vaddr;
			code_to = code_from + ph[i].p_memsz;
		}
}

/* Before we loaded libunwind (the program links it, and unwinds first),
 * its code is told by its module's name. */
int unwinder_owns(const void *addr)
{
	Dl_info info;
	if (code_to)
		return (uintptr_t)addr >= code_from && (uintptr_t)addr < code_to;
	return dladdr(addr, &info) && info.dli_fname && strstr(info.dli_fname, "/" LIBUNWIND_SONAME);
}

int unwinder_load(bool quiet)
{
	void *lib = fd_dlopen_room(LIBUNWIND_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		if (!quiet)
			warn("cannot load", LIBUNWIND_SONAME ", so backtraces are off", ENOENT);
		return -1;
	}
	unw_addr_space_t *space = dlsym(lib, UNW_SYMBOL("local_addr_space"));
	int (*set_policy)(unw_addr_space_t, unw_caching_policy_t) =
		(int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(lib, UNW_SYMBOL("set_caching_policy"));
	backtrace_fn = (int (*)(void **, int))dlsym(lib, "unw_backtrace");
	find_code(lib); /* before it sets itself up, and opens its pipe (backtrace.c) */
	if (!space || !set_policy || !backtrace_fn) {
		if (!quiet)
			warn("cannot find unw_backtrace in", LIBUNWIND_SONAME ", so backtraces are off", ENOSYS);
		return -1;
	}
	/* Per-thread caches: no libunwind lock that another thread could hold
	 * across fork(), or that a signal handler could find taken.  (This
	 * sets libunwind up, and opens its pipe.) */
	set_policy(*space, UNW_CACHE_PER_THREAD);
	atomic_store_explicit(&loaded, 1, memory_order_release);
	return 0;
}

/* libunwind blocks every signal around each of its lookups and locks, two
 * system calls each time: 188 in the first call of a new process whose
 * stack is 12 frames deep, each frame new to it (strace), 470 in a new
 * PostgreSQL backend's.  While it unwinds for us, its first sigprocmask
 * holds the signals, once, for the rest of the backtrace
 * (bt_capture gives them back), and its others are answered here
 * without a system call: 16 in that process, and 11% less CPU
 * (docs/performance.md).  A handler runs no sooner than it would have
 * inside libunwind's own masked steps, bar those of the signals the
 * kernel raises for the instruction at hand, which a mask cannot stop
 * (held_signals.c).  Every other caller, the program's own use of
 * libunwind included, gets libc's sigprocmask. */
EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (!real.sigprocmask) /* called before our constructor ran */
		real.sigprocmask = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "sigprocmask");
	if (!unwinder_here || !unwinder_owns(__builtin_return_address(0)))
		return real.sigprocmask(how, set, old);
	if (!unwinder_holding) {
		sigset_t held;
		held_signals(&held);
		if (real.sigprocmask(SIG_BLOCK, &held, &mask_before) != 0)
			return -1;
		unwinder_holding = 1;
	}
	if (old)
		*old = mask_before;
	return 0;
}

void unwinder_give_back(void)
{
	unwinder_holding = 0;
	real.sigprocmask(SIG_SETMASK, &mask_before, NULL);
}

/* unw_backtrace, or no frames while libunwind is not (yet) there: a
 * signal handler's call that interrupted the loading.  A tail call: no
 * frame of its own for libunwind to walk (bt_capture's bookkeeping is in
 * the wrapper's frame). */
int unwinder_backtrace(void **ips, int n)
{
	if (!atomic_load_explicit(&loaded, memory_order_acquire))
		return 0;
	return backtrace_fn(ips, n);
}
