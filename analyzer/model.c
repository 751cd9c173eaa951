#include "model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/calls.h"
#include "../common/fnv.h"
#include "../common/trace_format.h"
#include "model_state.h"
#include "printable.h"

/* ---- processes and segments ----------------------------------------- */

static struct process *process(struct model *m, int pid)
{
	struct process *p = map_get(&m->processes, (uint64_t)pid);
	if (p)
		return p;
	p = calloc(1, sizeof *p);
	p->pid = pid;
	p->ipc_ns = m->run_ns; /* until a record of its own says */
	map_put(&m->processes, (uint64_t)pid, p);
	count(section(m, "summary"), "processes", 1);
	return p;
}

static void bury(struct model *m, struct segment *s, int pid, struct stack *stack)
{
	struct tomb *t = &m->tombs->t[m->tombs->next++ % TOMBS];
	if (map_get(&m->removed, t->seg_key) == t)
		map_remove(&m->removed, t->seg_key);
	*t = (struct tomb){seg_key(s->ipc_ns, s->shmid), s->shmid, pid, stack};
	map_put(&m->removed, t->seg_key, t);
}

static void free_segment(struct segment *s)
{
	json_decref(s->killed_attached);
	free(s->creator_exe);
	free(s);
}

/* A segment is destroyed once it is marked for removal and nobody is attached. */
static void maybe_destroy(struct model *m, struct segment *s)
{
	if (s->nattach > 0 || !(s->removed || s->orphaned))
		return;
	if (s->traced_create) {
		m->live.segments--;
		m->live.bytes -= s->size;
	}
	if (map_get(&m->segments, seg_key(s->ipc_ns, s->shmid)) == s)
		map_remove(&m->segments, seg_key(s->ipc_ns, s->shmid));
	free_segment(s);
}

/* The segment the kernel now calls SHMID in namespace IPC_NS; one the trace
 * never saw created is noted once as created outside the trace. */
static struct segment *segment(struct model *m, unsigned long long ipc_ns, int shmid, const struct process *p,
			       struct stack *stack);

static struct segment *new_segment(struct model *m, unsigned long long ipc_ns, int shmid)
{
	uint64_t k = seg_key(ipc_ns, shmid);
	struct segment *old = map_get(&m->segments, k);
	if (old) {
		old->orphaned = 1;
		map_remove(&m->segments, k);
		maybe_destroy(m, old);
	}
	struct segment *s = calloc(1, sizeof *s);
	s->shmid = shmid;
	s->ipc_ns = ipc_ns;
	map_put(&m->segments, k, s);
	return s;
}

/* ---- findings --------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static uint64_t hash_str(const char *s)
{
	return fnv_str(FNV_INIT, s);
}

/* The finding of this kind at this site: counted if seen before, else a
 * new object appended to the section.  *fresh says which. */
static json_t *grouped(struct model *m, const char *sect, const char *kind, struct stack *stack, uint64_t more,
		       int *fresh)
{
	uint64_t h = mix(mix(mix((uintptr_t)sect, (uintptr_t)kind), (uintptr_t)stack), more);
	json_t *f = map_get(&m->groups, h);
	*fresh = !f;
	if (f) {
		count(f, "count", 1);
		return f;
	}
	f = json_object();
	if (kind)
		json_object_set_new(f, "kind", json_string(kind));
	json_array_append_new(section(m, sect), f);
	map_put(&m->groups, h, f);
	json_object_set_new(f, "count", json_integer(1));
	json_object_set_new(f, "stack", symbolize_stack(m->symbols, stack));
	return f;
}

static json_t *misuse(struct model *m, const char *kind, const struct process *p, struct stack *stack,
		      uint64_t more, const char *message)
{
	int fresh;
	json_t *f = grouped(m, "misuse", kind, stack, more, &fresh);
	if (fresh) {
		json_object_set_new(f, "message", json_string(message));
		json_object_set_new(f, "pid", json_integer(p->pid));
		json_object_set_new(f, "program", nullable_str(p->exe));
	}
	return f;
}

