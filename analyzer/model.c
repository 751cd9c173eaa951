#include "model.h"

#include <stdint.h>
#include <stdio.h>
#include <limits.h>
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
	m->found->summary.processes++;
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
	for (size_t i = 0; i < s->nkilled; i++) {
		free(s->killed_attached[i].program);
		free(s->killed_attached[i].killed_by);
	}
	free(s->killed_attached);
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

struct misuse_finding *model_misuse(struct model *m, enum misuse_kind kind, const struct process *p,
				    struct stack *stack, uint64_t more, const char *message, int *fresh)
{
	uint64_t h = mix(mix((uint64_t)kind + 1, (uintptr_t)stack), more);
	struct misuse_finding *f = map_get(&m->misuse_groups, h);
	if (fresh)
		*fresh = !f;
	if (f) {
		f->count++;
		return f;
	}
	f = findings_alloc(sizeof *f);
	*f = (struct misuse_finding){.kind = kind,
				     .count = 1,
				     .stack = symbolize_backtrace(m->symbols, stack),
				     .message = findings_strdup(message),
				     .pid = p->pid,
				     .program = findings_strdup(p->exe)};
	FINDINGS_PUSH(&m->found->misuse, f);
	map_put(&m->misuse_groups, h, f);
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
		struct misuse_finding *f =
			model_misuse(m, MISUSE_CREATED_OUTSIDE_TRACE, p, stack, k,
				     before ? "segment used but not created by a traced call: it was there before the run "
					      "(noted, not a leak)"
					    : "segment used but not created by a traced call (noted, not a leak)",
				     NULL);
		f->shmid = shmid;
		f->before_run = m->kernel_before ? before != NULL : -1;
		f->has_cpid = before != NULL;
		if (before)
			f->cpid = num(before, "cpid");
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

/* Grouped by call site and how the process ended. */
static void undetached(struct model *m, struct process *p, struct attachment *a, enum ended_by ended_by)
{
	uint64_t h = mix((uintptr_t)a->stack, (uint64_t)ended_by);
	struct undetached_finding *f = map_get(&m->undetached_groups, h);
	if (f) {
		f->count++;
		return;
	}
	f = findings_alloc(sizeof *f);
	*f = (struct undetached_finding){.count = 1,
					 .stack = symbolize_backtrace(m->symbols, a->stack),
					 .pid = p->pid,
					 .program = findings_strdup(p->exe),
					 .shmid = a->seg->shmid,
					 .key = a->seg->key,
					 .addr = a->addr,
					 .ended_by = ended_by};
	FINDINGS_PUSH(&m->found->undetached, f);
	map_put(&m->undetached_groups, h, f);
}

/* exit, exec and the end of the trace detach everything; only what the
 * process attached itself, and never detached, is worth a warning. */
static void end_attachments(struct model *m, struct process *p, enum ended_by ended_by)
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
		struct misuse_finding *f =
			model_misuse(m, MISUSE_ATTACH_AFTER_REMOVE, p, stack, seg_key(p->ipc_ns, shmid),
				     "shmat of a segment already marked for removal (works on Linux only)", NULL);
		f->shmid = shmid;
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
		struct misuse_finding *f = model_misuse(m, MISUSE_DOUBLE_REMOVE, p, stack, seg_key(p->ipc_ns, shmid),
							"IPC_RMID of a segment already removed", NULL);
		f->shmid = shmid;
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
		struct misuse_finding *f = model_misuse(m, MISUSE_SHMDT_NOT_ATTACHED, p, stack, c->shmaddr,
							"shmdt of an address where nothing is attached", NULL);
		f->addr = c->shmaddr;
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
		struct misuse_finding *u = model_misuse(m, MISUSE_USE_AFTER_REMOVE, p, stack, k,
							"call on a segment id that was already removed", NULL);
		/* The latest removal of the id: it may have been reused since. */
		u->shmid = shmid;
		u->removed_by_pid = t->pid;
		backtrace_free(&u->removed_at);
		u->removed_at = symbolize_backtrace(m->symbols, t->stack);
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
	char message[96];
	snprintf(message, sizeof message, "%s failed with %s", c->call, c->errno_name);
	struct misuse_finding *f = model_misuse(m, MISUSE_FAILED_CALL, p, stack,
						mix(hash_str(c->call), hash_str(c->errno_name)), message, &fresh);
	if (fresh) {
		f->call = findings_strdup(c->call);
		f->errno_name = findings_strdup(c->errno_name);
	}
	if (c->injected)
		f->injected++;
}

