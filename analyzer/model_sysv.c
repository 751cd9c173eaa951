/* Semaphore sets and message queues (sysvipc(7)): made by semget and
 * msgget, gone the moment IPC_RMID succeeds -- nothing attaches to them,
 * so there is no last detach to wait for.  A later call on a removed id is
 * a misuse, and so is a second IPC_RMID (which, unlike a segment's, fails).
 * What is left at the end is a leak when the kernel's table after the run
 * still has it.  Whether it is the run's, for --live and sweep, rests on
 * less than a segment's: the kernel keeps no creator pid for either
 * (docs/security.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_state.h"

/* Any id's removal, remembered in the model's ring of tombs: a segment's
 * (model_bury), a set's or a queue's (obj_key). */
void model_bury_key(struct model *m, uint64_t key, int id, int pid, struct stack *stack)
{
	struct tomb *t = &m->tombs->t[m->tombs->next++ % TOMBS];
	if (map_get(&m->removed, t->seg_key) == t)
		map_remove(&m->removed, t->seg_key);
	*t = (struct tomb){key, id, pid, stack};
	map_put(&m->removed, t->seg_key, t);
}

static const char *const kind_word[] = {[SYSV_SEM] = "semaphore set", [SYSV_MSG] = "message queue"};

static void object_free(struct ipc_object *o)
{
	free(o->creator_exe);
	free(o);
}

/* A new object under ID, replacing any the model had (its removal unseen). */
static struct ipc_object *object_new(struct model *m, enum sysv_kind kind, unsigned long long ns, int id)
{
	uint64_t k = obj_key(kind, ns, id);
	struct ipc_object *old = map_remove(&m->ipc_objects, k);
	if (old)
		object_free(old);
	struct ipc_object *o = findings_alloc(sizeof *o);
	*o = (struct ipc_object){.kind = kind, .id = id, .ipc_ns = ns};
	map_put(&m->ipc_objects, k, o);
	return o;
}

void sysv_got(struct model *m, struct process *p, enum sysv_kind kind, const struct call_rec *c,
	      unsigned long long nsems, struct stack *stack)
{
	int id = (int)c->ret;
	struct ipc_object *o = map_get(&m->ipc_objects, obj_key(kind, p->ipc_ns, id));
	if (c->created != 1) { /* opened: one made before the trace, or by another */
		if (!o)
			o = object_new(m, kind, p->ipc_ns, id);
		o->key = c->key;
		return;
	}
	o = object_new(m, kind, p->ipc_ns, id);
	o->key = c->key;
	o->nsems = nsems;
	o->traced_create = 1;
	o->creator_pid = p->pid;
	o->creator_exe = findings_strdup(p->exe);
	o->create_stack = stack;
	o->create_ts = c->ts;
}

void sysv_removed(struct model *m, struct process *p, enum sysv_kind kind, int id, struct stack *stack)
{
	uint64_t k = obj_key(kind, p->ipc_ns, id);
	struct ipc_object *o = map_remove(&m->ipc_objects, k);
	if (o)
		object_free(o);
	model_bury_key(m, k, id, p->pid, stack);
}

/* EINVAL or EIDRM on an id the trace saw removed, and not made again. */
int sysv_failed_on(struct model *m, struct process *p, enum sysv_kind kind, int id, int removing,
		   struct stack *stack)
{
	uint64_t k = obj_key(kind, p->ipc_ns, id);
	struct tomb *t = map_get(&m->removed, k);
	if (!t || map_get(&m->ipc_objects, k))
		return 0;
	char message[96];
	if (removing)
		snprintf(message, sizeof message, "IPC_RMID of a %s already removed", kind_word[kind]);
	else
		snprintf(message, sizeof message, "call on a %s id that was already removed", kind_word[kind]);
	struct misuse_finding *f =
		model_misuse(m, removing ? MISUSE_DOUBLE_REMOVE : MISUSE_USE_AFTER_REMOVE, p, stack, k, message, NULL);
	f->shmid = id;
	f->object = kind == SYSV_SEM ? OF_SEMAPHORE_SET : OF_MESSAGE_QUEUE;
	if (!removing) { /* the latest removal of the id */
		f->removed_by_pid = t->pid;
		backtrace_free(&f->removed_at);
		f->removed_at = symbolize_backtrace(m->symbols, t->stack);
	}
	return 1;
}

