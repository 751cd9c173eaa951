/* The model's state, shared by model.c (feeding records; processes,
 * segments and attachments), model_calls.c (what each call does),
 * model_names.c (POSIX names and ftok keys), model_sysv.c (semaphore sets
 * and message queues) and finish.c (what is left at the end).
 * Nothing outside the model includes this. */
#ifndef SHMTRACE_MODEL_STATE_H
#define SHMTRACE_MODEL_STATE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/fnv.h"
#include "model.h"

#define TOMBS 4096 /* destroyed ids remembered, to name a later use of one */

struct segment {
	int shmid;
	unsigned long long ipc_ns; /* the IPC namespace the id belongs to */
	unsigned key;
	unsigned long long size;
	int traced_create; /* created by a traced shmget, not found existing */
	int creator_pid;
	char *creator_exe;
	struct stack *create_stack;
	unsigned long long create_ts;
	int removed;  /* IPC_RMID seen */
	int orphaned; /* replaced in the table while still attached (a gap in the trace) */
	long nattach;
	struct attacher *killed_attached; /* who was attached when a signal killed them */
	size_t nkilled;
};

struct attachment {
	unsigned long long addr;
	struct segment *seg;
	struct stack *stack;
	int inherited; /* from the parent at fork, not this process's shmat */
	struct attachment *next;
};

struct process {
	int pid, ppid;
	unsigned long long ipc_ns; /* where its calls are: its record's, or the run's */
	char *exe;
	struct attachment *att;
	int ended;
};

struct tomb {
	uint64_t seg_key;
	int shmid;
	int pid;
	struct stack *stack;
};

/* A POSIX shared-memory name created by a traced shm_open. */
struct posix_name {
	char *name;
	int pid;
	char *exe;
	struct stack *stack;
	unsigned long long ts;
	int has_file_id; /* the file shm_open made is (dev, ino) */
	unsigned long long dev, ino;
};

/* The file and id a key came from (ftok), and when they were used. */
struct ftok_origin {
	char *path;
	long long id;
	int has_file_id; /* the file is (dev, ino); else known by path only */
	unsigned long long dev, ino;
	int pid;
	struct stack *stack;
	unsigned long long first_ts, last_ts; /* its ftok calls */
	int got_segment; /* a shmget used its key since */
};

/* A semaphore set or message queue: nothing attaches to either, so it is
 * gone the moment IPC_RMID succeeds (semctl(2), msgctl(2)). */
struct ipc_object {
	enum sysv_kind kind;
	int id;
	unsigned long long ipc_ns;
	unsigned key;
	unsigned long long nsems;
	int traced_create; /* created by a traced semget or msgget */
	int creator_pid;
	char *creator_exe;
	struct stack *create_stack;
	unsigned long long create_ts;
};

struct tomb_ring {
	struct tomb t[TOMBS];
	unsigned next;
};

/* ---- reading fields ------------------------------------------------- */

static inline const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline long long num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* Segment ids are per IPC namespace (ipc_namespaces(7)): the model's maps
 * key a segment by both.  Namespaces are inode numbers of nsfs, 32 bits. */
static inline uint64_t seg_key(unsigned long long ipc_ns, int shmid)
{
	return (uint64_t)ipc_ns << 32 | (uint32_t)shmid;
}

/* The namespace whose table run took: the snapshot's, or else the run's. */
static inline unsigned long long table_ns(const struct model *m, const json_t *snapshot)
{
	long long ns = json_integer_value(json_object_get(snapshot, "ipc_ns"));
	return ns > 0 ? (unsigned long long)ns : m->run_ns;
}

/* SHMID of namespace IPC_NS in one of run's kernel tables (kernel.jsonl),
 * or NULL: run can read only its own namespace's table. */
static inline const json_t *in_table(const struct model *m, const json_t *snapshot, unsigned long long ipc_ns,
				     int shmid)
{
	size_t i;
	json_t *seg;
	if (!snapshot || table_ns(m, snapshot) != ipc_ns)
		return NULL;
	json_array_foreach(json_object_get(snapshot, "segments"), i, seg)
	{
		if (num(seg, "shmid") == shmid)
			return seg;
	}
	return NULL;
}