/* The summary's counts of calls and failures. */
static void tally(struct model *m, const struct call_rec *c)
{
	struct summary *sum = &m->found->summary;
	int call = call_by_name(c->call);
	if (call >= 0)
		sum->calls[call]++;
	sum->injected += c->injected;
	if (!c->failed)
		return;
	for (int i = 0; i < sum->nfailures; i++)
		if (strcmp(sum->failures[i].name, c->errno_name) == 0) {
			sum->failures[i].count++;
			return;
		}
	if (sum->nfailures < (int)(sizeof sum->failures / sizeof *sum->failures)) {
		snprintf(sum->failures[sum->nfailures].name, sizeof sum->failures[0].name, "%s", c->errno_name);
		sum->failures[sum->nfailures++].count = 1;
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
	struct killed_process *k = findings_alloc(sizeof *k);
	*k = (struct killed_process){p->pid, findings_strdup(p->exe), findings_strdup(sig),
				     json_is_true(json_object_get(rec, "core")), num(rec, "ts")};
	FINDINGS_PUSH(&m->found->killed, k);
	for (struct attachment *a = p->att, *next; a; a = next) {
		next = a->next;
		struct segment *s = a->seg;
		s->killed_attached = findings_realloc(s->killed_attached, (s->nkilled + 1) * sizeof *s->killed_attached);
		s->killed_attached[s->nkilled++] =
			(struct attacher){p->pid, findings_strdup(p->exe), a->addr, findings_strdup(sig)};
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
			end_attachments(m, p, ENDED_BY_END_OF_TRACE);
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
			end_attachments(m, p, ENDED_BY_EXEC);
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
		end_attachments(m, p, ENDED_BY_EXIT);
		p->ended = 1;
	}
}

/* A pid is a positive int (pid_t); the numbers a call returns or takes as a
 * segment id are ints too.  Anything else in a record is testimony that
 * cannot be true: the record is dropped, not wrapped into another pid or
 * segment. */
static int pid_in_range(long long pid)
{
	return pid > 0 && pid <= INT_MAX;
}

static const char *call_out_of_range(const struct call_rec *c)
{
	if (!pid_in_range(c->pid))
		return "pid";
	if (call_has(c, RET) && (c->ret < INT_MIN || c->ret > INT_MAX))
		return "ret";
	if (call_has(c, SHMID) && (c->shmid < INT_MIN || c->shmid > INT_MAX))
		return "shmid";
	return NULL;
}

void model_feed(struct model *m, const struct record *record, struct trace_file *file)
{
	if (record->is_call) {
		const char *bad = call_out_of_range(&record->call);
		if (bad)
			reader_warn(m->reader, file, file->record_line, "call record: \"%s\" out of its range: ignored", bad);
		else
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
	} else if (strcmp(event, "kernel_file_replaced") == 0 && file->from_run) {
		reader_warn(m->reader, file, file->record_line,
			    "run found this file replaced or changed during the run (by the traced program?) and made it "
			    "anew from its own records; what was there is kernel.jsonl.replaced");
	} else if (strcmp(event, "kernel") == 0) {
		json_t **slot = strcmp(str(rec, "when") ? str(rec, "when") : "", "before") == 0 ? &m->kernel_before
											    : &m->kernel_after;
		json_decref(*slot);
		*slot = json_incref((json_t *)rec);
		if (!m->run_ns && num(rec, "ipc_ns") > 0)
			m->run_ns = (unsigned long long)num(rec, "ipc_ns");
	} else if (json_is_integer(json_object_get(rec, "pid")) && pid_in_range(num(rec, "pid"))) {
		on_process(m, event, rec);
	} else {
		reader_warn(m->reader, file, file->record_line, "\"%s\" record without a valid pid: ignored",
			    printable(event));
	}
}

void model_end_processes(struct model *m, enum ended_by ended_by)
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
	m->found = calloc(1, sizeof *m->found);
	return m->tombs && m->found ? 0 : -1;
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
	names_free(m);
	struct map *maps[] = {&m->posix,	 &m->ftoks,		&m->processes, &m->segments, &m->misuse_groups,
			      &m->undetached_groups, &m->removed, &m->externals, &m->run_pids};
	for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
		map_free(maps[i]);
	free(m->tombs);
	json_decref(m->kernel_before);
	json_decref(m->kernel_after);
	json_decref(m->run_processes);
	findings_free(m->found);
}
