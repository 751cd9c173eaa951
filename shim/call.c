#include "call.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "stack.h"

/* Calls of this process, numbered from 1 in the order they returned. */
static _Atomic unsigned long long call_seq PER_PROCESS;

/* The steps of entering a call that may need room on the stack (stack.h):
 * the trace file's opening, the first unwind, the backtrace. */
struct entering {
	struct call *c;
	bool traced;
	bool cramped; /* no room for a backtrace */
};

/* On a borrowed stack, or with no room at all: the backtrace taken here. */
static void enter_guarded(void *arg)
{
	struct entering *e = arg;
	struct call *c = e->c;
	e->traced = ensure_file();
	if (!e->traced)
		return;
	c->scratch = scratch_claim();
	c->nips = c->scratch && !e->cramped ? bt_capture(c->scratch->ips, proc.capture_depth) : 0;
}

/* The guard (shim_busy) covers only what must not be entered twice by one
 * thread: start-up, libunwind and the stack table.  A signal handler that
 * interrupts the real call, or our formatting and writing, is traced like
 * any other caller; one that interrupts the guarded parts goes straight to
 * the real function. */
bool call_enter_begin(struct call *c)
{
	if (shim_busy)
		return false;
	/* From here on a handler's call on this thread is nested in ours, and
	 * has less stack than it would have bare (stack.h).  (A child sharing
	 * our memory counts itself for an instant too: harmless.) */
	stack_call_begin();
	c->entry_errno = errno;
	/* Asked before anything else of this thread's is touched: a child
	 * sharing our memory must not change it under its parent. */
	if (!proc_is_self()) {
		stack_call_end();
		errno = c->entry_errno;
		return false;
	}
	ensure_init();
	/* Our steps hold cancellation off: a file may be opened, written or
	 * grown, each a cancellation point, while shm
	 * calls are none (a thread cancelled inside them would also leave a
	 * lock of ours taken). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &c->cancel_state);
	shim_busy = 1;
	struct entering e = {c, false, false};
	if (stack_has_room()) {
		/* The backtrace is the wrapper's to take (call_enter). */
		e.traced = ensure_file();
		if (e.traced)
			c->scratch = scratch_claim(), c->nips = c->scratch && proc.capture_depth > 0 ? -1 : 0;
	} else if (run_with_room(enter_guarded, &e) != 0) {
		e.cramped = true;
		enter_guarded(&e);
	}
	if (!e.traced) {
		shim_busy = 0;
		pthread_setcancelstate(c->cancel_state, NULL);
		stack_call_end();
		errno = c->entry_errno;
		return false;
	}
	return true;
}

bool call_enter_end(struct call *c, enum call_id id)
{
	shim_busy = 0;
	c->id = id;
	c->a.present = 0;
	c->rule = -1;
	/* Unwinding may touch errno; the real call must see the caller's. */
	errno = c->entry_errno;
	c->t0 = now_ns(CLOCK_MONOTONIC);
	return true;
}

/* What a rule may ask of a call, from its arguments: each fact is there for
 * the calls whose records have the field (common/call_table.h). */
static struct call_facts facts_of(const struct call *c)
{
	unsigned bit = 1u << c->id;
	const struct call_args *a = &c->a;
	return (struct call_facts){
		.call = c->id,
		.has_key = (bit & CALLS_OF_KEY) != 0,
		.key = bit & CALLS_OF_KEY ? a->key : 0,
		.shmid = bit & CALLS_OF_SHMID ? (int)a->shmid : -1,
		.semid = bit & CALLS_OF_SEMID ? (int)a->semid : -1,
		.msqid = bit & CALLS_OF_MSQID ? (int)a->msqid : -1,
		.addr = bit & CALLS_OF_SHMADDR ? (const void *)(uintptr_t)a->shmaddr : NULL,
		.name = bit & (CALLS_OF_NAME | CALLS_OF_PATH) ? a->name : NULL,
		.cmd = bit & (CALLS_OF_CMD | CALLS_OF_SEMCTL_CMD | CALLS_OF_MSGCTL_CMD) ? a->cmd : 0,
		.flags = bit & CALLS_WITH_FLAGS ? a->flags : 0,
		.size = bit & CALLS_OF_SIZE ? a->size : 0,
	};
}

