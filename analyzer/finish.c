/* What is left when the trace ends: segments created and never removed
 * (leaks), their keys, and the kernel's own before/after view, which also
 * shows segments made by calls the shim could not see. */
#include <stdlib.h>
#include <string.h>

#include "../common/calls.h"
#include "model_state.h"

struct leak {
	struct segment *seg; /* NULL: seen only in the kernel's table */
	const json_t *kernel; /* its line in the "after" table, if any */
	unsigned long long ts;
};

/* Who is attached to each segment now, before the processes are ended,
 * and who was when a signal killed them. */
static json_t *attached_now(struct model *m, const struct segment *s)
{
	json_t *list = s->killed_attached ? json_copy(s->killed_attached) : json_array();
	uint64_t pid;
	void *value;
	for (size_t i = 0; map_next(&m->processes, &i, &pid, &value);) {
		struct process *p = value;
		for (struct attachment *a = p->att; a; a = a->next)
			if (a->seg == s)
				json_array_append_new(list, json_pack("{s:i, s:o, s:o}", "pid", p->pid, "program",
								      nullable_str(p->exe), "addr", hexstr(a->addr, 0)));
	}
	return list;
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

/* The kernel's word on whose a segment is, from run's record of the run's
 * processes (never from a trace): 1 made by a process of this run, 0 not,
 * -1 unknown (no such record, or run could not see every fork and the
 * creator is not among those it collected). */
static int of_this_run(const struct model *m, long long cpid)
{
	if (!m->run_processes)
		return -1;
	if (cpid > 0 && map_get(&m->run_pids, (uint64_t)cpid))
		return 1;
	return json_is_true(json_object_get(m->run_processes, "complete")) ? 0 : -1;
}

/* A segment the kernel says a process not of the run made (another
 * user's, a parallel job's; or one a forged trace claims, which may have
 * been there before the run, in namespace NS): told apart, never this
 * run's leak. */
static void other_segment(struct model *m, const json_t *k, unsigned long long ns, const char *note)
{
	int before = in_table(m, m->kernel_before, ns, (int)num(k, "shmid")) != NULL;
	json_array_append_new(section(m, "other_segments"),
			      json_pack("{s:i, s:O, s:I, s:I, s:I, s:b, s:s}", "shmid", (int)num(k, "shmid"), "key",
					json_object_get(k, "key"), "size", (json_int_t)num(k, "size"), "cpid",
					(json_int_t)num(k, "cpid"), "uid", (json_int_t)num(k, "uid"), "before_run",
					before, "note", note));
}

/* Whether IPC namespace NS may still hold segments at the end: the one
 * whose table run took (the run's own, which outlives it), or, without
 * run's table at the end (which it takes once every process of the run has
 * ended), one that a process the trace never saw end is still in.  The
 * kernel destroys a namespace's segments with it (ipc_namespaces(7)); one
 * kept alive by a bind mount or an open descriptor alone is not seen. */
static int ns_alive(struct model *m, unsigned long long ns)
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
		if (!ns_alive(m, s->ipc_ns)) {
			count(section(m, "summary"), "gone_with_namespace", 1);
			continue;
		}
		const json_t *k = in_table(m, m->kernel_after, s->ipc_ns, s->shmid);
		if (m->kernel_after && !k && table_ns(m, m->kernel_after) == s->ipc_ns) {
			count(section(m, "summary"), "removed_outside_trace", 1);
			continue;
		}
		if (k && of_this_run(m, num(k, "cpid")) == 0) {
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
		if (in_table(m, m->kernel_before, ns, id) || (s && (s->traced_create || s->nattach)))
			continue;
		if (m->own_pids_only && !map_get(&m->processes, (uint64_t)num(seg, "cpid")))
			continue; /* another run's, beside this one */
		if (of_this_run(m, num(seg, "cpid")) == 0) {
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
static void kernel_verdict(struct model *m, json_t *f, const struct leak *l)
{
	int id = leak_shmid(l);
	unsigned long long ns = l->seg ? l->seg->ipc_ns : table_ns(m, m->kernel_after);
	int ours = l->kernel && of_this_run(m, num(l->kernel, "cpid")) == 1;
	int before = in_table(m, m->kernel_before, ns, id) != NULL;
	if (l->kernel)
		json_object_set_new(f, "kernel_cpid", json_integer(num(l->kernel, "cpid")));
	json_object_set_new(f, "removable", json_boolean(ours && !before));
}

static json_t *traced_leak(struct model *m, const struct leak *l)
{
	const struct segment *s = l->seg;
	json_t *f = json_pack("{s:i, s:o, s:I, s:i, s:o, s:I, s:o, s:o, s:b}", "shmid", s->shmid, "key",
			      hexstr(s->key, 8), "size", (json_int_t)s->size, "pid", s->creator_pid, "program",
			      nullable_str(s->creator_exe), "created_ts", (json_int_t)s->create_ts, "stack",
			      symbolize_stack(m->symbols, s->create_stack), "attached", attached_now(m, s),
			      "seen_by_trace", 1);
	/* run's table is of its own namespace only: of another, nothing known. */
	int seen_table = m->kernel_after && table_ns(m, m->kernel_after) == s->ipc_ns;
	json_object_set_new(f, "in_kernel", l->kernel ? json_true() : seen_table ? json_false() : json_null());
	json_object_set_new(f, "ipc_ns", s->ipc_ns ? json_integer((json_int_t)s->ipc_ns) : json_null());
	return f;
}

/* A segment in the kernel's table that no traced call created: its creator
 * pid is all we know, and whether that process was traced. */
static json_t *untraced_leak(struct model *m, const struct leak *l)
{
	int cpid = (int)num(l->kernel, "cpid");
	struct process *p = map_get(&m->processes, (uint64_t)cpid);
	return json_pack("{s:i, s:O, s:I, s:i, s:o, s:[], s:[], s:b, s:b, s:s}", "shmid", (int)num(l->kernel, "shmid"),
			 "key", json_object_get(l->kernel, "key"), "size", (json_int_t)num(l->kernel, "size"), "pid",
			 cpid, "program", nullable_str(p ? p->exe : NULL), "stack", "attached", "seen_by_trace", 0,
			 "in_kernel", 1, "note",
			 p ? "created by a traced process without a traced call (an inline system call?)"
			   : "created during the run by a process that made no traced call (a static program? an inline system call?)");
}

static int by_name_time(const void *a, const void *b)
{
	const struct posix_name *x = *(struct posix_name *const *)a, *y = *(struct posix_name *const *)b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Names created with shm_open and never unlinked: they stay in /dev/shm. */
static void posix_leaks(struct model *m)
{
	size_t n = 0;
	struct posix_name **names = calloc(m->posix.used + 1, sizeof *names);
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&m->posix, &i, &key, &value);)
		names[n++] = value;
	qsort(names, n, sizeof *names, by_name_time);
	json_t *out = section(m, "posix_names_never_unlinked");
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, json_pack("{s:s, s:i, s:o, s:I, s:o}", "name", names[i]->name, "pid",
						     names[i]->pid, "program", nullable_str(names[i]->exe), "created_ts",
						     (json_int_t)names[i]->ts, "stack",
						     symbolize_stack(m->symbols, names[i]->stack)));
	free(names);
}

static void unremoved_keys(struct model *m)
{
	json_t *keys = section(m, "unremoved_keys"), *by_key = json_object();
	size_t i;
	json_t *leak;
	json_array_foreach(section(m, "leaked_segments"), i, leak)
	{
		const char *key = str(leak, "key");
		if (!key || strcmp(key, "0x00000000") == 0)
			continue; /* IPC_PRIVATE: no key to find it by */
		json_t *k = json_object_get(by_key, key);
		if (!k) {
			k = json_pack("{s:s, s:i, s:[], s:[]}", "key", key, "segments", 0, "shmids", "programs");
			struct ftok_origin *o = map_get(&m->ftoks, strtoull(key, NULL, 16) + 1);
			if (o)
				json_object_set_new(k, "ftok", json_pack("{s:s, s:I}", "path", o->path, "id", (json_int_t)o->id));
			json_object_set_new(by_key, key, k);
			json_array_append(keys, k);
		}
		count(k, "segments", 1);
		json_array_append(json_object_get(k, "shmids"), json_object_get(leak, "shmid"));
		json_t *program = json_object_get(leak, "program");
		json_t *programs = json_object_get(k, "programs");
		size_t j;
		json_t *known;
		int seen = 0;
		json_array_foreach(programs, j, known) seen |= json_equal(known, program);
		if (!seen)
			json_array_append(programs, program);
	}
	json_decref(by_key);
}

static void summary_counts(struct model *m)
{
	json_t *sum = section(m, "summary"), *calls = json_object_get(sum, "calls");
	json_t *failures = json_object_get(sum, "failures");
	for (int c = 0; c < CALL_COUNT; c++)
		if (m->calls[c])
			json_object_set_new(calls, call_table[c].name, json_integer(m->calls[c]));
	for (int i = 0; i < m->nfailures; i++)
		json_object_set_new(failures, m->failures[i].name, json_integer(m->failures[i].count));
	json_object_set_new(sum, "injected", json_integer(m->injected));
	json_object_set_new(sum, "peak", json_pack("{s:I, s:I, s:I}", "segments", (json_int_t)m->peak.segments, "bytes",
						   (json_int_t)m->peak.bytes, "ts", (json_int_t)m->peak_ts));
}

/* What --live and sweep check a POSIX name against: when the run began
 * and what /dev/shm held then; and the run's processes and their user
 * ids, as run saw them. */
static void run_facts(struct model *m)
{
	if (!m->run_processes)
		return;
	json_t *run = json_pack("{s:O, s:O, s:O, s:O*}", "complete", json_object_get(m->run_processes, "complete"),
				"pids", json_object_get(m->run_processes, "pids"), "left_running",
				json_object_get(m->run_processes, "left_running"), "uids",
				json_object_get(m->run_processes, "uids"));
	if (m->kernel_before) {
		json_object_set(run, "started_realtime", json_object_get(m->kernel_before, "realtime"));
		json_object_set(run, "dev_shm_before", json_object_get(m->kernel_before, "dev_shm_inodes"));
	}
	json_object_set_new(m->report, "run", run);
}

json_t *model_finish(struct model *m)
{
	summary_counts(m);
	struct leak *leaks;
	size_t n = collect_leaks(m, &leaks);
	json_t *out = section(m, "leaked_segments");
	for (size_t i = 0; i < n; i++) {
		json_t *f = leaks[i].seg ? traced_leak(m, &leaks[i]) : untraced_leak(m, &leaks[i]);
		kernel_verdict(m, f, &leaks[i]);
		json_array_append_new(out, f);
	}
	run_facts(m);
	free(leaks);
	model_end_processes(m, "end of trace");
	unremoved_keys(m);
	posix_leaks(m);

	json_t *report = m->report;
	m->report = NULL;
	return report;
}
