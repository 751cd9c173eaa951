#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "../common/calls.h"
#include "../common/fnv.h"
#include "../common/trace_format.h"
#include "timeline_objects.h"

/* ---- interned strings and stacks -------------------------------------- */

int timeline_intern(struct timeline *t, const char *s)
{
	if (!s)
		return -1;
	struct tl_strings *st = &t->strings;
	uint64_t h = fnv_str(FNV_INIT, s);
	for (;; h++) { /* probe past a collision */
		uintptr_t at = (uintptr_t)map_get(&st->index, h);
		if (!at)
			break;
		if (strcmp(st->s[at - 1], s) == 0)
			return (int)at - 1;
	}
	char *copy = strdup(s);
	if (!copy || GROW(t, st->s, st->n, st->cap) || map_put(&st->index, h, (void *)(uintptr_t)(st->n + 1))) {
		free(copy);
		t->out_of_memory = 1;
		return -1;
	}
	st->s[st->n] = copy;
	return (int)st->n++;
}

const char *timeline_string(const struct timeline *t, int index)
{
	return index >= 0 && (size_t)index < t->strings.n ? t->strings.s[index] : NULL;
}

static int stack_index(struct timeline *t, const struct stack *st)
{
	if (!st)
		return -1;
	uintptr_t at = (uintptr_t)map_get(&t->stack_index, (uintptr_t)st);
	if (at)
		return (int)at - 1;
	if (GROW(t, t->stacks, t->nstacks, t->capstacks) ||
	    map_put(&t->stack_index, (uintptr_t)st, (void *)(uintptr_t)(t->nstacks + 1)))
		return -1;
	t->stacks[t->nstacks] = st;
	return (int)t->nstacks++;
}

/* ---- processes --------------------------------------------------------- */

static int new_process(struct timeline *t, int pid, unsigned long long ts)
{
	if (GROW(t, t->procs, t->nprocs, t->capprocs))
		return -1;
	t->procs[t->nprocs] = (struct tl_process){pid, 0, -1, -1, ts, 0, TL_OPEN, -1, t->run_ns, NULL, 0, 0};
	map_put(&t->proc_by_pid, (uint64_t)pid, (void *)(uintptr_t)(t->nprocs + 1));
	return (int)t->nprocs++;
}

/* The process now known by PID, made at TS if there is none. */
static int process(struct timeline *t, int pid, unsigned long long ts)
{
	uintptr_t at = (uintptr_t)map_get(&t->proc_by_pid, (uint64_t)pid);
	return at ? (int)at - 1 : new_process(t, pid, ts);
}

/* ---- objects and spans ------------------------------------------------- */

static uint64_t sysv_key(unsigned long long ns, int shmid)
{
	return (uint64_t)ns << 32 | (uint32_t)shmid;
}

/* glibc drops every leading slash of a POSIX name: "/x" and "x" are one. */
static uint64_t posix_key(const char *name)
{
	return fnv_str(FNV_INIT, name + strspn(name, "/")) | 1;
}

/* The living segment SHMID of namespace NS, found existing if the trace
 * did not see it made (or saw it destroyed). */
static int segment(struct timeline *t, unsigned long long ns, int shmid, unsigned long long ts)
{
	int o = tl_last_object(&t->sysv, sysv_key(ns, shmid));
	if (o >= 0 && t->objects[o].end == TL_OPEN)
		return o;
	if ((o = tl_new_object(t, &t->sysv, sysv_key(ns, shmid), ts)) >= 0)
		t->objects[o].kind = TL_SYSV, t->objects[o].shmid = shmid, t->objects[o].ipc_ns = ns;
	return o;
}

static void maybe_destroyed(struct timeline *t, int o, unsigned long long ts)
{
	if (t->objects[o].nattach == 0 && t->objects[o].rm_ts)
		tl_end_object(t, o, ts, TL_DESTROYED);
}

static void open_span(struct timeline *t, int p, int o, unsigned long long addr, unsigned long long ts, int stack,
		      int inherited)
{
	struct tl_process *pr = &t->procs[p];
	if (GROW(t, t->spans, t->nspans, t->capspans) || GROW(t, pr->open, pr->nopen, pr->capopen))
		return;
	t->spans[t->nspans] = (struct tl_span){o, p, addr, ts, 0, TL_OPEN, inherited, stack, -1};
	pr->open[pr->nopen++] = (int)t->nspans++;
	t->objects[o].nattach++;
}