/* ---- what is left ----------------------------------------------------- */

static const char *const table_name[] = {[SYSV_SEM] = "semaphore_sets", [SYSV_MSG] = "message_queues"};
static const char *const id_name[] = {[SYSV_SEM] = "semid", [SYSV_MSG] = "msqid"};

/* The line of ID in one of run's tables of KIND, or NULL; *listed: the
 * table is of namespace NS and has that list (an older run's has none). */
static const json_t *in_objects(const struct model *m, const json_t *snapshot, enum sysv_kind kind,
				unsigned long long ns, int id, int *listed)
{
	const json_t *list = snapshot && table_ns(m, snapshot) == ns ? json_object_get(snapshot, table_name[kind]) : NULL;
	size_t i;
	json_t *o;
	if (listed)
		*listed = json_is_array(list);
	json_array_foreach(list, i, o)
	{
		if (num(o, id_name[kind]) == id)
			return o;
	}
	return NULL;
}

static int same_object(const json_t *a, const json_t *b)
{
	return a && b && hexnum(a, "key") == hexnum(b, "key") && num(a, "ctime") == num(b, "ctime");
}

static int listed_int(const json_t *list, long long v)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x)
	{
		if (json_is_integer(x) && json_integer_value(x) == v)
			return 1;
	}
	return 0;
}

/* Whether UID was one of the run's at some moment of second SEC, by run's
 * uid_spans (from the kernel's events); by its uids alone in a record
 * without spans.  A set a root process outside the run made after the run
 * dropped to nobody has root's cuid: not the run's. */
static int uid_was_ours(const struct model *m, long long uid, long long sec)
{
	const json_t *spans = json_object_get(m->run_processes, "uid_spans"), *span;
	if (!json_is_array(spans))
		return listed_int(json_object_get(m->run_processes, "uids"), uid);
	size_t i;
	json_array_foreach(spans, i, span)
	{
		long long start = json_integer_value(json_array_get(span, 1)) / 1000000000ll;
		long long end = json_integer_value(json_array_get(span, 2)) / 1000000000ll;
		if (json_integer_value(json_array_get(span, 0)) == uid && start <= sec && sec <= end)
			return 1;
	}
	return 0;
}

/* The kernel's word that K, the object O left in the table after the run,
 * is the run's (docs/security.md): run's own tables and record of the run
 * are there, from a run that lost no event; it was not in the table
 * before the run; its creator's user id was the run's in the second of
 * its ctime; it was made (or last changed) while the run
 * lasted; and the trace's creator is one of the run's pids.  Without a
 * creator pid in the kernel, another process of the same user that made
 * an object during the run and a trace that claims it would pass these:
 * weaker than a segment's check, and said so. */
static int removable(const struct model *m, const struct ipc_object *o, const json_t *k)
{
	/* With events lost, neither pids nor uids are known to be the run's. */
	if (!k || !m->kernel_before || !m->kernel_after || !m->run_processes ||
	    !json_is_true(json_object_get(m->run_processes, "complete")))
		return 0;
	if (same_object(in_objects(m, m->kernel_before, o->kind, o->ipc_ns, o->id, NULL), k))
		return 0;
	long long start = num(m->kernel_before, "realtime") / 1000000000ll;
	long long end = num(m->kernel_after, "realtime") / 1000000000ll;
	long long ctime = num(k, "ctime");
	return uid_was_ours(m, num(k, "cuid"), ctime) && ctime >= start &&
	       ctime <= end && o->creator_pid > 0 && map_get(&m->run_pids, (uint64_t)o->creator_pid);
}

/* The finding of O, or NULL when it is not a leak: gone from the table
 * after the run (removed outside the trace, or its id given to another),
 * gone with its namespace, or there before the run (a trace claims it). */
