/* What is left when the trace ends: segments created and never removed
 * (leaks), and sets and queues (model_sysv.c), their keys, and the
 * kernel's own before/after view, which also shows segments made by calls
 * the shim could not see. */
#include <stdlib.h>
#include <string.h>

#include "../common/calls.h"
#include "model_state.h"
#include "runspans.h"

struct leak {
	struct segment *seg; /* NULL: seen only in the kernel's table */
	const json_t *kernel; /* its line in the "after" table, if any */
	unsigned long long ts;
};

/* Who is attached to each segment now, before the processes are ended,
 * and who was when a signal killed them. */
static void attached_now(struct model *m, const struct segment *s, struct leak_finding *f)
{
	size_t n = s->nkilled;
	uint64_t pid;
	void *value;
	for (size_t i = 0; map_next(&m->processes, &i, &pid, &value);)
		for (struct attachment *a = ((struct process *)value)->att; a; a = a->next)
			n += a->seg == s;
	f->attached = findings_alloc((n ? n : 1) * sizeof *f->attached);
	for (size_t i = 0; i < s->nkilled; i++) {
		const struct attacher *k = &s->killed_attached[i];
		f->attached[f->nattached++] =
			(struct attacher){k->pid, findings_strdup(k->program), k->addr, findings_strdup(k->killed_by)};
	}
	for (size_t i = 0; map_next(&m->processes, &i, &pid, &value);) {
		struct process *p = value;
		for (struct attachment *a = p->att; a; a = a->next)
			if (a->seg == s)
				f->attached[f->nattached++] = (struct attacher){p->pid, findings_strdup(p->exe), a->addr, NULL};
	}
}

static int leak_shmid(const struct leak *l)
{
	return l->seg ? l->seg->shmid : (int)num(l->kernel, "shmid");
}

/* By creation time; the kernel's table gives no time, so by id among those. */
static int by_time(const void *a, const void *b)
{
	const struct leak *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (leak_shmid(x) > leak_shmid(y)) - (leak_shmid(x) < leak_shmid(y));
}

/* For a creator pid that run saw given to a process not of the run as
 * well: whether the segment K was made while the pid was the run's
 * (runspans.h).  The kernel's change time has whole seconds: the span
 * must cover the whole of that second. */
static int in_run_span(const struct model *m, const json_t *k, long long cpid)
{
	const json_t *ctime = json_object_get(k, "ctime");
	long long from = json_integer_value(ctime) * 1000000000ll;
	int when = run_span_verdict(m->run_processes, cpid, from, from + 1000000000ll);
	return when != 2 && (!json_is_integer(ctime) || json_integer_value(ctime) < 0) ? -1 : when;
}

/* The kernel's word on whose a segment K is, from run's record of the run's
 * processes (never from a trace): 1 made by a process of this run, 0 not,
 * -1 unknown (no such record; or run could not see every fork and exit,
 * which any local user can cause by flooding the kernel's events, so that
 * a pid of the run may also have been another process's unseen; or its
 * pid was another process's too in the second the segment was made). */
static int of_this_run(const struct model *m, const json_t *k)
{
	long long cpid = num(k, "cpid");
	if (!m->run_processes || !json_is_true(json_object_get(m->run_processes, "complete")))
		return -1;
	if (cpid > 0 && map_get(&m->run_pids, (uint64_t)cpid)) {
		int when = in_run_span(m, k, cpid);
		return when == 2 ? 1 : when;
	}
	return 0;
}

/* A segment the kernel says a process not of the run made (another
 * user's, a parallel job's; or one a forged trace claims, which may have
 * been there before the run, in namespace NS): told apart, never this
 * run's leak. */
static void other_segment(struct model *m, const json_t *k, unsigned long long ns, const char *note)
{
	struct other_segment *o = findings_alloc(sizeof *o);
	*o = (struct other_segment){(int)num(k, "shmid"), (unsigned)hexnum(k, "key"), num(k, "size"), num(k, "cpid"),
				    num(k, "uid"), in_table(m, m->kernel_before, ns, (int)num(k, "shmid")) != NULL, note};
	FINDINGS_PUSH(&m->found->others, o);
}