/* Ends the process's open span at position I of its list. */
static void close_span(struct timeline *t, int p, size_t i, unsigned long long ts, int how, int stack)
{
	struct tl_process *pr = &t->procs[p];
	struct tl_span *s = &t->spans[pr->open[i]];
	s->t1 = tl_not_before(ts, s->t0), s->end = how, s->end_stack = stack;
	pr->open[i] = pr->open[--pr->nopen];
	t->objects[s->object].nattach--;
	maybe_destroyed(t, s->object, ts);
}

static void close_all(struct timeline *t, int p, unsigned long long ts, int how)
{
	while (t->procs[p].nopen)
		close_span(t, p, t->procs[p].nopen - 1, ts, how, -1);
}

/* ---- calls ------------------------------------------------------------- */

static unsigned long long mapped(const struct tl_object *o)
{
	return (o->size + 4095) & ~4095ull;
}

static void on_shmat(struct timeline *t, int p, const struct call_rec *c, int o, int stack)
{
	/* An attachment where one was (SHM_REMAP, or one gone unseen) ends it,
	 * as the model reads it (model.c, replaced_attachments). */
	unsigned long long len = mapped(&t->objects[o]);
	for (size_t i = 0; i < t->procs[p].nopen;) {
		const struct tl_span *s = &t->spans[t->procs[p].open[i]];
		unsigned long long old_len = mapped(&t->objects[s->object]);
		int covered = len && old_len ? s->addr >= c->ret_addr && s->addr + old_len <= c->ret_addr + len
					     : s->addr == c->ret_addr;
		if (covered)
			close_span(t, p, i, c->ts, TL_REMAPPED, stack);
		else
			i++;
	}
	open_span(t, p, o, c->ret_addr, c->ts, stack, 0);
}

static void on_shmdt(struct timeline *t, int p, const struct call_rec *c, int stack)
{
	for (size_t i = 0; i < t->procs[p].nopen; i++)
		if (t->spans[t->procs[p].open[i]].addr == c->shmaddr) {
			close_span(t, p, i, c->ts, TL_DETACHED, stack);
			return;
		}
}

/* The object a call is about, for its mark; -1 if none is known. */
static int object_of(struct timeline *t, int p, const struct call_rec *c)
{
	unsigned long long ns = t->procs[p].ipc_ns;
	int call = call_by_name(c->call);
	if (call == CALL_SHM_OPEN || call == CALL_SHM_UNLINK)
		return tl_last_object(&t->posix, posix_key(c->name));
	if ((call == CALL_SHMAT || call == CALL_SHMCTL) && call_has(c, SHMID))
		return tl_last_object(&t->sysv, sysv_key(ns, (int)c->shmid));
	if (call == CALL_SHMDT)
		for (size_t i = 0; i < t->procs[p].nopen; i++)
			if (t->spans[t->procs[p].open[i]].addr == c->shmaddr)
				return t->spans[t->procs[p].open[i]].object;
	if (call == CALL_SHMGET && c->key != 0) /* EEXIST and the like: the living segment of that key */
		for (size_t o = t->nobjects; o-- > 0;)
			if (t->objects[o].kind == TL_SYSV && t->objects[o].key == c->key && t->objects[o].ipc_ns == ns &&
			    t->objects[o].end == TL_OPEN)
				return (int)o;
	return timeline_ipc_object(t, p, c);
}

