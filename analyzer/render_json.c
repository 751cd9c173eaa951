/* The findings as the --format json document (docs/report-format.md): the
 * one place that names the report's JSON fields.  Members are set in the
 * documented order; jansson keeps it. */
#include <stdio.h>

#include "printable.h"
#include "render.h"

static json_t *hex(unsigned long long v, int width)
{
	char buf[24];
	snprintf(buf, sizeof buf, "0x%0*llx", width, v);
	return json_string(buf);
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

json_t *backtrace_json(const struct backtrace *b)
{
	json_t *frames = json_array();
	for (size_t i = 0; i < b->n; i++) {
		const struct symframe *f = &b->at[i];
		json_t *o = json_object();
		set(o, "ip", hex(f->ip, 0));
		set(o, "module", nullable(f->module));
		set(o, "offset", f->module ? hex(f->offset, 0) : json_null());
		set(o, "function", nullable(f->function));
		set(o, "file", nullable(f->file));
		set(o, "line", f->file ? json_integer(f->line) : json_null());
		json_array_append_new(frames, o);
	}
	return frames;
}

static void live_json(json_t *o, const struct live_now *l)
{
	if (!l->checked)
		return;
	json_t *live = json_object();
	if (l->elsewhere) { /* not looked at: neither there nor gone */
		set(live, "present", json_null());
		set(live, "other_ipc_namespace", json_true());
		set(o, "live", live);
		return;
	}
	set(live, "present", json_boolean(l->present));
	if (l->present) {
		if (l->of_segment) {
			set(live, "nattch", json_integer((json_int_t)l->nattch));
			set(live, "cpid", json_integer(l->cpid));
		}
		set(live, "confirmed", json_boolean(l->confirmed));
		if (l->remove)
			set(live, "remove", json_string(l->remove));
	} else if (l->id_reused_by.set) {
		const struct reused_id *r = &l->id_reused_by;
		if (l->of_segment)
			set(live, "id_reused_by", json_pack("{s:o, s:I, s:i, s:I}", "key", hex(r->key, 8), "size",
							    (json_int_t)r->size, "cpid", r->cpid, "uid", (json_int_t)r->uid));
		else /* a set or queue: the kernel keeps no creator pid */
			set(live, "id_reused_by", json_pack("{s:o, s:I}", "key", hex(r->key, 8), "uid", (json_int_t)r->uid));
	}
	set(o, "live", live);
}

static void suppression_json(json_t *o, const char *line)
{
	if (line)
		set(o, "suppression", json_string(line));
}

static json_t *attached_json(const struct leak_finding *l)
{
	json_t *list = json_array();
	for (size_t i = 0; i < l->nattached; i++) {
		const struct attacher *a = &l->attached[i];
		json_t *o = json_object();
		set(o, "pid", json_integer(a->pid));
		set(o, "program", nullable(a->program));
		set(o, "addr", hex(a->addr, 0));
		if (a->killed_by)
			set(o, "killed_by", json_string(a->killed_by));
		json_array_append_new(list, o);
	}
	return list;
}

static json_t *leak_json(const struct leak_finding *l)
{
	json_t *o = json_object();
	set(o, "shmid", json_integer(l->shmid));
	set(o, "key", hex(l->key, 8));
	set(o, "size", json_integer((json_int_t)l->size));
	set(o, "pid", json_integer(l->pid));
	set(o, "program", nullable(l->program));
	if (l->seen_by_trace)
		set(o, "created_ts", json_integer((json_int_t)l->created_ts));
	set(o, "stack", backtrace_json(&l->stack));
	set(o, "attached", attached_json(l));
	set(o, "seen_by_trace", json_boolean(l->seen_by_trace));
	set(o, "in_kernel", tristate(l->in_kernel));
	if (l->seen_by_trace)
		set(o, "ipc_ns", l->ipc_ns ? json_integer((json_int_t)l->ipc_ns) : json_null());
	else
		set(o, "note", json_string(l->note));
	if (l->has_kernel_cpid)
		set(o, "kernel_cpid", json_integer(l->kernel_cpid));
	set(o, "removable", json_boolean(l->removable));
	suppression_json(o, l->suppression);
	live_json(o, &l->live);
	return o;
}

/* A set's or queue's id is named as the kernel's table names it. */
static const char *const ipc_id_name[] = {[SYSV_SEM] = "semid", [SYSV_MSG] = "msqid"};

static json_t *ipc_leak_json(const struct ipc_leak_finding *l)
{
	json_t *o = json_object();
	set(o, ipc_id_name[l->kind], json_integer(l->id));
	set(o, "key", hex(l->key, 8));
	if (l->kind == SYSV_SEM)
		set(o, "nsems", json_integer((json_int_t)l->nsems));
	set(o, "pid", json_integer(l->pid));
	set(o, "program", nullable(l->program));
	set(o, "created_ts", json_integer((json_int_t)l->created_ts));
	set(o, "stack", backtrace_json(&l->stack));
	set(o, "in_kernel", tristate(l->in_kernel));
	set(o, "ipc_ns", l->ipc_ns ? json_integer((json_int_t)l->ipc_ns) : json_null());
	if (l->has_kernel) {
		set(o, "kernel_cuid", json_integer(l->kernel_cuid));
		set(o, "kernel_ctime", json_integer(l->kernel_ctime));
		if (l->kind == SYSV_MSG) {
			set(o, "qnum", json_integer((json_int_t)l->kernel_qnum));
			set(o, "cbytes", json_integer((json_int_t)l->kernel_cbytes));
		}
	}
	set(o, "removable", json_boolean(l->removable));
	suppression_json(o, l->suppression);
	live_json(o, &l->live);
	return o;
}

static json_t *ids_json(const int *ids, size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_integer(ids[i]));
	return list;
}

