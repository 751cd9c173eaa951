/* What `shmtrace sweep` will make fail, read from the trace of a clean run:
 * every call in the order the run made them (--by call), or the first call
 * from each distinct backtrace (--by site). */
#ifndef SHMTRACE_SWEEP_PLAN_H
#define SHMTRACE_SWEEP_PLAN_H

#include <stddef.h>

#include "../common/calls.h"
#include "findings.h"

struct target {
	enum call_id call;
	unsigned long long nth;  /* the call's ordinal among its kind in the run, as when= counts */
	unsigned long long site; /* its backtrace's site hash, 0 if it had none */
	int shmctl_cmd;
	struct backtrace stack;  /* symbolized, for the report */
};

struct plan {
	struct target *targets;
	size_t n;
	unsigned long long calls[CALL_COUNT]; /* how many of each the clean run made */
	unsigned long long total;
};

/* by_site: one target per (call, site) instead of one per call.  0, or -1
 * if the clean trace cannot be read (said on stderr). */
struct symbolizer;
int sweep_plan(struct plan *p, const char *clean_dir, int by_site, struct symbolizer *symbols);
void sweep_plan_free(struct plan *p);

/* The call that a rule made fail in the run traced in DIR. */
struct injected_call {
	char errno_name[24];
	struct backtrace stack;
};
/* 1 with *out filled (backtrace_free its stack), or 0 if no rule fired. */
int sweep_injected_call(const char *dir, struct symbolizer *symbols, struct injected_call *out);

#endif
