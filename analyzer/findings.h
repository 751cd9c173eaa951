/* What the report found, as C structs: the model fills them, the renderers
 * (render_json.c, render_text.c, render_sarif.c), suppressions, --live and
 * sweep read them.  A field is a member, so a misspelt one does not
 * compile; the JSON names live in render_json.c alone (docs/report-format.md). */
#ifndef SHMTRACE_FINDINGS_H
#define SHMTRACE_FINDINGS_H

#include <jansson.h>
#include <stddef.h>

#include "../common/calls.h"
#include "../common/sysvipc.h"

/* A frame of a backtrace, symbolized (symbolize.h); strings owned. */
struct symframe {
	unsigned long long ip;
	char *module; /* NULL when the trace had none; then no offset */
	unsigned long long offset;
	char *function; /* NULL if unknown */
	char *file;     /* NULL if no line information; then no line */
	int line;
};

/* Innermost first; n == 0 when there was none. */
struct backtrace {
	struct symframe *at;
	size_t n;
};

/* Whether MODULE is the C library's or the loader's: a frame every stack
 * has (__libc_start_call_main), no finding's own place. */
int in_c_runtime(const char *module);
/* For a name in /dev/shm that glibc's sem_open made ("/sem.X", a named
 * semaphore), "X": what the program called it, less its '/'; else NULL. */
const char *named_semaphore(const char *name);
/* The first frame with a function name outside the C runtime, or NULL. */
const char *backtrace_function(const struct backtrace *b);
void backtrace_free(struct backtrace *b);

/* What --live saw now (live.h); checked == 0 when it did not look. */
/* The segment the kernel now has under a leak's id, when it is not the
 * leak's: the leak's is gone, its id given to another (live.h). */
struct reused_id {
	int set;
	unsigned key;
	unsigned long long size;
	int cpid;
	long long uid;
};

struct live_now {
	int checked, present, confirmed;
	int elsewhere; /* in another IPC namespace than the report's: not looked at */
	int of_segment; /* a SysV segment's: nattch and cpid are known when present */
	unsigned long long nattch;
	int cpid;
	char *remove; /* the command that removes it, when confirmed */
	struct reused_id id_reused_by;
};

/* A process attached to a leaked segment at the end, or when a signal
 * killed it. */
struct attacher {
	int pid;
	char *program; /* NULL: unknown */
	unsigned long long addr;
	char *killed_by; /* the signal's name; NULL: still attached */
};

struct leak_finding {
	int shmid;
	unsigned key;
	unsigned long long size;
	int pid;       /* the creator: traced, or the kernel's cpid */
	char *program; /* NULL: unknown */
	int seen_by_trace;
	unsigned long long created_ts; /* traced only */
	struct backtrace stack;
	struct attacher *attached;
	size_t nattached;
	int in_kernel;             /* 1 yes, 0 no, -1 not known (another namespace's, no table) */
	unsigned long long ipc_ns; /* traced only; 0: unknown */
	const char *note;          /* untraced only: why nothing traced made it */
	int has_kernel_cpid;
	long long kernel_cpid;
	int removable;
	char *suppression; /* --gen-suppressions */
	struct live_now live;
};

/* A semaphore set or message queue created by a traced semget or msgget
 * and never removed (model_sysv.c). */
struct ipc_leak_finding {
	enum sysv_kind kind;
	int id; /* semid or msqid */
	unsigned key;
	unsigned long long nsems; /* sets: what semget asked for */
	int pid;                  /* the creator, as the trace says */
	char *program;            /* NULL: unknown */
	unsigned long long created_ts;
	struct backtrace stack;
	int in_kernel;             /* 1 yes, 0 no, -1 not known (another namespace's, no table) */
	unsigned long long ipc_ns; /* 0: unknown */
	int has_kernel;            /* the kernel's table at the end had it: */
	long long kernel_cuid, kernel_ctime;
	unsigned long long kernel_qnum, kernel_cbytes; /* queues: what was left in it */
	int removable; /* what the kernel confirms makes it the run's (docs/security.md) */
	char *suppression;
	struct live_now live;
};

struct posix_finding {
	char *name;
	int pid;
	char *program; /* NULL: unknown */
	unsigned long long created_ts; /* traced only */
	struct backtrace stack;
	char *suppression;
	struct live_now live;
	int untraced;     /* made by a process of the run, as run's watch saw, without a traced call */
	const char *note; /* untraced only: how it may have been made */
};

struct unremoved_key {
	unsigned key;
	long long segments;
	int *shmids;
	size_t nshmids;
	int *semids, *msqids; /* the sets and queues left under it */
	size_t nsemids, nmsqids;
	char **programs; /* distinct, a NULL entry for unknown */
	size_t nprograms;
	char *ftok_path; /* the ftok call that made it, if traced; else NULL */
	long long ftok_id;
};

enum ended_by { ENDED_BY_EXIT, ENDED_BY_EXEC, ENDED_BY_END_OF_TRACE };
extern const char *const ended_by_name[];

struct undetached_finding {
	long long count;
	struct backtrace stack;
	int pid;
	char *program;
	int shmid;
	unsigned key;
	unsigned long long addr;
	enum ended_by ended_by;
	char *suppression;
};

enum misuse_kind {
	MISUSE_FAILED_CALL,
	MISUSE_SHMDT_NOT_ATTACHED,
	MISUSE_USE_AFTER_REMOVE,
	MISUSE_ATTACH_AFTER_REMOVE,
	MISUSE_DOUBLE_REMOVE,
	MISUSE_CREATED_OUTSIDE_TRACE,
	MISUSE_FTOK_COLLISION,
	MISUSE_KINDS
};
extern const char *const misuse_kind_name[MISUSE_KINDS];