static json_t *key_json(const struct unremoved_key *k)
{
	json_t *o = json_object(), *programs = json_array();
	set(o, "key", hex(k->key, 8));
	set(o, "segments", json_integer(k->segments));
	for (size_t i = 0; i < k->nprograms; i++)
		json_array_append_new(programs, nullable(k->programs[i]));
	set(o, "shmids", ids_json(k->shmids, k->nshmids));
	set(o, "semids", ids_json(k->semids, k->nsemids));
	set(o, "msqids", ids_json(k->msqids, k->nmsqids));
	set(o, "programs", programs);
	if (k->ftok_path)
		set(o, "ftok", json_pack("{s:s, s:I}", "path", k->ftok_path, "id", (json_int_t)k->ftok_id));
	return o;
}

static json_t *posix_json(const struct posix_finding *p)
{
	json_t *o = json_object();
	set(o, "name", json_string(p->name));
	set(o, "pid", json_integer(p->pid));
	set(o, "program", nullable(p->program));
	if (!p->untraced)
		set(o, "created_ts", json_integer((json_int_t)p->created_ts));
	set(o, "stack", backtrace_json(&p->stack));
	set(o, "seen_by_trace", json_boolean(!p->untraced));
	if (p->untraced)
		set(o, "note", json_string(p->note));
	suppression_json(o, p->suppression);
	live_json(o, &p->live);
	return o;
}

static json_t *undetached_json(const struct undetached_finding *u)
{
	json_t *o = json_object();
	set(o, "count", json_integer(u->count));
	set(o, "stack", backtrace_json(&u->stack));
	set(o, "pid", json_integer(u->pid));
	set(o, "program", nullable(u->program));
	set(o, "shmid", json_integer(u->shmid));
	set(o, "key", hex(u->key, 8));
	set(o, "addr", hex(u->addr, 0));
	set(o, "ended_by", json_string(ended_by_name[u->ended_by]));
	suppression_json(o, u->suppression);
	return o;
}

