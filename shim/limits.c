/* The program's own limits on its memory, which our mapped trace file must
 * not change: an address-space limit (setrlimit or prlimit of RLIMIT_AS)
 * counts the file's 64 GiB window, and mlockall counts the window against
 * RLIMIT_MEMLOCK and locks what it has in memory.  After the limit is set,
 * and before mlockall, the window is cut down to the room the file has
 * (mapped.h), the rest of the file appended; after mlockall the window is
 * unlocked again, and with MCL_FUTURE no window is mapped from then on.
 * (A limit set from outside, prlimit(1), is seen at the file's next
 * growth.) */
#include <dlfcn.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "peek.h"
#include "shim.h"

static void *next(void **fn, const char *name)
{
	if (!*fn)
		*fn = dlsym(RTLD_NEXT, name);
	return *fn;
}

/* Whether the process locks its future mappings (mlockall MCL_FUTURE). */
static _Atomic int locks_future PER_PROCESS;

int out_may_map(void)
{
	return !atomic_load(&locks_future);
}

/* After the program's limit was set (the kernel took it, whatever the
 * process holds): a new address-space limit of its own cuts the window
 * down before its next mapping.  LIMIT read as the kernel read it. */
static void after_limit(int ret, int resource, const void *limit)
{
	rlim_t soft;
	if (ret == 0 && resource == RLIMIT_AS && peek(&soft, limit, sizeof soft) && soft != RLIM_INFINITY)
		out_shrink_mapping();
}

/* RL is struct rlimit or struct rlimit64 (the same on 64-bit machines):
 * rlim_cur first. */
#define SETRLIMIT(name, RL)                                                         \
	EXPORT int name(__rlimit_resource_t resource, const RL *limit)              \
	{                                                                           \
		static void *fn;                                                    \
		int (*real_fn)(__rlimit_resource_t, const RL *) = next(&fn, #name);  \
		int ret = real_fn(resource, limit);                                 \
		after_limit(ret, resource, limit);                                  \
		return ret;                                                         \
	}
SETRLIMIT(setrlimit, struct rlimit)
SETRLIMIT(setrlimit64, struct rlimit64)

#define PRLIMIT(name, RL)                                                                        \
	EXPORT int name(pid_t pid, __rlimit_resource_t resource, const RL *limit, RL *old)       \
	{                                                                                        \
		static void *fn;                                                                 \
		int (*real_fn)(pid_t, __rlimit_resource_t, const RL *, RL *) = next(&fn, #name); \
		int ret = real_fn(pid, resource, limit, old);                                    \
		if (limit && (pid == 0 || pid == getpid()))                                      \
			after_limit(ret, resource, limit);                                       \
		return ret;                                                                      \
	}
PRLIMIT(prlimit, struct rlimit)
PRLIMIT(prlimit64, struct rlimit64)

EXPORT int mlockall(int flags)
{
	static void *fn;
	int (*real_fn)(int) = next(&fn, "mlockall");
	out_shrink_mapping();
	int ret = real_fn(flags);
	if (ret == 0) {
		if (flags & MCL_FUTURE)
			atomic_store(&locks_future, 1);
		out_unlock_mapping();
	}
	return ret;
}

EXPORT int munlockall(void)
{
	static void *fn;
	int (*real_fn)(void) = next(&fn, "munlockall");
	int ret = real_fn();
	if (ret == 0)
		atomic_store(&locks_future, 0);
	return ret;
}
