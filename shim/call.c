#include "call.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "../common/xlat.h"
#include "stack.h"

/* Calls of this process, numbered from 1 in the order they returned. */
static _Atomic unsigned long long call_seq;

/* The steps of call_enter that may need room on the stack (stack.h): the
 * trace file's opening, the first unwind, the backtrace. */
struct entering {
	struct call *c;
	bool traced;
	bool cramped; /* no room for a backtrace */
};

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
bool call_enter(struct call *c, enum call_id id)
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
	/* Our steps hold cancellation off: libunwind writes to a pipe and a
	 * file may be opened or grown, each a cancellation point, while shm
	 * calls are none (a thread cancelled inside them would also leave a
	 * lock of ours taken). */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &c->cancel_state);
	shim_busy = 1;
	struct entering e = {c, false, false};
	if (run_with_room(enter_guarded, &e) != 0) {
		e.cramped = true;
		enter_guarded(&e);
	}
	shim_busy = 0;
	if (!e.traced) {
		pthread_setcancelstate(c->cancel_state, NULL);
		stack_call_end();
		errno = c->entry_errno;
		return false;
	}
	c->name = call_table[id].name;
	c->rule = -1;
	/* Unwinding may touch errno; the real call must see the caller's. */
	errno = c->entry_errno;
	c->t0 = now_ns(CLOCK_MONOTONIC);
	return true;
}

bool call_inject(struct call *c, const struct call_facts *facts)
{
	int err;
	if (!inject_rules.n)
		return false;
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

	struct jw *w = &c->w;
	if (c->scratch)
		jw_init(w, c->scratch->record, sizeof c->scratch->record);
	else
		jw_init(w, c->spare, sizeof c->spare);
	jw_open(w, '{');
	jw_key(w, "event"), jw_str(w, EV_CALL, 16);
	jw_key(w, "call"), jw_str(w, c->name, 32);
	jw_key(w, "seq"), jw_uint(w, atomic_fetch_add(&call_seq, 1) + 1);
	jw_key(w, "pid"), jw_int(w, proc.pid);
	jw_key(w, "tid"), jw_int(w, current_tid());
	jw_key(w, "ts"), jw_uint(w, c->t0);
	jw_key(w, "dur"), jw_uint(w, t1 - c->t0);
	if (via_syscall)
		jw_key(w, "via"), jw_str(w, "syscall", 8);
	jw_key(w, "args"), jw_open(w, '{');
}

/* Room kept for what follows an argument string: the other arguments, the
 * result, the injected rule, and an interned stack or its omission. */
#define RECORD_TAIL (INJECT_RULE_TEXT * 6 + 512)

void call_arg_str(struct call *c, const char *key, const char *s, size_t max)
{
	struct jw *w = &c->w;
	jw_key(w, key);
	if (!s) {
		jw_lit(w, "null");
		return;
	}
	size_t room = jw_room(w) > RECORD_TAIL ? (jw_room(w) - RECORD_TAIL) / 6 : 0; /* 6: \u00XX */
	if (max > room)
		max = room;
	jw_str(w, s, max);
	if (strnlen(s, max + 1) > max) {
		char cut[48];
		size_t n = strlen(key);
		if (n > sizeof cut - sizeof "_truncated")
			n = sizeof cut - sizeof "_truncated";
		memcpy(cut, key, n);
		memcpy(cut + n, "_truncated", sizeof "_truncated");
		jw_key(w, cut), jw_lit(w, "true");
	}
}

static void result_errno(struct call *c, bool failed)
{
	struct jw *w = &c->w;
	/* A call that succeeds leaves errno as the caller had it, as libc's
	 * do: our own steps (the probe for "created") may have changed it. */
	if (!failed)
		c->result_errno = c->entry_errno;
	jw_key(w, "errno");
	if (!failed) {
		jw_lit(w, "null");
	} else {
		const char *name = xlat_name(xlat_errnos, (unsigned long)c->result_errno);
		if (name)
			jw_str(w, name, 32);
		else
			jw_int(w, c->result_errno); /* a number no table names */
	}
	jw_key(w, "injected"), jw_lit(w, c->rule >= 0 ? "true" : "false");
	if (c->rule >= 0)
		jw_key(w, "rule"), jw_str(w, inject_rules.rule[c->rule].text, INJECT_RULE_TEXT);
}

void call_result_int(struct call *c, long long ret, bool failed)
{
	jw_close(&c->w, '}'); /* args */
	jw_key(&c->w, "ret"), jw_int(&c->w, ret);
	result_errno(c, failed);
}

void call_result_ptr(struct call *c, const void *ret, bool failed)
{
	jw_close(&c->w, '}'); /* args */
	jw_key(&c->w, "ret"), jw_hex(&c->w, (uintptr_t)ret);
	result_errno(c, failed);
}

void call_leave(struct call *c)
{
	shim_busy = 1;
	/* More frames may have been taken for caller= rules than are recorded. */
	bt_write_stack_field(&c->w, c->scratch ? c->scratch->ips : NULL,
			     c->nips < proc.backtrace_depth ? c->nips : proc.backtrace_depth);
	shim_busy = 0;
	jw_close(&c->w, '}');
	size_t len = jw_finish(&c->w);
	if (len)
		out_write(c->w.buf, len);
	else
		warn("lost the record of a call", "too long for its buffer", E2BIG);
	if (c->scratch)
		scratch_release(c->scratch);
	stack_call_end();
	pthread_setcancelstate(c->cancel_state, NULL);
	errno = c->result_errno;
}

/* After fork the child numbers its own calls from 1. */
void call_reset_child(void)
{
	atomic_store(&call_seq, 0);
}