static struct segment *segment(struct model *m, unsigned long long ipc_ns, int shmid, const struct process *p,
			       struct stack *stack)
{
	uint64_t k = seg_key(ipc_ns, shmid);
	struct segment *s = map_get(&m->segments, k);
	if (s)
		return s;
	s = new_segment(m, ipc_ns, shmid);
	if (!map_get(&m->externals, k)) {
		map_put(&m->externals, k, (void *)1);
		/* run's table says whether it is an earlier run's (a crashed
		 * server's, found again at its next start). */
		const json_t *before = in_table(m, m->kernel_before, ipc_ns, shmid);
		json_t *f = misuse(m, "created_outside_trace", p, stack, k,
				   before ? "segment used but not created by a traced call: it was there before the run "
					    "(noted, not a leak)"
					  : "segment used but not created by a traced call (noted, not a leak)");
		json_object_set_new(f, "shmid", json_integer(shmid));
		json_object_set_new(f, "before_run", m->kernel_before ? json_boolean(before) : json_null());
		if (before)
			json_object_set_new(f, "cpid", json_integer(num(before, "cpid")));
	}
	return s;
}

/* ---- attachments -------------------------------------------------- */

static void attach(struct process *p, struct segment *s, unsigned long long addr, struct stack *stack, int inherited)
{
	struct attachment *a = calloc(1, sizeof *a);
	*a = (struct attachment){addr, s, stack, inherited, p->att};
	p->att = a;
	s->nattach++;
}

static void drop(struct model *m, struct attachment *a)
{
	a->seg->nattach--;
	maybe_destroy(m, a->seg);
	free(a);
}

static void undetached(struct model *m, struct process *p, struct attachment *a, const char *ended_by)
{
	int fresh;
	json_t *f = grouped(m, "undetached_attachments", NULL, a->stack, (uintptr_t)ended_by, &fresh);
	if (!fresh)
		return;
	json_object_set_new(f, "pid", json_integer(p->pid));
	json_object_set_new(f, "program", nullable_str(p->exe));
	json_object_set_new(f, "shmid", json_integer(a->seg->shmid));
	json_object_set_new(f, "key", hexstr(a->seg->key, 8));
	json_object_set_new(f, "addr", hexstr(a->addr, 0));
	json_object_set_new(f, "ended_by", json_string(ended_by));
}

/* exit, exec and the end of the trace detach everything; only what the
 * process attached itself, and never detached, is worth a warning. */
static void end_attachments(struct model *m, struct process *p, const char *ended_by)
{
	for (struct attachment *a = p->att, *next; a; a = next) {
		next = a->next;
		if (!a->inherited)
			undetached(m, p, a, ended_by);
		drop(m, a);
	}
	p->att = NULL;
}

/* ---- calls ------------------------------------------------------------ */

static void on_shmget(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	int shmid = (int)c->ret;
	if (c->created != 1) {
		struct segment *s = segment(m, p->ipc_ns, shmid, p, stack);
		s->key = c->key;
		return;
	}
	struct segment *s = new_segment(m, p->ipc_ns, shmid);
	s->key = c->key;
	s->size = c->size;
	s->traced_create = 1;
	m->live.segments++;
	m->live.bytes += s->size;
	if (m->live.bytes > m->peak.bytes || (m->live.bytes == m->peak.bytes && m->live.segments > m->peak.segments)) {
		m->peak = m->live;
		m->peak_ts = c->ts;
	}
	s->creator_pid = p->pid;
	s->creator_exe = p->exe ? strdup(p->exe) : NULL;
	s->create_stack = stack;
	s->create_ts = c->ts;
}

/* Bytes mapped by an attachment: whole pages; 0 if the size is unknown. */
static unsigned long long mapped_length(const struct segment *s)
{
	return (s->size + 4095) & ~4095ull;
}

/* A successful shmat at ADDR means nothing of this process was attached
 * there any more: SHM_REMAP replaces whatever is mapped in its range (the
 * kernel unmaps it, detaching it: shmat(2)), and without SHM_REMAP the
 * range was free, so an attachment the model still has there went away
 * unseen.  No warning: the program did detach it, one way or another. */