static struct ipc_leak_finding *left(struct model *m, const struct ipc_object *o)
{
	if (!model_ns_alive(m, o->ipc_ns)) {
		m->found->summary.gone_with_namespace++;
		return NULL;
	}
	int listed;
	const json_t *k = in_objects(m, m->kernel_after, o->kind, o->ipc_ns, o->id, &listed);
	if (listed && (!k || (unsigned)hexnum(k, "key") != o->key)) {
		m->found->summary.removed_outside_trace++;
		return NULL;
	}
	if (k && same_object(in_objects(m, m->kernel_before, o->kind, o->ipc_ns, o->id, NULL), k))
		return NULL;
	struct ipc_leak_finding *f = findings_alloc(sizeof *f);
	*f = (struct ipc_leak_finding){.kind = o->kind,
				       .id = o->id,
				       .key = o->key,
				       .nsems = o->nsems,
				       .pid = o->creator_pid,
				       .program = findings_strdup(o->creator_exe),
				       .created_ts = o->create_ts,
				       .stack = symbolize_backtrace(m->symbols, o->create_stack),
				       .in_kernel = k ? 1 : -1,
				       .ipc_ns = o->ipc_ns,
				       .has_kernel = k != NULL,
				       .removable = removable(m, o, k)};
	if (k) {
		f->kernel_cuid = num(k, "cuid");
		f->kernel_ctime = num(k, "ctime");
		f->kernel_qnum = (unsigned long long)num(k, "qnum");
		f->kernel_cbytes = (unsigned long long)num(k, "cbytes");
		if (!f->nsems)
			f->nsems = (unsigned long long)num(k, "nsems");
	}
	return f;
}

/* The sets (queues) left in the table after the run that no traced call
 * made, but that a uid of the run made while it lasted (findings.h). */
static void unattributed(struct model *m, enum sysv_kind kind)
{
	if (!m->kernel_before || !m->kernel_after || !m->run_processes || m->own_pids_only)
		return;
	unsigned long long ns = table_ns(m, m->kernel_after);
	long long start = num(m->kernel_before, "realtime") / 1000000000ll;
	long long end = num(m->kernel_after, "realtime") / 1000000000ll;
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(m->kernel_after, table_name[kind]), i, k)
	{
		int id = (int)num(k, id_name[kind]);
		const struct ipc_object *o = map_get(&m->ipc_objects, obj_key(kind, ns, id));
		long long ctime = num(k, "ctime");
		if ((o && o->traced_create) || same_object(in_objects(m, m->kernel_before, kind, ns, id, NULL), k) ||
		    ctime < start || ctime > end || !uid_was_ours(m, num(k, "cuid"), ctime))
			continue;
		struct unattributed_object *u = findings_alloc(sizeof *u);
		*u = (struct unattributed_object){kind, id, (unsigned)hexnum(k, "key"), (unsigned long long)num(k, "nsems"),
						  num(k, "cuid"), ctime};
		FINDINGS_PUSH(&m->found->unattributed, u);
	}
}

static int by_creation(const void *a, const void *b)
{
	const struct ipc_leak_finding *x = *(struct ipc_leak_finding *const *)a, *y = *(struct ipc_leak_finding *const *)b;
	if (x->created_ts != y->created_ts)
		return x->created_ts < y->created_ts ? -1 : 1;
	return x->kind != y->kind ? (int)x->kind - (int)y->kind : (x->id > y->id) - (x->id < y->id);
}

void sysv_finish(struct model *m)
{
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&m->ipc_objects, &i, &key, &value);) {
		const struct ipc_object *o = value;
		struct ipc_leak_finding *f = o->traced_create ? left(m, o) : NULL;
		if (f)
			FINDINGS_PUSH(&m->found->ipc_leaks, f);
	}
	unattributed(m, SYSV_SEM);
	unattributed(m, SYSV_MSG);
	if (m->found->ipc_leaks.n)
		qsort(m->found->ipc_leaks.at, m->found->ipc_leaks.n, sizeof *m->found->ipc_leaks.at, by_creation);
}

void sysv_free(struct model *m)
{
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&m->ipc_objects, &i, &key, &value);)
		object_free(value);
}
