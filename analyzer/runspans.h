/* Whether a pid was the run's at a moment, from run's `processes` record
 * (the kernel's fork and exit events, never a trace): the one test behind
 * a segment's creator (finish.c) and a /dev/shm name's maker (live.c). */
#ifndef SHMTRACE_RUNSPANS_H
#define SHMTRACE_RUNSPANS_H

#include <jansson.h>

/* For PID, which the run had at some time, and the moment FROM..TO
 * (CLOCK_REALTIME ns: when a segment or a name was made, as closely as
 * its clock tells): 2 when the kernel gave PID to no process not of the
 * run while the run lasted, else 1 when the run held it for the whole of
 * FROM..TO, 0 at no moment of it, -1 for part of it (cannot be decided). */
int run_span_verdict(const json_t *processes, long long pid, long long from, long long to);

/* Whether PID made something at FROM..TO as a process of the run: 1 yes,
 * 0 no, -1 cannot be decided.  Only when run saw every fork (`complete`)
 * is a pid outside `pids` not the run's, and `shared_spans` whole. */
int run_pid_verdict(const json_t *processes, long long pid, long long from, long long to);

#endif