/* The model's key of a set's or queue's id: a segment's (seg_key) moved
 * by a constant per kind, so that a set, a queue and a segment of one id
 * are apart in the tombs' map (seg_key uses all 64 bits; for two keys to
 * meet, two namespaces' inodes would have to differ by that constant's
 * upper half exactly). */
static inline uint64_t obj_key(enum sysv_kind kind, unsigned long long ipc_ns, int id)
{
	return seg_key(ipc_ns, id) ^ (uint64_t)(kind + 1) * 0x9e3779b97f4a7c15ull;
}

static inline unsigned long long hexnum(const json_t *o, const char *key)
{
	const char *s = str(o, key);
	return s ? strtoull(s, NULL, 16) : 0;
}

static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static inline uint64_t hash_str(const char *s)
{
	return fnv_str(FNV_INIT, s);
}

/* model.c: processes, segments and attachments. */
struct process *model_process(struct model *m, int pid);
/* The segment the kernel now calls SHMID in namespace IPC_NS (see model.c). */
struct segment *model_segment(struct model *m, unsigned long long ipc_ns, int shmid, const struct process *p,
			      struct stack *stack);
/* A segment just made by shmget, replacing any the model had with its id. */
struct segment *model_new_segment(struct model *m, unsigned long long ipc_ns, int shmid);
/* IPC_RMID of S: remembered, to name a later use of its id. */
/* The same for any id: KEY as seg_key or obj_key gives it. */
void model_bury_key(struct model *m, uint64_t key, int id, int pid, struct stack *stack);
static inline void model_bury(struct model *m, struct segment *s, int pid, struct stack *stack)
{
	model_bury_key(m, seg_key(s->ipc_ns, s->shmid), s->shmid, pid, stack);
}
void model_maybe_destroy(struct model *m, struct segment *s);
void model_attach(struct process *p, struct segment *s, unsigned long long addr, struct stack *stack, int inherited);
/* Detaches and frees A, destroying its segment if that was the last use. */
void model_drop(struct model *m, struct attachment *a);
void model_end_processes(struct model *m, enum ended_by ended_by);
/* The misuse of this kind at this site (MORE tells apart others there):
 * counted if seen before (*fresh 0), else a new finding (*fresh 1);
 * FRESH may be NULL. */
struct misuse_finding *model_misuse(struct model *m, enum misuse_kind kind, const struct process *p,
				    struct stack *stack, uint64_t more, const char *message, int *fresh);

/* model_calls.c: what a call record does to the model. */
void on_call(struct model *m, const struct call_rec *c, struct stack *stack);

/* model_names.c: POSIX names and ftok keys. */
void on_shm_open(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack);
void on_shm_unlink(struct model *m, const struct call_rec *c);
void on_ftok(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack);
/* A shmget by KEY: the key's ftok file is in use through its segment. */
void ftok_key_used(struct model *m, unsigned key);
void names_untraced(struct model *m);
/* Into AFTER, run's /dev/shm after the run, and its device: 0 if unknown.
 * Then whether N's file is no longer at its name there: removed, renamed
 * or replaced by what no traced call did (rm, mv). */
int dev_shm_after(const struct model *m, struct map *after, unsigned long long *dev);
int posix_name_gone(const struct map *after, unsigned long long dev, const struct posix_name *n);
void names_free(struct model *m);

/* model_sysv.c: semaphore sets and message queues (and model_bury_key). */
/* What a semget/msgget (the id it returned), a removal (IPC_RMID of ID) and
 * a failed call on ID (EINVAL or EIDRM; 1 if it was a misuse) do. */
void sysv_got(struct model *m, struct process *p, enum sysv_kind kind, const struct call_rec *c,
	      unsigned long long nsems, struct stack *stack);
void sysv_removed(struct model *m, struct process *p, enum sysv_kind kind, int id, struct stack *stack);
int sysv_failed_on(struct model *m, struct process *p, enum sysv_kind kind, int id, int removing,
		   struct stack *stack);
/* Into the findings: those never removed, as the kernel's tables confirm. */
void sysv_finish(struct model *m);
void sysv_free(struct model *m);

/* finish.c: whether IPC namespace NS may still hold objects at the end. */
int model_ns_alive(struct model *m, unsigned long long ns);

#endif