/* What a successful call changes; the object it is about, or -1. */
static int apply(struct timeline *t, int p, const struct call_rec *c, int stack)
{
	unsigned long long ns = t->procs[p].ipc_ns;
	int o = -1;
	switch (call_by_name(c->call)) {
	case CALL_SHMGET:
		if (c->created == 1 && (o = tl_new_object(t, &t->sysv, sysv_key(ns, (int)c->ret), c->ts)) >= 0) {
			struct tl_object *ob = &t->objects[o];
			ob->kind = TL_SYSV, ob->shmid = (int)c->ret, ob->ipc_ns = ns, ob->size = c->size;
			ob->traced_create = 1, ob->creator = p, ob->create_stack = stack;
		} else if (c->created != 1)
			o = segment(t, ns, (int)c->ret, c->ts);
		if (o >= 0)
			t->objects[o].key = c->key;
		return o;
	case CALL_SHMAT:
		if ((o = segment(t, ns, (int)c->shmid, c->ts)) >= 0)
			on_shmat(t, p, c, o, stack);
		return o;
	case CALL_SHMDT:
		o = object_of(t, p, c);
		on_shmdt(t, p, c, stack);
		return o;
	case CALL_SHMCTL:
		if (!call_has(c, SHMID) || !c->cmd[0] || strcmp(c->cmd, "IPC_INFO") == 0 || strcmp(c->cmd, "SHM_INFO") == 0 ||
		    strncmp(c->cmd, "SHM_STAT", 8) == 0)
			return -1; /* an index, or nothing: no segment id (shmctl(2)) */
		o = segment(t, ns, (int)c->shmid, c->ts);
		if (o >= 0 && strcmp(c->cmd, "IPC_RMID") == 0 && !t->objects[o].rm_ts) {
			t->objects[o].rm_ts = c->ts, t->objects[o].rm_proc = p, t->objects[o].rm_stack = stack;
			maybe_destroyed(t, o, c->ts);
		}
		return o;
	case CALL_SHM_OPEN:
		o = tl_last_object(&t->posix, posix_key(c->name));
		if (c->created == 1 || o < 0 || t->objects[o].end != TL_OPEN) {
			if ((o = tl_new_object(t, &t->posix, posix_key(c->name), c->ts)) < 0)
				return -1;
			t->objects[o].kind = TL_POSIX, t->objects[o].name = timeline_intern(t, c->name);
			if (c->created == 1)
				t->objects[o].traced_create = 1, t->objects[o].creator = p, t->objects[o].create_stack = stack;
		}
		return o;
	case CALL_SHM_UNLINK:
		o = tl_last_object(&t->posix, posix_key(c->name));
		if (o < 0 || t->objects[o].end != TL_OPEN) { /* made before the trace: a life seen only ending */
			if ((o = tl_new_object(t, &t->posix, posix_key(c->name), c->ts)) < 0)
				return -1;
			t->objects[o].kind = TL_POSIX, t->objects[o].name = timeline_intern(t, c->name);
		}
		t->objects[o].rm_ts = c->ts, t->objects[o].rm_proc = p, t->objects[o].rm_stack = stack;
		tl_end_object(t, o, c->ts, TL_UNLINKED);
		return o;
	}
	return timeline_ipc_apply(t, p, c, stack);
}

static void on_call(struct timeline *t, const struct call_rec *c, const struct stack *st)
{
	int p = process(t, (int)c->pid, c->ts), stack = stack_index(t, st);
	if (p < 0)
		return;
	int o = c->failed ? object_of(t, p, c) : apply(t, p, c, stack);
	int call = call_by_name(c->call);
	/* The page marks failures and POSIX opens; chrome shows every call. */
	if (!t->all_calls && !c->failed && !c->injected && call != CALL_SHM_OPEN)
		return;
	if (call < 0 || GROW(t, t->calls, t->ncalls, t->capcalls))
		return;
	t->calls[t->ncalls++] = (struct tl_call){c->ts, c->dur, p, (int)c->tid, call,
						 c->failed ? timeline_intern(t, c->errno_name) : -1, c->injected, stack, o,
						 call == CALL_SHMAT ? (long long)c->ret_addr : c->ret};
}

/* ---- process records --------------------------------------------------- */

