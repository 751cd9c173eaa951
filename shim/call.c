#include "call.h"

#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#include "../common/xlat.h"

/* Calls of this process, numbered from 1 in the order they returned. */
static _Atomic unsigned long long call_seq;

/* The guard (shim_busy) covers only what must not be entered twice by one
 * thread: start-up, libunwind and the stack table.  A signal handler that
 * interrupts the real call, or our formatting and writing, is traced like
 * any other caller; one that interrupts the guarded parts goes straight to
 * the real function. */
bool call_enter(struct call *c, enum call_id id)
{
	if (shim_busy)
		return false;
	shim_busy = 1;
	c->entry_errno = errno;
	ensure_init();
	if (!ensure_file()) {
		shim_busy = 0;
		errno = c->entry_errno;
		return false;
	}
	c->name = call_table[id].name;
	c->rule = -1;
	c->nips = bt_capture(c->ips, proc.capture_depth);
	shim_busy = 0;
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
	c->rule = inject_decide(facts, c->ips, c->nips, &err);
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
	jw_init(w, c->buf, sizeof c->buf);
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

static void result_errno(struct call *c, bool failed)
{
	struct jw *w = &c->w;
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
	bt_write_stack_field(&c->w, c->ips, c->nips < proc.backtrace_depth ? c->nips : proc.backtrace_depth);
	shim_busy = 0;
	jw_close(&c->w, '}');
	size_t len = jw_finish(&c->w);
	if (len)
		out_write(c->buf, len);
	errno = c->result_errno;
}

/* After fork the child numbers its own calls from 1. */
void call_reset_child(void)
{
	atomic_store(&call_seq, 0);
}