static void replaced_attachments(struct model *m, struct process *p, unsigned long long addr, unsigned long long len)
{
	for (struct attachment **a = &p->att; *a;) {
		/* Only a whole attachment goes; the part of a larger one that a
		 * smaller remap leaves stays mapped, and attached.  Without the
		 * lengths, the same address is the best guess. */
		unsigned long long start = (*a)->addr, old_len = mapped_length((*a)->seg);
		int covered = len && old_len ? start >= addr && start + old_len <= addr + len : start == addr;
		if (!covered) {
			a = &(*a)->next;
			continue;
		}
		struct attachment *gone = *a;
		*a = gone->next;
		drop(m, gone);
	}
}

static void on_shmat(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	int shmid = (int)c->shmid;
	struct segment *s = segment(m, p->ipc_ns, shmid, p, stack);
	/* Held while the attachments it replaces go: one of them may be the
	 * last on this very segment, already removed (shmat after IPC_RMID). */
	s->nattach++;
	replaced_attachments(m, p, c->ret_addr, mapped_length(s));
	s->nattach--;
	if (s->removed) {
		json_t *f = misuse(m, "attach_after_remove", p, stack, seg_key(p->ipc_ns, shmid),
				   "shmat of a segment already marked for removal (works on Linux only)");
		json_object_set_new(f, "shmid", json_integer(shmid));
	}
	attach(p, s, c->ret_addr, stack, 0);
}

static void on_shmdt(struct model *m, struct process *p, const struct call_rec *c)
{
	for (struct attachment **a = &p->att; *a; a = &(*a)->next)
		if ((*a)->addr == c->shmaddr) {
			struct attachment *gone = *a;
			*a = gone->next;
			drop(m, gone);
			return;
		}
	/* Attached before the trace began (an untraced parent): nothing known. */
}

static void on_shmctl(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	const char *cmd = c->cmd;
	int shmid = (int)c->shmid;
	if (!cmd[0] || strcmp(cmd, "IPC_INFO") == 0 || strcmp(cmd, "SHM_INFO") == 0 || strncmp(cmd, "SHM_STAT", 8) == 0)
		return; /* no segment id in these */
	struct segment *s = segment(m, p->ipc_ns, shmid, p, stack);
	if (strcmp(cmd, "IPC_RMID") != 0)
		return;
	if (s->removed) {
		json_t *f = misuse(m, "double_remove", p, stack, seg_key(p->ipc_ns, shmid),
				   "IPC_RMID of a segment already removed");
		json_object_set_new(f, "shmid", json_integer(shmid));
		return;
	}
	s->removed = 1;
	bury(m, s, p->pid, stack);
	maybe_destroy(m, s);
}

/* A failure that says more than its errno: the specific misuse. */
static int classify_failure(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	int einval = strcmp(c->errno_name, "EINVAL") == 0, eidrm = strcmp(c->errno_name, "EIDRM") == 0;
	if (strcmp(c->call, "shmdt") == 0 && einval) {
		json_t *u = misuse(m, "shmdt_not_attached", p, stack, c->shmaddr,
				   "shmdt of an address where nothing is attached");
		json_object_set_new(u, "addr", hexstr(c->shmaddr, 0));
		return 1;
	}
	/* IPC_INFO, SHM_INFO, SHM_STAT and SHM_STAT_ANY take an index into the
	 * kernel's table, or nothing, not a segment id (shmctl(2)). */
	int by_index = strcmp(c->call, "shmctl") == 0 && (strcmp(c->cmd, "IPC_INFO") == 0 ||
							  strcmp(c->cmd, "SHM_INFO") == 0 ||
							  strncmp(c->cmd, "SHM_STAT", 8) == 0);
	if ((strcmp(c->call, "shmat") == 0 || strcmp(c->call, "shmctl") == 0) && (einval || eidrm) && !by_index) {
		int shmid = (int)c->shmid;
		uint64_t k = seg_key(p->ipc_ns, shmid);
		struct tomb *t = map_get(&m->removed, k);
		if (!t || map_get(&m->segments, k))
			return 0;
		json_t *u = misuse(m, "use_after_remove", p, stack, k,
				   "call on a segment id that was already removed");
		json_object_set_new(u, "shmid", json_integer(shmid));
		json_object_set_new(u, "removed_by_pid", json_integer(t->pid));
		json_object_set_new(u, "removed_at", symbolize_stack(m->symbols, t->stack));
		return 1;
	}
	return 0;
}

