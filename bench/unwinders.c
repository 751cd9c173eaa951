/* Which unwinder takes a backtrace for the fewest instructions (issue 15)?
 * Takes N backtraces of a 10-frame stack with one of them; run under
 * callgrind with N and with 0, the difference over N is one backtrace.
 *   usage: unwinders unw_backtrace|unw_step|glibc|libgcc N [per-thread]
 * per-thread: libunwind's caches per thread, of 1024 entries (heaptrack's
 * settings; the shim sets the policy).
 * unw_backtrace is libunwind's fast path (a per-thread cache of how each
 * return address unwinds); unw_step its general one; glibc is glibc's
 * backtrace(3), which calls libgcc_s's _Unwind_Backtrace, also alone as
 * libgcc.  (libunwind exports backtrace and _Unwind_Backtrace of its own:
 * glibc's and libgcc_s's are taken by version and by dlopen.) */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unwind.h>

enum { UNW_BACKTRACE, UNW_STEP, GLIBC, LIBGCC };
static int how;
static int (*glibc_backtrace)(void **, int);
static _Unwind_Reason_Code (*libgcc_backtrace)(_Unwind_Trace_Fn, void *);

struct ips {
	void **ip;
	int n, max;
};

static _Unwind_Reason_Code one_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct ips *s = arg;
	static _Unwind_Ptr (*get_ip)(struct _Unwind_Context *);
	if (!get_ip)
		get_ip = (_Unwind_Ptr(*)(struct _Unwind_Context *))dlsym(dlopen("libgcc_s.so.1", RTLD_NOW), "_Unwind_GetIP");
	if (s->n >= s->max)
		return _URC_END_OF_STACK;
	s->ip[s->n++] = (void *)get_ip(ctx);
	return _URC_NO_REASON;
}

static __attribute__((noinline)) int capture(void **ip, int max)
{
	switch (how) {
	case UNW_BACKTRACE:
		return unw_backtrace(ip, max);
	case UNW_STEP: {
		unw_context_t uc;
		unw_cursor_t c;
		int n = 0;
		unw_getcontext(&uc);
		unw_init_local(&c, &uc);
		while (n < max && unw_step(&c) > 0) {
			unw_word_t pc;
			unw_get_reg(&c, UNW_REG_IP, &pc);
			ip[n++] = (void *)pc;
		}
		return n;
	}
	case GLIBC:
		return glibc_backtrace(ip, max);
	default: {
		struct ips s = {ip, 0, max};
		libgcc_backtrace(one_frame, &s);
		return s.n;
	}
	}
}

static long frames;

static __attribute__((noinline)) void nest(int depth, long n)
{
	if (depth > 0) {
		nest(depth - 1, n);
		__asm__ volatile("" ::: "memory"); /* not a tail call: a frame each */
		return;
	}
	void *ip[64];
	for (long i = 0; i < n; i++)
		frames += capture(ip, 64);
}

int main(int argc, char **argv)
{
	const char *names[] = {"unw_backtrace", "unw_step", "glibc", "libgcc"};
	how = -1;
	for (int i = 0; (argc == 3 || argc == 4) && i < 4; i++)
		if (strcmp(argv[1], names[i]) == 0)
			how = i;
	if (how < 0) {
		fprintf(stderr, "usage: unwinders unw_backtrace|unw_step|glibc|libgcc N [per-thread]\n");
		return 2;
	}
	long n = atol(argv[2]);
	if (argc == 4) {
		unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
		unw_set_cache_size(unw_local_addr_space, 1024, 0);
	}
	glibc_backtrace = (int (*)(void **, int))dlvsym(RTLD_DEFAULT, "backtrace", "GLIBC_2.2.5");
	libgcc_backtrace = (_Unwind_Reason_Code(*)(_Unwind_Trace_Fn, void *))dlsym(dlopen("libgcc_s.so.1", RTLD_NOW),
										       "_Unwind_Backtrace");
	if (!glibc_backtrace || !libgcc_backtrace)
		return 1;
	void *warm[64];
	capture(warm, 64); /* first-use set-up, not counted */
	nest(5, n);
	printf("%s: %ld frames a backtrace\n", names[how], n ? frames / n : 0);
	return 0;
}
