/* The pool of struct scratch: see scratch.h.  One bit per slot; claiming is
 * a load and a compare-and-swap, releasing one atomic and. */
#include "scratch.h"

#include <stdatomic.h>

#define WORDS 1
#define SLOTS (64 * WORDS)

static struct scratch pool[SLOTS];
static _Atomic uint64_t used[WORDS] PER_PROCESS; /* (a child that makes no call then writes no page of the pool) */
/* This thread's slots (a signal handler's call nests in its thread's): what
 * a new process keeps of the pool.  Atomic only so that a handler cannot
 * come between a read and a write of it. */
static TLS _Atomic uint64_t mine[WORDS];

struct scratch *scratch_claim(void)
{
	for (int w = 0; w < WORDS; w++) {
		uint64_t seen = atomic_load_explicit(&used[w], memory_order_relaxed);
		while (~seen) {
			int bit = __builtin_ctzll(~seen);
			uint64_t mask = 1ull << bit;
			if (atomic_compare_exchange_weak_explicit(&used[w], &seen, seen | mask, memory_order_acquire,
								  memory_order_relaxed)) {
				atomic_fetch_or_explicit(&mine[w], mask, memory_order_relaxed);
				return &pool[w * 64 + bit];
			}
		}
	}
	return NULL;
}

void scratch_release(struct scratch *s)
{
	size_t i = (size_t)(s - pool);
	uint64_t mask = 1ull << (i % 64);
	atomic_fetch_and_explicit(&mine[i / 64], ~mask, memory_order_relaxed);
	atomic_fetch_and_explicit(&used[i / 64], ~mask, memory_order_release);
}

void scratch_reset_child(void)
{
	for (int w = 0; w < WORDS; w++)
		atomic_store(&used[w], atomic_load(&mine[w]));
}
