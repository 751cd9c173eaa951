/* dlopen and dlmopen, for libraries opened with RTLD_DEEPBIND.  Such a
 * library looks its symbols up in its own dependency tree first and only
 * then in the global scope (dlopen(3)), so a preloaded library never sees
 * its calls: PHP opens every extension so, and shmop_open's shmget went
 * straight to libc.  After such a dlopen, got.c points the loaded modules'
 * GOT slots for our functions at our wrappers.
 *
 * Followed: dlopen and dlmopen(LM_ID_BASE) with RTLD_DEEPBIND of a file
 * named by a path, or by a bare name that the loader would search for the
 * same way if we were the caller (see searched_alike).  Not followed: other
 * bare names and names with $ORIGIN (the loader takes them relative to the
 * caller: only a tail call keeps the program the caller, and a tail call
 * gives us no control afterwards), and a new dlmopen namespace (it has its
 * own libc, errno included; our wrappers call the base namespace's).
 * Every other dlopen is a tail call to the real one.
 *
 * And dlsym, for lookups in a handle (below). */
#include <dlfcn.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>

#include "got.h"
#include "shim.h"

static void *(*real_dlopen)(const char *, int);
static void *(*real_dlmopen)(Lmid_t, const char *, int);

/* The pass-through below must stay a tail call: the loader takes the
 * return address as the caller of dlopen.  GCC makes it one from -O2 on;
 * this keeps it one in a -O0 build too (clang: musttail). */
#if defined(__clang__)
#define KEEPS_CALLER
#define TAIL_RETURN __attribute__((musttail)) return
#elif defined(__GNUC__)
#define KEEPS_CALLER __attribute__((optimize("O2", "optimize-sibling-calls")))
#define TAIL_RETURN return
#else
#define KEEPS_CALLER
#define TAIL_RETURN return
#endif

static int has_tag(const ElfW(Dyn) *d, ElfW(Sxword) tag)
{
	for (; d->d_tag != DT_NULL; d++)
		if (d->d_tag == tag)
			return 1;
	return 0;
}

/* Stops at a module, the main program aside (it comes first), with a
 * DT_RPATH. */
static int find_rpath(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	if ((*(int *)arg)++ == 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC &&
		    has_tag((const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr), DT_RPATH))
			return 1;
	return 0;
}

/* Whether the loader searches a bare name for us as it would for CALLER
 * (glibc's _dl_map_object): the RPATHs of the caller and of the modules
 * that loaded it, then the main program's; LD_LIBRARY_PATH; the caller's
 * RUNPATH; the cache and the default directories.  Ours has neither, so
 * the two searches are one when the caller has no RUNPATH and no module
 * but the main program has an RPATH (as in most of Debian, whose policy
 * discourages both). */
static int searched_alike(const void *caller)
{
	Dl_info info;
	struct link_map *l = NULL;
	if (!dladdr1(caller, &info, (void **)&l, RTLD_DL_LINKMAP) || !l || has_tag(l->l_ld, DT_RUNPATH))
		return 0;
	int seen = 0;
	return dl_iterate_phdr(find_rpath, &seen) == 0;
}

/* A DEEPBIND dlopen we may make ourselves: of a path (the caller plays no
 * part then), or of a bare name searched as for CALLER.  Never a name with
 * $ORIGIN, which the loader expands from the caller's directory. */
static int to_follow(const char *file, int mode, const void *caller)
{
	if (!file || !(mode & RTLD_DEEPBIND) || strchr(file, '$'))
		return 0;
	return strchr(file, '/') || searched_alike(caller);
}

EXPORT KEEPS_CALLER void *dlopen(const char *file, int mode)
{
	if (!real_dlopen)
		real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	if (!to_follow(file, mode, __builtin_return_address(0)))
		TAIL_RETURN real_dlopen(file, mode); /* the caller stays the program's */
	unsigned long long before = got_loads();
	void *handle = real_dlopen(file, mode);
	if (handle)
		got_follow(handle, before);
	return handle;
}

EXPORT KEEPS_CALLER void *dlmopen(Lmid_t lmid, const char *file, int mode)
{
	if (!real_dlmopen)
		real_dlmopen = (void *(*)(Lmid_t, const char *, int))dlsym(RTLD_NEXT, "dlmopen");
	if (lmid != LM_ID_BASE || !to_follow(file, mode, __builtin_return_address(0)))
		TAIL_RETURN real_dlmopen(lmid, file, mode);
	unsigned long long before = got_loads();
	void *handle = real_dlmopen(lmid, file, mode);
	if (handle)
		got_follow(handle, before);
	return handle;
}

/* Our own code: a lookup of ours passes through dlsym untouched. */
static _Atomic uintptr_t own_from, own_to;

static int find_own_code(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	uintptr_t at = (uintptr_t)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t from = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && at >= from && at < from + ph->p_memsz) {
			atomic_store(&own_from, from);
			atomic_store(&own_to, from + ph->p_memsz);
			return 1;
		}
	}
	return 0;
}

static int from_us(const void *caller)
{
	if (!atomic_load(&own_to))
		dl_iterate_phdr(find_own_code, (void *)(uintptr_t)find_own_code);
	return (uintptr_t)caller >= atomic_load(&own_from) && (uintptr_t)caller < atomic_load(&own_to);
}

/* dlsym in a handle: foreign-function interfaces (Python's ctypes, Java's
 * Panama, Ruby's Fiddle) take libc's functions from a handle of libc,
 * whose own scope is searched, not the global one where ours come first,
 * and their calls went past us (outside trial 27).  Such a lookup of one
 * of our functions gets our wrapper -- unless another preloaded library
 * wraps it after ours: if that one takes libc's so, through any library
 * of its own, ours would call it and it ours, for ever (re-check 28), so
 * those lookups keep libc's.  RTLD_DEFAULT and RTLD_NEXT, which the
 * loader resolves from the caller's place, and our own lookups, are tail
 * calls to the real one. */
EXPORT KEEPS_CALLER void *dlsym(void *handle, const char *name)
{
	static void *(*real_dlsym)(void *, const char *);
	if (!real_dlsym) {
		real_dlsym = (void *(*)(void *, const char *))dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
		if (!real_dlsym)
			real_dlsym = (void *(*)(void *, const char *))dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5");
	}
	if (handle == RTLD_DEFAULT || handle == RTLD_NEXT || from_us(__builtin_return_address(0)))
		TAIL_RETURN real_dlsym(handle, name);
	void *fn = real_dlsym(handle, name);
	return fn ? got_ours_instead(name, fn) : NULL;
}

/* Bumped by every dlclose that succeeds: a library unloaded may be
 * followed by another at its addresses, and what was learnt of those
 * addresses (a stack interned by its return addresses, a module's symbol
 * table found by its name's pointer) no longer holds.  Outside trial 24:
 * after dlclose(libA) and dlopen(libB) at the same address, B's shmget
 * was recorded with A's stack and matched caller=alpha_make. */
_Atomic unsigned long long modules_unloaded;

EXPORT int dlclose(void *handle)
{
	static int (*real_dlclose)(void *);
	if (!real_dlclose)
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	int ret = real_dlclose(handle);
	if (ret == 0)
		atomic_fetch_add(&modules_unloaded, 1);
	return ret;
}
