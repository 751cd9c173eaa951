/* Semaphore sets and message queues on the timeline: a life from semget or
 * msgget to IPC_RMID (nothing attaches to them), and the calls on them
 * (semop, msgsnd, ...) marked on it. */
#include <string.h>

#include "sysv_target.h"
#include "timeline_objects.h"

static uint64_t ipc_key(unsigned long long ns, int id)
{
	return (uint64_t)ns << 32 | (uint32_t)id;
}

/* The kind (TL_SEM, TL_MSG) and id of the set or queue a call is about:
 * 1, or 0 for none (sysv_target.h); semget's and msgget's is the one
 * they made or opened. */
static int target(const struct call_rec *c, int *kind, int *id)
{
	enum sysv_kind k;
	if (strcmp(c->call, "semget") == 0 || strcmp(c->call, "msgget") == 0) {
		*kind = c->call[0] == 's' ? TL_SEM : TL_MSG, *id = (int)c->ret;
		return !c->failed;
	}
	if (!sysv_call_target(c, &k, id))
		return 0;
	*kind = k == SYSV_SEM ? TL_SEM : TL_MSG;
	return 1;
}

static struct map *index_of(struct timeline *t, int kind)
{
	return &t->ipc[kind == TL_MSG];
}

/* A new life of ID from TS. */
static int new_ipc(struct timeline *t, int kind, unsigned long long ns, int id, unsigned long long ts)
{
	int o = tl_new_object(t, index_of(t, kind), ipc_key(ns, id), ts);
	if (o >= 0)
		t->objects[o].kind = kind, t->objects[o].shmid = id, t->objects[o].ipc_ns = ns;
	return o;
}

/* The living set or queue ID, found existing if the trace did not see it
 * made (or saw it removed). */
static int living(struct timeline *t, int kind, unsigned long long ns, int id, unsigned long long ts)
{
	int o = tl_last_object(index_of(t, kind), ipc_key(ns, id));
	return o >= 0 && t->objects[o].end == TL_OPEN ? o : new_ipc(t, kind, ns, id, ts);
}

int timeline_ipc_apply(struct timeline *t, int p, const struct call_rec *c, int stack)
{
	unsigned long long ns = t->procs[p].ipc_ns;
	int kind, id, o = -1;
	if (!target(c, &kind, &id))
		return -1;
	if (strcmp(c->call, "semget") == 0 || strcmp(c->call, "msgget") == 0) {
		if (c->created == 1 && (o = new_ipc(t, kind, ns, id, c->ts)) >= 0) {
			struct tl_object *ob = &t->objects[o];
			ob->traced_create = 1, ob->creator = p, ob->create_stack = stack;
			ob->size = kind == TL_SEM && c->nsems > 0 ? (unsigned long long)c->nsems : 0;
		} else if (c->created != 1) {
			o = living(t, kind, ns, id, c->ts);
		}
		if (o >= 0)
			t->objects[o].key = c->key;
		return o;
	}
	o = living(t, kind, ns, id, c->ts);
	if (o >= 0 && strcmp(c->cmd, "IPC_RMID") == 0 && (!strcmp(c->call, "semctl") || !strcmp(c->call, "msgctl"))) {
		t->objects[o].rm_ts = c->ts, t->objects[o].rm_proc = p, t->objects[o].rm_stack = stack;
		tl_end_object(t, o, c->ts, TL_DESTROYED);
	}
	return o;
}

int timeline_ipc_object(struct timeline *t, int p, const struct call_rec *c)
{
	int kind, id;
	if (!call_has(c, SEMID) && !call_has(c, MSQID))
		return -1;
	return target(c, &kind, &id) ? tl_last_object(index_of(t, kind), ipc_key(t->procs[p].ipc_ns, id)) : -1;
}