bool call_inject(struct call *c)
{
	int err;
	if (!inject_rules.n)
		return false;
	struct call_facts f = facts_of(c), *facts = &f;
	shim_busy = 1; /* symbol lookups and IPC_STAT for key= must not recurse */
	fork_guard_enter(); /* caller= rules look symbols up with the loader's help */
	c->rule = inject_decide(facts, c->scratch ? c->scratch->ips : NULL, c->nips, &err);
	fork_guard_leave();
	shim_busy = 0;
	if (c->rule < 0)
		return false;
	errno = err;
	return true;
}

void call_returned(struct call *c)
{
	uint64_t t1 = now_ns(CLOCK_MONOTONIC);
	c->result_errno = errno;
	struct call_args *a = &c->a;
	a->seq = atomic_fetch_add(&call_seq, 1) + 1;
	a->pid = proc.pid;
	a->tid = current_tid();
	a->ts = c->t0;
	a->dur = t1 - c->t0;
	if (via_syscall)
		a->present |= FIELD_BIT(VIA), a->via = "syscall";
}

static void leave(struct call *c, bool failed)
{
	struct call_args *a = &c->a;
	/* A call that succeeds leaves errno as the caller had it, as libc's
	 * do: our own steps (the probe for creation) may have changed it. */
	if (failed)
		a->present |= FIELD_BIT(ERRNO), a->err = c->result_errno;
	else
		c->result_errno = c->entry_errno;
	a->injected = c->rule >= 0;
	if (c->rule >= 0)
		a->present |= FIELD_BIT(RULE), a->rule = inject_rules.rule[c->rule].text;

	struct jw w;
	if (c->scratch)
		jw_init(&w, c->scratch->record, sizeof c->scratch->record);
	else
		jw_init(&w, c->spare, sizeof c->spare);
	record_write(&w, c->id, a);
	shim_busy = 1;
	/* More frames may have been taken for caller= rules than are recorded. */
	bt_write_stack_field(&w, c->scratch ? c->scratch->ips : NULL,
			     c->nips < proc.backtrace_depth ? c->nips : proc.backtrace_depth);
	shim_busy = 0;
	jw_close(&w, '}');
	size_t len = jw_finish(&w);
	if (len)
		out_write(w.buf, len);
	else
		warn("lost the record of a call", "too long for its buffer", E2BIG);
	if (c->scratch)
		scratch_release(c->scratch);
	stack_call_end();
	pthread_setcancelstate(c->cancel_state, NULL);
	errno = c->result_errno;
}

_Static_assert(sizeof ((struct scratch *)0)->ips == CALL_WAIT_IPS * sizeof(void *), "CALL_WAIT_IPS is the scratch's");

/* (A cancelled thread ends: calls_in_progress, its own, goes with it.) */
void call_wait_begin(struct call *c, void **ips)
{
	if (c->scratch) {
		memcpy(ips, c->scratch->ips, (size_t)c->nips * sizeof *ips);
		scratch_release(c->scratch);
	}
	pthread_setcancelstate(c->cancel_state, NULL);
}

/* Without a slot now (all taken meanwhile), the record is the spare one,
 * and has no backtrace. */
void call_wait_end(struct call *c, void *const *ips)
{
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	if (!c->scratch) /* (given back, it still says whether there was one) */
		return;
	c->scratch = scratch_claim();
	if (c->scratch)
		memcpy(c->scratch->ips, ips, (size_t)c->nips * sizeof *ips);
	else
		c->nips = 0;
}

void call_leave_int(struct call *c, long long ret, bool failed)
{
	c->a.ret = ret;
	leave(c, failed);
}

void call_leave_ptr(struct call *c, const void *ret, bool failed)
{
	c->a.ret_addr = (uintptr_t)ret;
	leave(c, failed);
}

bool own_work_begin(int *saved, bool exact)
{
	if (shim_busy || !(exact ? proc_is_self_exact() : proc_is_self()))
		return false;
	*saved = errno;
	shim_busy = 1;
	ensure_init();
	return true;
}

void own_work_end(int saved)
{
	shim_busy = 0;
	errno = saved;
}

/* After fork the child numbers its own calls from 1. */
void call_reset_child(void)
{
	atomic_store(&call_seq, 0);
}
