/* The life of every segment across the processes of a run: created (by
 * whom, where), attached and detached, marked for removal, destroyed when
 * its last attachment goes.  fork inherits attachments; exec and exit drop
 * them; an id the kernel reuses after removal is a new segment.
 *
 * Fed the merged records one by one; memory follows the live segments,
 * processes and distinct call sites, not the length of the trace.
 * POSIX names (shm_open/shm_unlink) are followed the same way, and keys are
 * traced back to the ftok() call that made them.
 * model_finish() turns what is left into the findings (findings.h). */
#ifndef SHMTRACE_MODEL_H
#define SHMTRACE_MODEL_H

#include <jansson.h>

#include "../common/calls.h"
#include "findings.h"
#include "map.h"
#include "reader.h"
#include "symbolize.h"

struct model {
	struct reader *reader;
	struct symbolizer *symbols; /* the caller's: a sweep keeps one for all its runs */
	struct map segments;  /* seg_key(namespace, shmid) -> struct segment, the current one */
	struct map processes; /* pid -> struct process */
	struct map misuse_groups;     /* hash of kind, site and more -> struct misuse_finding */
	struct map undetached_groups; /* hash of site and end -> struct undetached_finding */
	struct map removed;   /* seg_key or obj_key -> struct tomb: recently destroyed ids */
	struct map ipc_objects; /* obj_key -> struct ipc_object: sets and queues, the current ones */
	struct map externals; /* seg_key -> noted once: segment created outside the trace */
	struct map posix;     /* hash of name -> struct posix_name, not unlinked yet */
	struct map ftoks;     /* key -> struct ftok_origin, the first seen */
	struct tomb_ring *tombs;
	json_t *kernel_before, *kernel_after;
	json_t *run_processes; /* run's "processes" record: the kernel's word on the run's pids */
	struct map run_pids;   /* its pids -> 1 */
	/* The run's IPC namespace: run's tables', else the first process's;
	 * records without "ipc_ns" (older traces) are in it.  0: unknown. */
	unsigned long long run_ns;
	int own_pids_only; /* kernel diff: only segments whose creator is in the trace */
	/* Segments made by traced calls and not destroyed yet, and their most. */
	struct {
		long long segments;
		unsigned long long bytes; /* sizes come from the trace: wrap, never overflow */
	} live, peak;
	unsigned long long peak_ts;
	struct findings *found; /* filled as the records come, finished by model_finish */
};

int model_init(struct model *m, struct reader *r, struct symbolizer *symbols);
void model_feed(struct model *m, const struct record *rec, struct trace_file *file);
/* The findings, complete but for the summary's totals (findings_summarize);
 * the caller owns them (findings_free), the model keeps no reference. */
struct findings *model_finish(struct model *m);
void model_free(struct model *m);

/* analyze.c: every record of R through a model: its findings, without the
 * summary's totals (findings_summarize); NULL without memory.  TL, if not
 * NULL, is fed the same records (the pictures' timeline). */
struct timeline;
struct findings *analyze_reader(struct reader *r, int own_pids_only, struct symbolizer *symbols, struct timeline *tl);
/* The whole analysis of PATHS, summary included; NULL if they cannot be
 * read (said on stderr). */
struct findings *report_analyze(char *const *paths, int npaths, int own_pids_only, struct symbolizer *symbols);

#endif