/* Failed calls, grouped by call site and errno; injected ones counted apart. */
static void on_failure(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	if (!c->injected && classify_failure(m, p, c, stack))
		return;
	int fresh;
	json_t *f = grouped(m, "misuse", "failed_call", stack, mix(hash_str(c->call), hash_str(c->errno_name)), &fresh);
	if (fresh) {
		char message[96];
		snprintf(message, sizeof message, "%s failed with %s", c->call, c->errno_name);
		json_object_set_new(f, "message", json_string(message));
		json_object_set_new(f, "call", json_string(c->call));
		json_object_set_new(f, "errno", json_string(c->errno_name));
		json_object_set_new(f, "pid", json_integer(p->pid));
		json_object_set_new(f, "program", nullable_str(p->exe));
		json_object_set_new(f, "injected", json_integer(0));
	}
	if (c->injected)
		count(f, "injected", 1);
}

/* ---- POSIX names and ftok ------------------------------------------- */

/* glibc's shm_open and shm_unlink drop every leading slash (its
 * __shm_get_name): "x", "/x" and "//x" are one object, /dev/shm/x. */
static uint64_t name_hash(const char *name)
{
	return hash_str(name + strspn(name, "/")) | 1;
}

static void on_shm_open(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	if (c->created != 1)
		return;
	struct posix_name *n = calloc(1, sizeof *n);
	*n = (struct posix_name){strdup(c->name), p->pid, p->exe ? strdup(p->exe) : NULL, stack, c->ts};
	struct posix_name *old = map_get(&m->posix, name_hash(c->name));
	if (old) { /* created again after an unlink the trace did not see */
		free(old->name);
		free(old->exe);
		free(old);
	}
	map_put(&m->posix, name_hash(c->name), n);
}

static void on_shm_unlink(struct model *m, const struct call_rec *c)
{
	struct posix_name *n = map_remove(&m->posix, name_hash(c->name));
	if (n) {
		free(n->name);
		free(n->exe);
		free(n);
	}
}

/* Whether two ftok calls named one file: by device and inode when the
 * records have them ("./k" and "/abs/k" are one file), else by path. */
static int same_file(const struct ftok_origin *o, const struct call_rec *c)
{
	if (o->has_file_id && (call_has(c, DEV) && call_has(c, INO)))
		return o->dev == c->dev && o->ino == c->ino;
	return strcmp(o->path, c->name) == 0;
}

/* A segment with this key exists now. */
static int key_alive(struct model *m, unsigned key)
{
	uint64_t id;
	void *v;
	for (size_t i = 0; map_next(&m->segments, &i, &id, &v);)
		if (((struct segment *)v)->key == key && !((struct segment *)v)->removed)
			return 1;
	return 0;
}

/* The key's file is still in use: a segment has the key, or its process
 * asked for the key and has not used it yet.  Once its segment is gone,
 * the key is free for another file (a temporary file that got the inode
 * of one just deleted is no collision). */
static int ftok_in_use(struct model *m, const struct ftok_origin *o, unsigned key)
{
	const struct process *p = map_get(&m->processes, (uint64_t)o->pid);
	return key_alive(m, key) || (!o->got_segment && p && !p->ended);
}

static void free_ftok_origin(struct ftok_origin *o)
{
	free(o->path);
	free(o);
}

static struct ftok_origin *new_ftok_origin(const struct process *p, const struct call_rec *c, struct stack *stack)
{
	struct ftok_origin *o = calloc(1, sizeof *o);
	*o = (struct ftok_origin){strdup(c->name), c->id, (call_has(c, DEV) && call_has(c, INO)), c->dev, c->ino, p->pid, stack, c->ts, c->ts, 0};
	return o;
}

static json_t *ftok_use(const char *path, long long id, const struct ftok_origin *o, unsigned long long from,
			unsigned long long to)
{
	json_t *u = json_pack("{s:s, s:I, s:I, s:I}", "path", path, "id", (json_int_t)id, "first_ts", (json_int_t)from,
			      "last_ts", (json_int_t)to);
	if (o->has_file_id) {
		json_object_set_new(u, "dev", json_integer((json_int_t)o->dev));
		json_object_set_new(u, "ino", json_integer((json_int_t)o->ino));
	}
	return u;
}

