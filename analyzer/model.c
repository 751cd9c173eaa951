#include "model.h"

#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fnv.h"
#include "../common/trace_format.h"
#include "model_state.h"
#include "printable.h"

/* ---- processes and segments ----------------------------------------- */

struct process *model_process(struct model *m, int pid)
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
void model_maybe_destroy(struct model *m, struct segment *s)
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

struct segment *model_new_segment(struct model *m, unsigned long long ipc_ns, int shmid)
{
	uint64_t k = seg_key(ipc_ns, shmid);
	struct segment *old = map_get(&m->segments, k);
	if (old) {
		old->orphaned = 1;
		map_remove(&m->segments, k);
		model_maybe_destroy(m, old);
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

/* The segment the kernel now calls SHMID in namespace IPC_NS; one the trace
 * never saw created is noted once as created outside the trace. */
struct segment *model_segment(struct model *m, unsigned long long ipc_ns, int shmid, const struct process *p,
			      struct stack *stack)
{
	uint64_t k = seg_key(ipc_ns, shmid);
	struct segment *s = map_get(&m->segments, k);
	if (s)
		return s;
	s = model_new_segment(m, ipc_ns, shmid);
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

void model_attach(struct process *p, struct segment *s, unsigned long long addr, struct stack *stack, int inherited)
{
	struct attachment *a = calloc(1, sizeof *a);
	*a = (struct attachment){addr, s, stack, inherited, p->att};
	p->att = a;
	s->nattach++;
}

void model_drop(struct model *m, struct attachment *a)
{
	a->seg->nattach--;
	model_maybe_destroy(m, a->seg);
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
		model_drop(m, a);
	}
	p->att = NULL;
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
	*k = (struct killed_process){(int)num(rec, "pid"), findings_strdup(p ? p->exe : NULL), findings_strdup(sig),
				     json_is_true(json_object_get(rec, "core")), num(rec, "ts")};
	FINDINGS_PUSH(&m->found->killed, k);
	if (!p) /* it made no traced call: nothing of it to end */
		return;
	for (struct attachment *a = p->att, *next; a; a = next) {
		next = a->next;
		struct segment *s = a->seg;
		s->killed_attached = findings_realloc(s->killed_attached, (s->nkilled + 1) * sizeof *s->killed_attached);
		s->killed_attached[s->nkilled++] =
			(struct attacher){p->pid, findings_strdup(p->exe), a->addr, findings_strdup(sig)};
		model_drop(m, a);
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
	return model_segment(m, parent ? parent->ipc_ns : p->ipc_ns, (int)num(a, "shmid"), p, NULL);
}

static void on_process(struct model *m, const char *event, const json_t *rec)
{
	int pid = (int)num(rec, "pid");
	struct process *p = map_get(&m->processes, (uint64_t)pid);
	if (strcmp(event, EV_KILLED) == 0) {
		/* One that made no traced call is named too (a worker that died
		 * of SIGSEGV: outside re-check); a traced one that ended before
		 * had its pid taken by another since. */
		on_killed(m, p && !p->ended ? p : NULL, rec);
		return;
	}
	if (strcmp(event, EV_START) == 0 || strcmp(event, EV_FORK) == 0) {
		if (p && !p->ended) /* the pid was reused by a new process */
			end_attachments(m, p, ENDED_BY_END_OF_TRACE);
		p = model_process(m, pid);
		p->ended = 0;
		p->ppid = (int)num(rec, "ppid");
		p->ipc_ns = m->run_ns;
		free(p->exe); /* a new process: not the program of the pid's last one */
		p->exe = NULL;
	} else {
		p = model_process(m, pid);
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
			model_attach(p, s, hexnum(a, "addr"), NULL, 1);
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
	const struct { int has; long long v; const char *name; } ints[] = {{call_has(c, RET), c->ret, "ret"},
		{call_has(c, SHMID), c->shmid, "shmid"}, {call_has(c, SEMID), c->semid, "semid"},
		{call_has(c, MSQID), c->msqid, "msqid"}};
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
		if (ints[i].has && (ints[i].v < INT_MIN || ints[i].v > INT_MAX))
			return ints[i].name;
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
	sysv_free(m);
	struct map *maps[] = {&m->posix,	 &m->ftoks,		&m->processes, &m->segments, &m->misuse_groups,
			      &m->undetached_groups, &m->removed, &m->externals, &m->run_pids, &m->ipc_objects};
	for (size_t i = 0; i < sizeof maps / sizeof *maps; i++)
		map_free(maps[i]);
	free(m->tombs);
	json_decref(m->kernel_before);
	json_decref(m->kernel_after);
	json_decref(m->run_processes);
	findings_free(m->found);
}