static json_t *ftok_json(const struct ftok_call *c)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "path", c->path, "id", (json_int_t)c->id, "first_ts",
			      (json_int_t)c->first_ts, "last_ts", (json_int_t)c->last_ts);
	if (c->has_file_id) {
		set(o, "dev", json_integer((json_int_t)c->dev));
		set(o, "ino", json_integer((json_int_t)c->ino));
	}
	return o;
}

/* The fields only a misuse of this kind has, after the common ones. */
static void misuse_details(json_t *o, const struct misuse_finding *m)
{
	static const char *const id_name[] = {[OF_SEGMENT] = "shmid", [OF_SEMAPHORE_SET] = "semid",
					      [OF_MESSAGE_QUEUE] = "msqid"};
	const char *shmid = id_name[m->object];
	switch (m->kind) {
	case MISUSE_FAILED_CALL:
		set(o, "injected", json_integer(m->injected));
		break;
	case MISUSE_SHMDT_NOT_ATTACHED:
		set(o, "addr", hex(m->addr, 0));
		break;
	case MISUSE_USE_AFTER_REMOVE:
		set(o, shmid, json_integer(m->shmid));
		set(o, "removed_by_pid", json_integer(m->removed_by_pid));
		set(o, "removed_at", backtrace_json(&m->removed_at));
		break;
	case MISUSE_ATTACH_AFTER_REMOVE:
	case MISUSE_DOUBLE_REMOVE:
		set(o, shmid, json_integer(m->shmid));
		break;
	case MISUSE_CREATED_OUTSIDE_TRACE:
		set(o, shmid, json_integer(m->shmid));
		set(o, "before_run", tristate(m->before_run));
		if (m->has_cpid)
			set(o, "cpid", json_integer(m->cpid));
		break;
	case MISUSE_FTOK_COLLISION: {
		json_t *first = ftok_json(&m->first_ftok);
		set(first, "pid", json_integer(m->first_pid));
		set(first, "stack", backtrace_json(&m->first_stack));
		set(o, "key", hex(m->key, 8));
		set(o, "ftok", ftok_json(&m->ftok));
		set(o, "first_ftok", first);
		break;
	}
	case MISUSE_KINDS:
		break;
	}
}

static json_t *misuse_json(const struct misuse_finding *m)
{
	json_t *o = json_object();
	set(o, "kind", json_string(misuse_kind_name[m->kind]));
	set(o, "count", json_integer(m->count));
	set(o, "stack", backtrace_json(&m->stack));
	set(o, "message", json_string(m->message));
	if (m->kind == MISUSE_FAILED_CALL) {
		set(o, "call", json_string(m->call));
		set(o, "errno", json_string(m->errno_name));
	}
	set(o, "pid", json_integer(m->pid));
	set(o, "program", nullable(m->program));
	misuse_details(o, m);
	suppression_json(o, m->suppression);
	return o;
}

static json_t *killed_json(const struct killed_process *k)
{
	return json_pack("{s:i, s:o, s:s, s:b, s:I}", "pid", k->pid, "program", nullable(k->program), "signal",
			 k->signal, "core", k->core, "ts", (json_int_t)k->ts);
}

static json_t *other_json(const struct other_segment *s)
{
	return json_pack("{s:i, s:o, s:I, s:I, s:I, s:b, s:s}", "shmid", s->shmid, "key", hex(s->key, 8), "size",
			 (json_int_t)s->size, "cpid", (json_int_t)s->cpid, "uid", (json_int_t)s->uid, "before_run",
			 s->before_run, "note", s->note);
}

static json_t *unattributed_json(const struct unattributed_object *u)
{
	json_t *o = json_pack("{s:s, s:i, s:o, s:I, s:I}", "kind", u->kind == SYSV_SEM ? "semaphore_set" : "message_queue",
			      ipc_id_name[u->kind], u->id, "key", hex(u->key, 8), "kernel_cuid", (json_int_t)u->uid,
			      "kernel_ctime", (json_int_t)u->ctime);
	if (u->kind == SYSV_SEM)
		set(o, "nsems", json_integer((json_int_t)u->nsems));
	return o;
}

