/* shmtrace sweep: the pieces shared by sweep.c (plan, options, clean run,
 * classifying), sweep_runs.c (launching runs, waiting, cleaning up) and
 * sweep_output.c (the results as text or JSON). */
#ifndef SHMTRACE_SWEEP_H
#define SHMTRACE_SWEEP_H

#include <stdio.h>
#include <sys/types.h>

#include "../analyzer/findings.h"
#include "../analyzer/sweep_plan.h"
#include "../analyzer/symbolize.h"

struct sweep_options {
	int jobs;
	double timeout;
	const char *errnos; /* NULL: each call's default; "all"; or a comma list */
	int by_site;        /* -1: decide from the clean run's call count */
	const char *format;
	const char *keep;   /* -o DIR: keep the runs' traces there */
	int backtrace;
	char **command;
	unsigned long max_runs; /* --max-runs: a plan of more is refused */
	const char *max_size;   /* --max-size, passed on to each run; NULL: run's default */
};

enum sweep_outcome { OUTCOME_HANDLED, OUTCOME_CRASHED, OUTCOME_HUNG, OUTCOME_DAEMON, OUTCOME_LEAKED, OUTCOME_FAILED };
extern const char *const sweep_outcome_name[];

/* One run: the rule it injects and, once done, how it ended. */
/* The kinds of object a run may leave, as sweep counts them. */
enum leak_kind { LEAK_SEGMENT, LEAK_SET, LEAK_QUEUE, LEAK_NAME, LEAK_KINDS };

struct sweep_run {
	char rule[512];
	char dir[4096];
	pid_t pid;
	double deadline;
	int status;  /* wait status */
	int hung;
	/* What it fails: a call of the plan, with this errno (0: the call's own). */
	const struct target *target;
	int errno_planned;
	/* Once done: the call its rule made fail, if it was reached, and what
	 * the run left. */
	int injected;
	struct injected_call call;
	enum sweep_outcome outcome;
	size_t daemons;
	long leaked;                     /* what it left that the clean run did not, of every kind */
	long leaked_by_kind[LEAK_KINDS]; /* ... by kind */
	int incomplete; /* its trace is known to be incomplete (or unread) */
	/* A process of the run killed by a crashing signal the clean run's
	 * processes were not (a worker whose parent exits 0): "SIGSEGV". */
	char crashed_child[16];
};

/* What sweep did with what its runs left in the kernel and /dev/shm:
 * removed (the kernel confirms it theirs), or kept (it does not). */
struct sweep_cleanup {
	long long removed;
	unsigned long long *kept_keys; /* what is kept, once each */
	size_t nkept;
};

struct sweep {
	struct sweep_options o;
	struct plan plan;
	char root[3072];
	struct sweep_run clean;
	struct findings *clean_report;
	int by_site_chosen; /* --by site was chosen for the clean run's many calls */
	struct symbolizer symbols; /* shared by every run's analysis */
	struct sweep_run *run;
	size_t nruns, done;
	struct { int handled, crashed, hung, daemon, leaked, failed, not_reached; } count;
	struct sweep_cleanup cleanup;
};

#define EXIT_NOTHING_SWEPT 2 /* no run made its call fail: no verdict */
#define AUTO_SITE_THRESHOLD 100 /* calls in the clean run above which --by site is chosen */
/* The plan comes from the clean run's trace, which the program can write:
 * 150 forged sites made 152 runs, millions would make days of them. */
#define SWEEP_MAX_RUNS_DEFAULT 10000

/* The results; each returns 0, or -1 if writing failed. */
int sweep_print_json(FILE *out, const struct sweep *s);
int sweep_print_text(FILE *out, const struct sweep *s);
/* The name of errno E, NULL for 0. */
const char *sweep_errno_name(int e);

/* Starts `shmtrace run` for R in its own process group. 0 or -1. */
int sweep_start(const struct sweep_options *o, struct sweep_run *r);
/* Runs R[0..n) with at most o->jobs at a time; calls done(i) as each ends. */
void sweep_run_all(const struct sweep_options *o, struct sweep_run *r, size_t n, void (*done)(size_t i, void *ctx),
		   void *ctx);
/* Removes the segments a run's report lists as leaked, if the kernel still
 * has them with the same creator. */
struct findings;
void sweep_remove_leaks(const struct findings *report, struct sweep_cleanup *counts);
double now_seconds(void);
/* The signal that interrupted sweep_run_all (its runs ended), or 0. */
int sweep_interrupted(void);

#endif
