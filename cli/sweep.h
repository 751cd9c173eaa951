/* shmtrace sweep: the pieces shared by sweep.c (plan, options, output) and
 * sweep_runs.c (launching runs, waiting, classifying, cleaning up). */
#ifndef SHMTRACE_SWEEP_H
#define SHMTRACE_SWEEP_H

#include <jansson.h>
#include <sys/types.h>

struct sweep_options {
	int jobs;
	double timeout;
	const char *errnos; /* NULL: each call's default; "all"; or a comma list */
	int by_site;        /* -1: decide from the clean run's call count */
	const char *format;
	const char *keep;   /* -o DIR: keep the runs' traces there */
	int backtrace;
	char **command;
};

/* One run: the rule it injects and, once done, how it ended. */
struct sweep_run {
	char rule[512];
	char dir[4096];
	pid_t pid;
	double deadline;
	int status;  /* wait status */
	int hung;
	json_t *result; /* filled by sweep_finish_run */
};

/* Starts `shmtrace run` for R in its own process group. 0 or -1. */
int sweep_start(const struct sweep_options *o, struct sweep_run *r);
/* Runs R[0..n) with at most o->jobs at a time; calls done(i) as each ends. */
void sweep_run_all(const struct sweep_options *o, struct sweep_run *r, size_t n, void (*done)(size_t i, void *ctx),
		   void *ctx);
/* Removes the segments a run's report lists as leaked, if the kernel still
 * has them with the same creator. */
struct findings;
void sweep_remove_leaks(const struct findings *report);
double now_seconds(void);

#endif
