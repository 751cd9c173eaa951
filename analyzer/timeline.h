/* A run drawn in time, for the pictures (report --format html, chrome):
 * every SysV segment, semaphore set, message queue and POSIX name as an
 * object with a life (created, removed, destroyed), every process's
 * attachments as spans on it, and the calls worth a mark.  Fed the same merged records as the model, in
 * the same pass; it judges nothing (the findings stay the model's): it
 * only places things in time.
 *
 * Unlike the model, its memory grows with the run: one entry per object,
 * span and process, and per call only when asked for all calls (chrome). */
#ifndef SHMTRACE_TIMELINE_H
#define SHMTRACE_TIMELINE_H

#include <stddef.h>

#include "map.h"
#include "reader.h"

/* A SysV segment, a POSIX name, a semaphore set, a message queue.  A set's
 * or queue's id is in `shmid`, a set's count of semaphores in `size`. */
enum tl_kind { TL_SYSV, TL_POSIX, TL_SEM, TL_MSG };

/* How an object's or a span's life ended; TL_OPEN: it had not by the end. */
enum tl_end {
	TL_OPEN,
	TL_DESTROYED, /* removed, last attachment gone */
	TL_UNLINKED,  /* POSIX: shm_unlink */
	TL_REPLACED,  /* the id or name began a new life the trace did not see end */
	TL_DETACHED,  /* span: shmdt */
	TL_EXIT,      /* span: the process exited */
	TL_EXEC,      /* span: the process ran a new program */
	TL_KILLED,    /* span: a signal killed the process */
	TL_REMAPPED,  /* span: a later shmat (SHM_REMAP) took its place */
};

struct tl_object {
	int kind;
	int shmid;
	unsigned key;
	unsigned long long size, ipc_ns;
	int name; /* POSIX: string index */
	unsigned long long t0, t1;
	int end;
	int traced_create; /* 0: found existing (created before or outside the trace) */
	int creator;       /* process index, -1 */
	int create_stack;  /* stack index, -1 */
	int rm_proc, rm_stack; /* IPC_RMID or shm_unlink: process and stack, -1 */
	unsigned long long rm_ts;
	long nattach;      /* while feeding */
};

struct tl_span {
	int object, proc;
	unsigned long long addr, t0, t1;
	int end;
	int inherited; /* from the parent at fork */
	int stack, end_stack; /* shmat's and shmdt's, -1 */
};

struct tl_call {
	unsigned long long ts, dur;
	int proc, tid;
	int call;    /* enum call_id */
	int err;     /* string index of the errno name, -1 on success */
	int injected;
	int stack;
	int object;  /* -1: none known */
	long long ret;
};

struct tl_process {
	int pid, ppid;
	int exe, argv; /* string indexes, -1 */
	unsigned long long t0, t1;
	int end;     /* TL_OPEN, TL_EXIT, TL_KILLED */
	int signal;  /* string index, -1 */
	unsigned long long ipc_ns;
	/* while feeding: its open spans */
	int *open;
	size_t nopen, capopen;
};

struct tl_strings {
	char **s;
	size_t n, cap;
	struct map index; /* hash (probed on collision) -> index + 1 */
};

struct timeline {
	int all_calls; /* keep every call (chrome), not only those marked */
	struct tl_object *objects;
	struct tl_span *spans;
	struct tl_call *calls;
	struct tl_process *procs;
	size_t nobjects, nspans, ncalls, nprocs;
	size_t capobjects, capspans, capcalls, capprocs;
	const struct stack **stacks; /* by stack index */
	size_t nstacks, capstacks;
	struct map stack_index;      /* struct stack * -> index + 1 */
	struct tl_strings strings;
	struct map proc_by_pid;      /* pid -> process index + 1, the current one */
	struct map sysv;             /* (ipc_ns, shmid) -> object index + 1, the last one */
	struct map posix;            /* hash of the name -> object index + 1, the last one */
	struct map ipc[2];           /* sets, queues: (ipc_ns, id) -> object index + 1, the last one */
	unsigned long long run_ns, t_first, t_last;
	int out_of_memory;
};

void timeline_init(struct timeline *t, int all_calls);
void timeline_feed(struct timeline *t, const struct record *rec);
/* Ends what is still open at the last time seen. */
void timeline_finish(struct timeline *t);
void timeline_free(struct timeline *t);

const char *timeline_string(const struct timeline *t, int index); /* NULL for -1 */
/* The index of S in the timeline's strings, added if new; -1 for NULL. */
int timeline_intern(struct timeline *t, const char *s);

#endif