json_t *summary_calls_json(const struct summary *s)
{
	json_t *calls = json_object();
	for (int c = 0; c < CALL_COUNT; c++)
		if (s->calls[c])
			set(calls, call_table[c].name, json_integer(s->calls[c]));
	return calls;
}

static json_t *summary_json(const struct summary *s)
{
	json_t *o = json_object(), *failures = json_object();
	for (int i = 0; i < s->nfailures; i++)
		set(failures, s->failures[i].name, json_integer(s->failures[i].count));
	set(o, "calls", summary_calls_json(s));
	set(o, "failures", failures);
	/* The counts are named in JSON as in struct summary. */
#define COUNT(field) set(o, #field, json_integer(s->field));
	COUNT(injected) COUNT(processes) COUNT(removed_outside_trace) COUNT(gone_with_namespace);
	set(o, "peak", json_pack("{s:I, s:I, s:I}", "segments", (json_int_t)s->peak.segments, "bytes",
				 (json_int_t)s->peak.bytes, "ts", (json_int_t)s->peak.ts));
	COUNT(leaked_segments) COUNT(leaked_bytes) COUNT(unremoved_keys) COUNT(posix_names_never_unlinked);
	COUNT(leaked_semaphore_sets) COUNT(leaked_message_queues);
	COUNT(undetached_attachments) COUNT(misuse) COUNT(suppressed) COUNT(unattributed);
	COUNT(files) COUNT(records) COUNT(warnings) COUNT(incomplete_files) COUNT(skipped_files);
#undef COUNT
	return o;
}

/* Each member of LIST made JSON by TO_JSON, as an array. */
#define LIST_JSON(list, to_json)                                              \
	({                                                                    \
		json_t *array_ = json_array();                                \
		for (size_t i_ = 0; i_ < (list).n; i_++)                      \
			json_array_append_new(array_, to_json((list).at[i_])); \
		array_;                                                       \
	})

static json_t *ipc_leaks_json(const struct findings *f, enum sysv_kind kind)
{
	json_t *list = json_array();
	for (size_t i = 0; i < f->ipc_leaks.n; i++)
		if (f->ipc_leaks.at[i]->kind == kind)
			json_array_append_new(list, ipc_leak_json(f->ipc_leaks.at[i]));
	return list;
}

json_t *findings_json(const struct findings *f)
{
	json_t *o = json_object();
	set(o, "format", json_string("shmtrace-report"));
	set(o, "version", json_integer(1));
	set(o, "leaked_segments", LIST_JSON(f->leaks, leak_json));
	set(o, "unremoved_keys", LIST_JSON(f->keys, key_json));
	set(o, "posix_names_never_unlinked", LIST_JSON(f->names, posix_json));
	set(o, "leaked_semaphore_sets", ipc_leaks_json(f, SYSV_SEM));
	set(o, "leaked_message_queues", ipc_leaks_json(f, SYSV_MSG));
	set(o, "undetached_attachments", LIST_JSON(f->undetached, undetached_json));
	set(o, "misuse", LIST_JSON(f->misuse, misuse_json));
	set(o, "killed_processes", LIST_JSON(f->killed, killed_json));
	set(o, "other_segments", LIST_JSON(f->others, other_json));
	set(o, "unattributed_sets_and_queues", LIST_JSON(f->unattributed, unattributed_json));
	set(o, "summary", summary_json(&f->summary));
	if (f->run)
		json_object_set(o, "run", f->run);
	if (f->run_untrusted) /* a path: bytes, made valid UTF-8 */
		set(o, "run_untrusted", json_string(printable(f->run_untrusted)));
	return o;
}

int write_json(FILE *out, const json_t *doc)
{
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		return -1;
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

int render_json(FILE *out, const struct findings *f)
{
	json_t *doc = findings_json(f);
	int ret = write_json(out, doc);
	json_decref(doc);
	return ret;
}
