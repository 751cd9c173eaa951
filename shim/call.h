/* The frame shared by every wrapper: guard, errno, timing, backtrace and the
 * common fields of a call record.  A wrapper is then
 *
 *     struct call c;
 *     if (!call_enter(&c, CALL_SHMDT)) return real.shmdt(addr);
 *     c.a.shmaddr = (uintptr_t)addr;        ...its fields (call_table.h)...
 *     int ret = call_inject(&c) ? -1 : real.shmdt(addr);
 *     call_returned(&c);
 *     call_leave_int(&c, ret, ret == -1);
 *     return ret;
 */
#ifndef SHMTRACE_CALL_H
#define SHMTRACE_CALL_H

#include <stdbool.h>

#include "../common/calls.h"
#include "../common/trace_format.h"
#include "inject.h"
#include "jsonw.h"
#include "record.h"
#include "scratch.h"
#include "shim.h"

/* semctl(2): the caller defines union semun (wrappers_sysv.c, and
 * syscall(SYS_semctl) in wrappers.c). */
union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

/* The record of a call when the pool has no slot for it: no backtrace, and
 * strings cut to fit. */
#define CALL_SPARE_RECORD 1024

struct call {
	enum call_id id;
	struct call_args a; /* the record's fields, written at call_leave */
	int rule; /* the injection rule that made it fail, or -1 */
	int entry_errno;
	int result_errno;
	int cancel_state; /* the program's, given back at the end */
	uint64_t t0;
	int nips;
	struct scratch *scratch; /* backtrace and record; NULL: the spare below */
	char spare[CALL_SPARE_RECORD];
};

/* False when the call must go straight to the real function untraced. */
HIDDEN bool call_enter(struct call *c, enum call_id id);
/* True if a rule makes this call fail (the facts it matches are the
 * arguments in c->a): errno is set, the real call must not be made. */
HIDDEN bool call_inject(struct call *c);
/* Right after the real call: keeps errno and the time. */
HIDDEN void call_returned(struct call *c);
/* Writes the record and gives the caller back the errno the call should
 * leave: the real call's on failure, the caller's own on success. */
HIDDEN void call_leave_int(struct call *c, long long ret, bool failed);
HIDDEN void call_leave_ptr(struct call *c, const void *ret, bool failed);
/* Whether the call created its segment, object, set or queue: CREATED as
 * the probe found it (ipcget.h), known only when the call succeeded. */
HIDDEN void note_created(struct call *c, bool failed, int created);

/* A real call that may wait (semop, msgsnd, msgrcv) is a cancellation
 * point: the program's cancel state is given back while it waits.  Nothing
 * of ours is held meanwhile -- the scratch slot is given back, the
 * backtrace kept on the caller's stack -- so that a thread cancelled in
 * the call leaves nothing taken (and no record: the call did not return),
 * and threads that wait long take no slot from the others' calls.
 *     CALL_WAITING(&c, ret = real.semop(...));                             */
#define CALL_WAIT_IPS (BACKTRACE_MAX + 8)
HIDDEN void call_wait_begin(struct call *c, void **ips);
HIDDEN void call_wait_end(struct call *c, void *const *ips);
#define CALL_WAITING(c, statement)                  \
	do {                                        \
		void *ips_[CALL_WAIT_IPS];          \
		call_wait_begin(c, ips_);           \
		statement;                          \
		call_wait_end(c, ips_);             \
	} while (0)

#endif