/* Whether IPC namespace NS may still hold segments at the end: the one
 * whose table run took (the run's own, which outlives it), or, without
 * run's table at the end (which it takes once every process of the run has
 * ended), one that a process the trace never saw end is still in.  The
 * kernel destroys a namespace's segments with it (ipc_namespaces(7)); one
 * kept alive by a bind mount or an open descriptor alone is not seen. */
int model_ns_alive(struct model *m, unsigned long long ns)
{
	if (ns == table_ns(m, m->kernel_after ? m->kernel_after : m->kernel_before))
		return 1;
	if (m->kernel_after)
		return 0;
	uint64_t pid;
	void *value;
	for (size_t i = 0; map_next(&m->processes, &i, &pid, &value);) {
		const struct process *p = value;
		if (!p->ended && p->ipc_ns == ns)
			return 1;
	}
	return 0;
}

/* Traced leaks, minus those gone from the kernel's table by the end (removed
 * by someone outside the trace) and those that went with their namespace,
 * plus segments that appeared in the table during the run without a traced
 * creation. */
/* A segment whose IPC_RMID is done, kept until its last detach (SHM_DEST):
 * removed, whoever removed it, and gone when its attachers are. */
static int marked_removed(const json_t *k)
{
	return json_is_true(json_object_get(k, "dest"));
}

static size_t collect_leaks(struct model *m, struct leak **out)
{
	size_t n = 0, cap = 0;
	struct leak *leaks = NULL;
	uint64_t shmid;
	void *value;
	for (size_t i = 0; map_next(&m->segments, &i, &shmid, &value);) {
		struct segment *s = value;
		if (!s->traced_create || s->removed)
			continue;
		if (!model_ns_alive(m, s->ipc_ns)) {
			m->found->summary.gone_with_namespace++;
			continue;
		}
		const json_t *k = in_table(m, m->kernel_after, s->ipc_ns, s->shmid);
		if (m->kernel_after && (!k || marked_removed(k)) && table_ns(m, m->kernel_after) == s->ipc_ns) {
			m->found->summary.removed_outside_trace++;
			continue;
		}
		if (k && of_this_run(m, k) == 0) {
			other_segment(m, k, s->ipc_ns, "a trace says a process of this run created it, but the kernel's creator is not one");
			continue;
		}
		if (n == cap)
			leaks = realloc(leaks, (cap = cap ? cap * 2 : 16) * sizeof *leaks);
		leaks[n++] = (struct leak){s, k, s->create_ts};
	}
	size_t i;
	json_t *seg;
	json_array_foreach(m->kernel_after ? json_object_get(m->kernel_after, "segments") : NULL, i, seg)
	{
		int id = (int)num(seg, "shmid");
		unsigned long long ns = table_ns(m, m->kernel_after);
		struct segment *s = map_get(&m->segments, seg_key(ns, id));
		if (marked_removed(seg) || in_table(m, m->kernel_before, ns, id) || (s && (s->traced_create || s->nattach)))
			continue;
		if (m->own_pids_only && !map_get(&m->processes, (uint64_t)num(seg, "cpid")))
			continue; /* another run's, beside this one */
		if (of_this_run(m, seg) == 0) {
			other_segment(m, seg, ns, "made during the run by a process that is not of this run");
			continue;
		}
		if (n == cap)
			leaks = realloc(leaks, (cap = cap ? cap * 2 : 16) * sizeof *leaks);
		leaks[n++] = (struct leak){NULL, seg, (unsigned long long)num(m->kernel_after, "ts")};
	}
	if (n) /* qsort's array may not be NULL, even empty */
		qsort(leaks, n, sizeof *leaks, by_time);
	*out = leaks;
	return n;
}

/* What sweep may remove and --live may tell a person to remove: a segment
 * the kernel says a process of this run made, and not there before it. */
static void kernel_verdict(struct model *m, struct leak_finding *f, const struct leak *l)
{
	int id = leak_shmid(l);
	unsigned long long ns = l->seg ? l->seg->ipc_ns : table_ns(m, m->kernel_after);
	int ours = l->kernel && of_this_run(m, l->kernel) == 1;
	int before = in_table(m, m->kernel_before, ns, id) != NULL;
	f->has_kernel_cpid = l->kernel != NULL;
	if (l->kernel)
		f->kernel_cpid = num(l->kernel, "cpid");
	f->removable = ours && !before;
}