static const char *field(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

/* The command line, its arguments joined by spaces, cut at 512 bytes. */
static int argv_string(struct timeline *t, const json_t *rec)
{
	char buf[512];
	size_t at = 0, i;
	json_t *arg;
	buf[0] = '\0';
	if (!json_is_array(json_object_get(rec, "argv")))
		return -1;
	json_array_foreach(json_object_get(rec, "argv"), i, arg)
	{
		const char *a = json_string_value(arg);
		int n = snprintf(buf + at, sizeof buf - at, "%s%s", i ? " " : "", a ? a : "?");
		if (n < 0 || (size_t)n >= sizeof buf - at)
			break;
		at += (size_t)n;
	}
	return timeline_intern(t, buf);
}

static void on_process(struct timeline *t, const char *event, const json_t *rec, unsigned long long ts)
{
	int pid = (int)json_integer_value(json_object_get(rec, "pid"));
	long long ns = json_integer_value(json_object_get(rec, "ipc_ns"));
	int p, parent = -1;
	if (strcmp(event, EV_KILLED) == 0) {
		uintptr_t at = (uintptr_t)map_get(&t->proc_by_pid, (uint64_t)pid);
		if (!at || t->procs[at - 1].end != TL_OPEN)
			return;
		p = (int)at - 1;
		close_all(t, p, ts, TL_KILLED);
		t->procs[p].t1 = ts, t->procs[p].end = TL_KILLED;
		t->procs[p].signal = timeline_intern(t, field(rec, "signal") ? field(rec, "signal") : "a signal");
		return;
	}
	if (strcmp(event, EV_START) == 0 || strcmp(event, EV_FORK) == 0) {
		uintptr_t at = (uintptr_t)map_get(&t->proc_by_pid, (uint64_t)pid);
		if (at && t->procs[at - 1].end == TL_OPEN) /* its pid reused: the old one ended unseen */
			close_all(t, (int)at - 1, ts, TL_OPEN);
		int ppid = (int)json_integer_value(json_object_get(rec, "ppid"));
		uintptr_t pat = (uintptr_t)map_get(&t->proc_by_pid, (uint64_t)ppid);
		parent = pat ? (int)pat - 1 : -1;
		if ((p = new_process(t, pid, ts)) < 0)
			return;
		t->procs[p].ppid = ppid;
		if (parent >= 0 && strcmp(event, EV_FORK) == 0)
			t->procs[p].ipc_ns = t->procs[parent].ipc_ns, t->procs[p].exe = t->procs[parent].exe,
			t->procs[p].argv = t->procs[parent].argv;
	} else if ((p = process(t, pid, ts)) < 0)
		return;
	if (ns > 0)
		t->procs[p].ipc_ns = (unsigned long long)ns;
	if (field(rec, "exe"))
		t->procs[p].exe = timeline_intern(t, field(rec, "exe"));
	if (json_is_array(json_object_get(rec, "argv")))
		t->procs[p].argv = argv_string(t, rec);
	if (strcmp(event, EV_EXEC) == 0)
		close_all(t, p, ts, TL_EXEC);
	else if (strcmp(event, EV_EXIT) == 0) {
		close_all(t, p, ts, TL_EXIT);
		t->procs[p].t1 = ts, t->procs[p].end = TL_EXIT;
	} else if (strcmp(event, EV_FORK) == 0) {
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(rec, "attached"), i, a)
		{
			unsigned long long addr = strtoull(field(a, "addr") ? field(a, "addr") : "0", NULL, 16);
			int shmid = (int)json_integer_value(json_object_get(a, "shmid")), o = -1;
			for (size_t j = 0; parent >= 0 && j < t->procs[parent].nopen && o < 0; j++) {
				const struct tl_span *s = &t->spans[t->procs[parent].open[j]];
				if (s->addr == addr && t->objects[s->object].shmid == shmid)
					o = s->object;
			}
			if (o < 0)
				o = segment(t, parent >= 0 ? t->procs[parent].ipc_ns : t->procs[p].ipc_ns, shmid, ts);
			if (o >= 0)
				open_span(t, p, o, addr, ts, -1, 1);
		}
	}
}

void timeline_feed(struct timeline *t, const struct record *rec)
{
	if (rec->ts > t->t_last)
		t->t_last = rec->ts;
	if (rec->ts && (!t->t_first || rec->ts < t->t_first))
		t->t_first = rec->ts;
	if (rec->is_call) {
		on_call(t, &rec->call, rec->stack);
		return;
	}
	const char *event = field(rec->json, "event");
	long long ns = json_integer_value(json_object_get(rec->json, "ipc_ns"));
	if (!t->run_ns && ns > 0) /* the run's namespace: the first one named */
		t->run_ns = (unsigned long long)ns;
	if (!event || strcmp(event, "kernel") == 0 || strcmp(event, "processes") == 0)
		return; /* run's tables: no place in time beyond their ts */
	if (json_is_integer(json_object_get(rec->json, "pid")))
		on_process(t, event, rec->json, rec->ts);
}

void timeline_init(struct timeline *t, int all_calls)
{
	*t = (struct timeline){0};
	t->all_calls = all_calls;
}

void timeline_finish(struct timeline *t)
{
	for (size_t p = 0; p < t->nprocs; p++) {
		while (t->procs[p].nopen) {
			struct tl_span *s = &t->spans[t->procs[p].open[--t->procs[p].nopen]];
			s->t1 = t->t_last; /* end stays TL_OPEN */
		}
		if (t->procs[p].end == TL_OPEN)
			t->procs[p].t1 = t->t_last;
	}
	for (size_t o = 0; o < t->nobjects; o++)
		if (t->objects[o].end == TL_OPEN)
			t->objects[o].t1 = t->t_last;
}

void timeline_free(struct timeline *t)
{
	for (size_t p = 0; p < t->nprocs; p++)
		free(t->procs[p].open);
	for (size_t i = 0; i < t->strings.n; i++)
		free(t->strings.s[i]);
	free(t->strings.s);
	map_free(&t->strings.index);
	free(t->objects);
	free(t->spans);
	free(t->calls);
	free(t->procs);
	free(t->stacks);
	map_free(&t->stack_index);
	map_free(&t->proc_by_pid);
	map_free(&t->sysv);
	map_free(&t->posix);
	map_free(&t->ipc[0]);
	map_free(&t->ipc[1]);
}