/* What a misuse's id names: a segment's (shmid), a set's (semid) or a
 * queue's (msqid). */
enum misuse_object { OF_SEGMENT, OF_SEMAPHORE_SET, OF_MESSAGE_QUEUE };

/* One ftok call of a collision: the file (by path, and by device and inode
 * when the record had them), the id, and when it was called. */
struct ftok_call {
	char *path;
	long long id;
	unsigned long long first_ts, last_ts;
	int has_file_id;
	unsigned long long dev, ino;
};

struct misuse_finding {
	enum misuse_kind kind;
	long long count;
	struct backtrace stack;
	char *message;
	int pid;
	char *program;
	/* by kind: */
	char *call, *errno_name; /* failed_call */
	long long injected;      /* failed_call: how many of count were injected */
	int shmid;               /* use_after_remove, attach_after_remove, double_remove, created_outside_trace */
	enum misuse_object object; /* what shmid is the id of */
	int before_run;          /* created_outside_trace: 1, 0, -1 unknown (no table before the run) */
	int has_cpid;            /* created_outside_trace, before_run: its creator's pid */
	long long cpid;
	unsigned long long addr;     /* shmdt_not_attached */
	int removed_by_pid;          /* use_after_remove */
	struct backtrace removed_at; /* use_after_remove */
	unsigned key;                /* ftok_collision */
	struct ftok_call ftok, first_ftok; /* ftok_collision: this call, and the first file's */
	int first_pid;
	struct backtrace first_stack;
	char *suppression;
};

struct killed_process {
	int pid;
	char *program;
	char *signal;
	int core;
	long long ts;
};

/* A segment made during the run by a process not of the run. */
struct other_segment {
	int shmid;
	unsigned key;
	long long size, cpid, uid;
	int before_run; /* in run's table before the run (one a forged trace claims) */
	const char *note;
};

/* A set or queue in the kernel's table after the run, not there before,
 * made while the run lasted by a uid the run had then, that no traced call
 * made.  The kernel keeps no creator pid for sets and queues: this run's
 * (an inline semget, a static program) or another process's of that user,
 * not told apart -- so neither a leak nor nothing (exit status 2). */
struct unattributed_object {
	enum sysv_kind kind;
	int id;
	unsigned key;
	unsigned long long nsems;
	long long uid, ctime;
};

struct summary {
	long long calls[CALL_COUNT]; /* by enum call_id */
	struct {
		char name[24];
		long long count;
	} failures[64];
	int nfailures;
	long long injected, processes, removed_outside_trace, gone_with_namespace;
	struct {
		long long segments, bytes, ts;
	} peak;
	/* Totals of what is left after suppression (findings_summarize). */
	long long leaked_segments, leaked_bytes, unremoved_keys, posix_names_never_unlinked;
	long long leaked_semaphore_sets, leaked_message_queues;
	long long undetached_attachments, misuse, suppressed, unattributed;
	/* The reader's. */
	long long files, records, warnings, incomplete_files, skipped_files;
};

#define FINDINGS_LIST(T)       \
	struct {               \
		T **at;        \
		size_t n, cap; \
	}

/* Appends ITEM (a pointer) to a FINDINGS_LIST; aborts without memory. */
#define FINDINGS_PUSH(list, item)                                                              \
	do {                                                                                   \
		if ((list)->n == (list)->cap) {                                                \
			(list)->cap = (list)->cap ? (list)->cap * 2 : 8;                       \
			(list)->at = findings_realloc((list)->at, (list)->cap * sizeof *(list)->at); \
		}                                                                              \
		(list)->at[(list)->n++] = (item);                                              \
	} while (0)

struct findings {
	FINDINGS_LIST(struct leak_finding) leaks;
	FINDINGS_LIST(struct unremoved_key) keys;
	FINDINGS_LIST(struct posix_finding) names;
	FINDINGS_LIST(struct ipc_leak_finding) ipc_leaks; /* sets and queues, by creation */
	FINDINGS_LIST(struct undetached_finding) undetached;
	FINDINGS_LIST(struct misuse_finding) misuse;
	FINDINGS_LIST(struct killed_process) killed;
	FINDINGS_LIST(struct other_segment) others;
	FINDINGS_LIST(struct unattributed_object) unattributed;
	struct summary summary;
	/* run's facts on the run, as its kernel.jsonl says them ({"complete",
	 * "pids", "left_running", "started_realtime", "dev_shm_before"}), for
	 * --live and sweep; NULL without them. */
	json_t *run;
	/* The kernel.jsonl that another user could have written (owned by
	 * another, or writable by others): its word confirms nothing, no
	 * leak is removable, --live prints no removal.  NULL: none. */
	char *run_untrusted;
};

void *findings_realloc(void *p, size_t size);
/* calloc that aborts: a finding half made is no use. */
void *findings_alloc(size_t size);
char *findings_strdup(const char *s); /* NULL stays NULL */
void findings_free(struct findings *f);
void leak_finding_free(struct leak_finding *l);
void posix_finding_free(struct posix_finding *p);
void ipc_leak_finding_free(struct ipc_leak_finding *l);
void undetached_finding_free(struct undetached_finding *u);
void misuse_finding_free(struct misuse_finding *m);
void unremoved_key_free(struct unremoved_key *k);

/* Takes the run's record in PATH as testimony (findings.run_untrusted). */
void findings_distrust_run(struct findings *f, const char *path);

/* Fills the summary's totals from the lists, and the reader's counts. */
struct reader;
void findings_summarize(struct findings *f, const struct reader *r, long suppressed);

#endif