/* Two different files (or ids) giving one key while both are in use: two
 * programs that think they have segments of their own silently share one
 * (ftok(3), NOTES).  One file after the other is no collision. */
static void on_ftok(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	if (!call_has(c, FTOK_KEY))
		return;
	uint64_t slot = (uint64_t)c->ftok_key + 1;
	struct ftok_origin *o = map_get(&m->ftoks, slot);
	if (o && same_file(o, c) && o->id == c->id) {
		o->last_ts = c->ts;
		o->pid = p->pid;
		o->got_segment = 0;
		return;
	}
	if (o && ftok_in_use(m, o, c->ftok_key)) {
		json_t *f = misuse(m, "ftok_collision", p, stack, mix(hash_str(c->name), (uint64_t)c->id),
				   "ftok gave the same key for two different files or ids in use at once");
		if (json_integer_value(json_object_get(f, "count")) == 1) {
			struct ftok_origin now = {.has_file_id = (call_has(c, DEV) && call_has(c, INO)), .dev = c->dev, .ino = c->ino};
			json_t *first = ftok_use(o->path, o->id, o, o->first_ts, o->last_ts);
			json_object_set_new(first, "pid", json_integer(o->pid));
			json_object_set_new(first, "stack", symbolize_stack(m->symbols, o->stack));
			json_object_set_new(f, "key", hexstr(c->ftok_key, 8));
			json_object_set_new(f, "ftok", ftok_use(c->name, c->id, &now, c->ts, c->ts));
			json_object_set_new(f, "first_ftok", first);
		}
		return;
	}
	/* The first use of the key, or the key free again: this file's now. */
	if (o)
		free_ftok_origin(o);
	map_put(&m->ftoks, slot, new_ftok_origin(p, c, stack));
}

/* A shmget by key: the key's ftok file is in use through the segment. */
static void ftok_key_used(struct model *m, unsigned key)
{
	struct ftok_origin *o = map_get(&m->ftoks, (uint64_t)key + 1);
	if (o)
		o->got_segment = 1;
}

/* Summary counts, kept as numbers and made JSON at the end. */
static void tally(struct model *m, const struct call_rec *c)
{
	int call = call_by_name(c->call);
	if (call >= 0)
		m->calls[call]++;
	m->injected += c->injected;
	if (!c->failed)
		return;
	for (int i = 0; i < m->nfailures; i++)
		if (strcmp(m->failures[i].name, c->errno_name) == 0) {
			m->failures[i].count++;
			return;
		}
	if (m->nfailures < (int)(sizeof m->failures / sizeof *m->failures)) {
		snprintf(m->failures[m->nfailures].name, sizeof m->failures[0].name, "%s", c->errno_name);
		m->failures[m->nfailures++].count = 1;
	}
}

static void on_call(struct model *m, const struct call_rec *c, struct stack *stack)
{
	struct process *p = process(m, (int)c->pid);
	tally(m, c);
	if (c->failed)
		on_failure(m, p, c, stack);
	else if (strcmp(c->call, "shmget") == 0) {
		on_shmget(m, p, c, stack);
		if (c->key != 0)
			ftok_key_used(m, c->key);
	}
	else if (strcmp(c->call, "shmat") == 0)
		on_shmat(m, p, c, stack);
	else if (strcmp(c->call, "shmdt") == 0)
		on_shmdt(m, p, c);
	else if (strcmp(c->call, "shmctl") == 0)
		on_shmctl(m, p, c, stack);
	else if (strcmp(c->call, "shm_open") == 0)
		on_shm_open(m, p, c, stack);
	else if (strcmp(c->call, "shm_unlink") == 0)
		on_shm_unlink(m, c);
	else if (strcmp(c->call, "ftok") == 0)
		on_ftok(m, p, c, stack);
}

/* ---- process records -------------------------------------------------- */

static void set_exe(struct process *p, const json_t *rec)
{
	const char *exe = str(rec, "exe");
	if (exe) {
		free(p->exe);
		p->exe = strdup(exe);
	}
}