static struct leak_finding *traced_leak(struct model *m, const struct leak *l)
{
	const struct segment *s = l->seg;
	struct leak_finding *f = findings_alloc(sizeof *f);
	*f = (struct leak_finding){.shmid = s->shmid,
				   .key = s->key,
				   .size = s->size,
				   .pid = s->creator_pid,
				   .program = findings_strdup(s->creator_exe),
				   .seen_by_trace = 1,
				   .created_ts = s->create_ts,
				   .stack = symbolize_backtrace(m->symbols, s->create_stack),
				   .ipc_ns = s->ipc_ns};
	attached_now(m, s, f);
	/* run's table is of its own namespace only: of another, nothing known. */
	int seen_table = m->kernel_after && table_ns(m, m->kernel_after) == s->ipc_ns;
	f->in_kernel = l->kernel ? 1 : seen_table ? 0 : -1;
	return f;
}

static const char *untraced_note(enum untraced why, int traced)
{
	switch (why) {
	case UNTRACED_NO_FILE:
		return "created by a process of the run that could not create its trace file (untraced.txt "
		       "names it: a program it ran as another user, say): its calls are not in the trace";
	case UNTRACED_SECURE:
		return "created by a program of the run that ran in secure-execution mode (untraced.txt names it: "
		       "set-user-ID, file capabilities, or started by a process whose real and effective ids "
		       "differ), where the loader ignores LD_PRELOAD: its calls are not in the trace";
	case UNTRACED_CUT:
		return "created by a process of the run whose trace was cut (untraced.txt names it: past --max-size, "
		       "ulimit -f or a full disk, after it dropped privileges): its later calls are not in the trace";
	case UNTRACED_LOADER:
		return "created by a program of the run that the library cannot be preloaded into (untraced.txt "
		       "names it: static, 32-bit, or another C library's, as musl's): its calls are not in the trace";
	case UNTRACED_NOT:
		break;
	}
	return traced ? "created by a traced process without a traced call (an inline system call?)"
		      : "created during the run by a process that made no traced call (a static program? an inline system call?)";
}

/* A segment in the kernel's table that no traced call created: its creator
 * pid is all we know, and whether that process was traced. */
static struct leak_finding *untraced_leak(struct model *m, const struct leak *l)
{
	int cpid = (int)num(l->kernel, "cpid");
	struct process *p = map_get(&m->processes, (uint64_t)cpid);
	struct leak_finding *f = findings_alloc(sizeof *f);
	*f = (struct leak_finding){
		.shmid = (int)num(l->kernel, "shmid"),
		.key = (unsigned)hexnum(l->kernel, "key"),
		.size = (unsigned long long)num(l->kernel, "size"),
		.pid = cpid,
		.program = findings_strdup(p ? p->exe : NULL),
		.in_kernel = 1,
		.note = untraced_note(reader_untraced(m->reader, cpid), p != NULL)};
	return f;
}

static int by_name_time(const void *a, const void *b)
{
	const struct posix_name *x = *(struct posix_name *const *)a, *y = *(struct posix_name *const *)b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Names created with shm_open and never unlinked: they stay in /dev/shm.
 * Not one whose file run's table after the run says is no longer at its
 * name in that /dev/shm (rm, mv, unlink("/dev/shm/..."): what the trace
 * does not see), as for a segment removed outside the trace; one made in
 * another /dev/shm (another mount) is not run's table's to judge. */
static void posix_leaks(struct model *m)
{
	struct map after = {0};
	unsigned long long dev = 0;
	int known = dev_shm_after(m, &after, &dev);
	size_t n = 0;
	struct posix_name **names = calloc(m->posix.used + 1, sizeof *names);
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&m->posix, &i, &key, &value);)
		names[n++] = value;
	qsort(names, n, sizeof *names, by_name_time);
	for (size_t i = 0; i < n; i++) {
		if (known && posix_name_gone(&after, dev, names[i])) {
			m->found->summary.removed_outside_trace++;
			continue;
		}
		struct posix_finding *f = findings_alloc(sizeof *f);
		*f = (struct posix_finding){findings_strdup(names[i]->name), names[i]->pid, findings_strdup(names[i]->exe),
					    names[i]->ts, symbolize_backtrace(m->symbols, names[i]->stack)};
		FINDINGS_PUSH(&m->found->names, f);
	}
	free(names);
	map_free(&after);
}