/* run collected a process that a signal killed: it wrote no exit record,
 * and the kernel detached it.  Not a fault of its code, so no undetached
 * warning; its segments remember it for their leak's "attached" list. */
static void on_killed(struct model *m, struct process *p, const json_t *rec)
{
	const char *sig = str(rec, "signal") ? str(rec, "signal") : "a signal";
	json_array_append_new(section(m, "killed_processes"),
			      json_pack("{s:i, s:o, s:s, s:b, s:I}", "pid", p->pid, "program", nullable_str(p->exe),
					"signal", sig, "core", json_is_true(json_object_get(rec, "core")), "ts",
					(json_int_t)num(rec, "ts")));
	for (struct attachment *a = p->att, *next; a; a = next) {
		next = a->next;
		if (!a->seg->killed_attached)
			a->seg->killed_attached = json_array();
		json_array_append_new(a->seg->killed_attached,
				      json_pack("{s:i, s:o, s:o, s:s}", "pid", p->pid, "program", nullable_str(p->exe),
						"addr", hexstr(a->addr, 0), "killed_by", sig));
		drop(m, a);
	}
	p->att = NULL;
	p->ended = 1;
}

/* The IPC namespace a process record names (0: none, an older trace); the
 * first one named is the run's, unless run's table said it first. */
static unsigned long long record_ns(struct model *m, const json_t *rec)
{
	long long ns = num(rec, "ipc_ns");
	if (ns <= 0)
		return 0;
	if (!m->run_ns)
		m->run_ns = (unsigned long long)ns;
	return (unsigned long long)ns;
}

/* The segment a forked child inherited attached at ADDR: its parent's
 * attachment there, which may be in a namespace neither is in now. */
static struct segment *inherited(struct model *m, struct process *p, const struct process *parent, const json_t *a)
{
	unsigned long long addr = hexnum(a, "addr");
	for (const struct attachment *pa = parent ? parent->att : NULL; pa; pa = pa->next)
		if (pa->addr == addr && pa->seg->shmid == (int)num(a, "shmid"))
			return pa->seg;
	return segment(m, parent ? parent->ipc_ns : p->ipc_ns, (int)num(a, "shmid"), p, NULL);
}

static void on_process(struct model *m, const char *event, const json_t *rec)
{
	int pid = (int)num(rec, "pid");
	struct process *p = map_get(&m->processes, (uint64_t)pid);
	if (strcmp(event, EV_KILLED) == 0) {
		if (p && !p->ended) /* else untraced, or gone already */
			on_killed(m, p, rec);
		return;
	}
	if (strcmp(event, EV_START) == 0 || strcmp(event, EV_FORK) == 0) {
		if (p && !p->ended) /* the pid was reused by a new process */
			end_attachments(m, p, "end of trace");
		p = process(m, pid);
		p->ended = 0;
		p->ppid = (int)num(rec, "ppid");
		p->ipc_ns = m->run_ns;
		free(p->exe); /* a new process: not the program of the pid's last one */
		p->exe = NULL;
	} else {
		p = process(m, pid);
	}
	unsigned long long ns = record_ns(m, rec);
	if (ns)
		p->ipc_ns = ns;
	if (strcmp(event, EV_START) == 0 || strcmp(event, EV_EXEC) == 0) {
		if (strcmp(event, EV_EXEC) == 0)
			end_attachments(m, p, "exec");
		set_exe(p, rec);
	} else if (strcmp(event, EV_FORK) == 0) {
		/* The program is the parent's: the fork record names it (the
		 * parent may have left no record), older ones do not. */
		struct process *parent = map_get(&m->processes, (uint64_t)p->ppid);
		if (!ns && parent) /* an older trace: where its parent is */
			p->ipc_ns = parent->ipc_ns;
		set_exe(p, rec);
		if (!p->exe && parent && parent->exe)
			p->exe = strdup(parent->exe);
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(rec, "attached"), i, a)
		{
			struct segment *s = inherited(m, p, parent, a);
			if (!s->size && num(a, "size") > 0) /* the mapped length, for SHM_REMAP */
				s->size = (unsigned long long)num(a, "size");
			attach(p, s, hexnum(a, "addr"), NULL, 1);
		}
	} else if (strcmp(event, EV_EXIT) == 0) {
		end_attachments(m, p, "exit");
		p->ended = 1;
	}
}

void model_feed(struct model *m, const struct record *record, struct trace_file *file)
{
	if (record->is_call) {
		on_call(m, &record->call, record->stack);
		return;
	}
	const json_t *rec = record->json;
	const char *event = str(rec, "event");
	if ((strcmp(event, "kernel") == 0 || strcmp(event, "processes") == 0) && !file->from_run) {
		/* A trace is the traced program's testimony: what the kernel said
		 * comes from run's own file alone. */
		reader_warn(m->reader, file, file->record_line,
			    "\"%s\" record in a process's trace (only shmtrace run's kernel.jsonl has them): ignored", event);
	} else if (strcmp(event, "processes") == 0) {
		json_decref(m->run_processes);
		m->run_processes = json_incref((json_t *)rec);
		size_t i;
		json_t *pid;
		map_free(&m->run_pids);
		m->run_pids = (struct map){0};
		json_array_foreach(json_object_get(rec, "pids"), i, pid)
		{
			if (json_is_integer(pid) && json_integer_value(pid) > 0)
				map_put(&m->run_pids, (uint64_t)json_integer_value(pid), (void *)1);
		}
	} else if (strcmp(event, "kernel") == 0) {
		json_t **slot = strcmp(str(rec, "when") ? str(rec, "when") : "", "before") == 0 ? &m->kernel_before
											    : &m->kernel_after;
		json_decref(*slot);
		*slot = json_incref((json_t *)rec);
		if (!m->run_ns && num(rec, "ipc_ns") > 0)
			m->run_ns = (unsigned long long)num(rec, "ipc_ns");
	} else if (json_is_integer(json_object_get(rec, "pid"))) {
		on_process(m, event, rec);
	} else {
		reader_warn(m->reader, file, file->record_line, "\"%s\" record without a pid: ignored", printable(event));
	}
}

void model_end_processes(struct model *m, const char *ended_by)
{
	uint64_t pid;
	void *p;
	for (size_t i = 0; map_next(&m->processes, &i, &pid, &p);)
		if (!((struct process *)p)->ended) {
			end_attachments(m, p, ended_by);
			((struct process *)p)->ended = 1;
		}
}

int model_init(struct model *m, struct reader *r, struct symbolizer *symbols)
{
	*m = (struct model){0};
	m->reader = r;
	m->symbols = symbols;
	m->tombs = calloc(1, sizeof *m->tombs);
	m->report = json_pack("{s:s, s:i, s:[], s:[], s:[], s:[], s:[], s:[], s:[], s:{s:{}, s:{}, s:i, s:i, s:i, s:i}}",
			      "format", "shmtrace-report", "version", 1, "leaked_segments", "unremoved_keys",
			      "posix_names_never_unlinked", "undetached_attachments", "misuse", "killed_processes", "other_segments",
			      "summary", "calls", "failures", "injected", 0, "processes", 0, "removed_outside_trace", 0,
			      "gone_with_namespace", 0);
	return m->tombs && m->report ? 0 : -1;
}

void model_free(struct model *m)
{
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&m->processes, &i, &key, &value);) {
		struct process *p = value;
		for (struct attachment *a = p->att, *next; a; a = next) {
			next = a->next;
			free(a);
		}
		free(p->exe);
		free(p);
	}
	for (size_t i = 0; map_next(&m->segments, &i, &key, &value);)
		free_segment(value);
	for (size_t i = 0; map_next(&m->posix, &i, &key, &value);) {
		free(((struct posix_name *)value)->name);
		free(((struct posix_name *)value)->exe);
		free(value);
	}
	for (size_t i = 0; map_next(&m->ftoks, &i, &key, &value);)
		free_ftok_origin(value);
	map_free(&m->posix);
	map_free(&m->ftoks);
	map_free(&m->processes);
	map_free(&m->segments);
	map_free(&m->groups);
	map_free(&m->removed);
	map_free(&m->externals);
	free(m->tombs);
	json_decref(m->kernel_before);
	json_decref(m->kernel_after);
	json_decref(m->run_processes);
	map_free(&m->run_pids);
	json_decref(m->report);
}