static int same_program(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

/* The unremoved key KEY, added to the findings if new, with PROGRAM
 * among its programs. */
static struct unremoved_key *unremoved_key(struct model *m, unsigned key, const char *program)
{
	struct findings *found = m->found;
	struct unremoved_key *k = NULL;
	for (size_t j = 0; j < found->keys.n && !k; j++)
		if (found->keys.at[j]->key == key)
			k = found->keys.at[j];
	if (!k) {
		k = findings_alloc(sizeof *k);
		k->key = key;
		struct ftok_origin *o = map_get(&m->ftoks, (uint64_t)key + 1);
		if (o) {
			k->ftok_path = findings_strdup(o->path);
			k->ftok_id = o->id;
		}
		FINDINGS_PUSH(&found->keys, k);
	}
	int seen = 0;
	for (size_t j = 0; j < k->nprograms; j++)
		seen |= same_program(k->programs[j], program);
	if (!seen) {
		k->programs = findings_realloc(k->programs, (k->nprograms + 1) * sizeof *k->programs);
		k->programs[k->nprograms++] = findings_strdup(program);
	}
	return k;
}

static void add_id(int **ids, size_t *n, int id)
{
	*ids = findings_realloc(*ids, (*n + 1) * sizeof **ids);
	(*ids)[(*n)++] = id;
}

/* The keys of the leaks, each with its segments, sets and queues, and
 * their programs: one key, whichever kinds of object were left under it
 * (a key is per kind in the kernel, but it is one name in the program's
 * source, and one ftok). IPC_PRIVATE (0) is no key to find anything by. */
static void unremoved_keys(struct model *m)
{
	struct findings *found = m->found;
	for (size_t i = 0; i < found->leaks.n; i++) {
		const struct leak_finding *leak = found->leaks.at[i];
		if (leak->key == 0)
			continue;
		struct unremoved_key *k = unremoved_key(m, leak->key, leak->program);
		k->segments++;
		add_id(&k->shmids, &k->nshmids, leak->shmid);
	}
	for (size_t i = 0; i < found->ipc_leaks.n; i++) {
		const struct ipc_leak_finding *leak = found->ipc_leaks.at[i];
		if (leak->key == 0)
			continue;
		struct unremoved_key *k = unremoved_key(m, leak->key, leak->program);
		if (leak->kind == SYSV_SEM)
			add_id(&k->semids, &k->nsemids, leak->id);
		else
			add_id(&k->msqids, &k->nmsqids, leak->id);
	}
}

static void summary_peak(struct model *m)
{
	m->found->summary.peak.segments = m->peak.segments;
	m->found->summary.peak.bytes = (long long)m->peak.bytes;
	m->found->summary.peak.ts = (long long)m->peak_ts;
}

/* What --live and sweep check a POSIX name against: when the run began
 * and what /dev/shm held then; the run's processes (and when each was the
 * run's), who made each name (run's watch of /dev/shm) and, without that,
 * the user ids the run's processes had, as run saw them. */
static void run_facts(struct model *m)
{
	static const char *const keys[] = {"complete", "pids", "left_running", "uids", "uid_spans",
					   "shared_spans", "dev_shm_watch", "dev_shm_made"};
	if (!m->run_processes)
		return;
	json_t *run = json_object();
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (json_object_get(m->run_processes, keys[i]))
			json_object_set(run, keys[i], json_object_get(m->run_processes, keys[i]));
	if (m->kernel_before) {
		json_object_set(run, "started_realtime", json_object_get(m->kernel_before, "realtime"));
		json_object_set(run, "dev_shm_before", json_object_get(m->kernel_before, "dev_shm_inodes"));
	}
	m->found->run = run;
}

struct findings *model_finish(struct model *m)
{
	summary_peak(m);
	struct leak *leaks;
	size_t n = collect_leaks(m, &leaks);
	for (size_t i = 0; i < n; i++) {
		struct leak_finding *f = leaks[i].seg ? traced_leak(m, &leaks[i]) : untraced_leak(m, &leaks[i]);
		kernel_verdict(m, f, &leaks[i]);
		FINDINGS_PUSH(&m->found->leaks, f);
	}
	sysv_finish(m);
	run_facts(m);
	free(leaks);
	model_end_processes(m, ENDED_BY_END_OF_TRACE);
	unremoved_keys(m);
	posix_leaks(m);
	names_untraced(m);

	struct findings *found = m->found;
	m->found = NULL;
	return found;
}
