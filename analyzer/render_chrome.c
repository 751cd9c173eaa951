/* report --format chrome: the run in the Trace Event Format
 * (https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU),
 * which Perfetto's UI and chrome://tracing open.  Every call is a complete
 * event ("X") on its process and thread; the life of each segment and
 * POSIX name, and each attachment, a nestable async span ("b"/"e"); a
 * process killed by a signal an instant ("i"); process and thread names
 * metadata ("M").  Times in microseconds from the first record. */
#include <string.h>

#include "../common/calls.h"
#include "pictures.h"
#include "stacks.h"

static double us(const struct timeline *t, unsigned long long ts)
{
	return ts >= t->t_first ? (double)(ts - t->t_first) / 1000.0 : 0;
}

static const char *base(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path ? path : "?";
}

/* "function file:line" of a backtrace's innermost frame, else module+offset. */
static json_t *site(struct symbolizer *symbols, const struct stack *st)
{
	char buf[1024];
	if (!st || st->nframes == 0 || !st->frames[0].module)
		return json_null();
	const struct frame *f = &st->frames[0];
	const struct symbol *sym = symbolize(symbols, f->module, f->offset);
	if (sym && sym->function && sym->file)
		snprintf(buf, sizeof buf, "%s %s:%d", sym->function, base(sym->file), sym->line);
	else if (sym && sym->function)
		snprintf(buf, sizeof buf, "%s (%s)", sym->function, base(f->module));
	else
		snprintf(buf, sizeof buf, "%s+0x%llx", base(f->module), (unsigned long long)f->offset);
	json_t *s = json_string(buf);
	return s ? s : json_null(); /* a symbol that is not UTF-8 */
}

/* An event, one per line after the first: "[\n" then ",\n" between. */
static int emit(FILE *out, json_t *ev, int *first)
{
	int failed = !ev || fputs(*first ? "" : ",\n", out) < 0 || json_dumpf(ev, out, JSON_COMPACT) != 0;
	*first = 0;
	json_decref(ev);
	return failed ? -1 : 0;
}

static json_t *str_or_null(const struct timeline *t, int index)
{
	const char *s = timeline_string(t, index);
	return s ? json_string(s) : json_null();
}

static int names(FILE *out, const struct timeline *t, int *first)
{
	int failed = 0;
	for (size_t i = 0; i < t->nprocs; i++) {
		const struct tl_process *p = &t->procs[i];
		const char *exe = timeline_string(t, p->exe);
		failed |= emit(out, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}", "ph", "M", "name", "process_name", "pid",
					      p->pid, "tid", p->pid, "args", "name", base(exe)),
			       first);
		failed |= emit(out, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}", "ph", "M", "name", "thread_name", "pid",
					      p->pid, "tid", p->pid, "args", "name", base(exe)),
			       first);
	}
	return failed;
}

static json_t *object_name(const struct timeline *t, const struct tl_object *o)
{
	char buf[400];
	if (o->kind == TL_POSIX)
		snprintf(buf, sizeof buf, "shm_open %.300s", timeline_string(t, o->name));
	else
		snprintf(buf, sizeof buf, "%s %d key 0x%08x",
			 o->kind == TL_SEM ? "semaphore set" : o->kind == TL_MSG ? "message queue" : "segment", o->shmid, o->key);
	json_t *s = json_string(buf);
	return s ? s : json_string("?");
}

static const char *end_word(int end)
{
	static const char *const words[] = {"open at the end of the trace", "destroyed", "unlinked", "replaced",
					    "detached", "exit", "exec", "killed", "remapped"};
	return end >= 0 && end < (int)(sizeof words / sizeof *words) ? words[end] : "?";
}

/* A nestable async span: "b" and "e" with one id, on PID. */
static int span(FILE *out, const struct timeline *t, int *first, const char *cat, json_t *name, const char *id,
		int pid, unsigned long long t0, unsigned long long t1, json_t *args)
{
	int failed = emit(out, json_pack("{s:s, s:s, s:O, s:s, s:i, s:i, s:f, s:o}", "ph", "b", "cat", cat, "name", name,
					 "id", id, "pid", pid, "tid", pid, "ts", us(t, t0), "args", args),
			  first);
	failed |= emit(out, json_pack("{s:s, s:s, s:O, s:s, s:i, s:i, s:f}", "ph", "e", "cat", cat, "name", name, "id",
				      id, "pid", pid, "tid", pid, "ts", us(t, t1)),
		       first);
	json_decref(name);
	return failed;
}

static int lives(FILE *out, const struct timeline *t, int *first)
{
	int failed = 0;
	char id[32];
	for (size_t i = 0; i < t->nobjects; i++) {
		const struct tl_object *o = &t->objects[i];
		int pid = o->creator >= 0 ? t->procs[o->creator].pid : t->nprocs ? t->procs[0].pid : 1;
		snprintf(id, sizeof id, "object-%zu", i);
		json_t *args = json_pack("{s:s, s:b}", "end", end_word(o->end), "created_in_trace", o->traced_create);
		static const char *const category[] = {[TL_SYSV] = "segment", [TL_POSIX] = "posix_name",
						       [TL_SEM] = "semaphore_set", [TL_MSG] = "message_queue"};
		if (o->kind == TL_SYSV || o->kind == TL_SEM)
			json_object_set_new(args, o->kind == TL_SEM ? "nsems" : "size", json_integer((json_int_t)o->size));
		failed |= span(out, t, first, category[o->kind], object_name(t, o), id, pid, o->t0, o->t1, args);
	}
	for (size_t i = 0; i < t->nspans; i++) {
		const struct tl_span *s = &t->spans[i];
		char name[64], addr[24];
		snprintf(name, sizeof name, "attached %d", t->objects[s->object].shmid);
		snprintf(addr, sizeof addr, "0x%llx", s->addr);
		snprintf(id, sizeof id, "attach-%zu", i);
		failed |= span(out, t, first, "attachment", json_string(name), id, t->procs[s->proc].pid, s->t0, s->t1,
			       json_pack("{s:s, s:s, s:b}", "addr", addr, "ended_by", end_word(s->end), "inherited",
					 s->inherited));
	}
	return failed;
}

static int calls(FILE *out, const struct timeline *t, struct symbolizer *symbols, int *first)
{
	int failed = 0;
	for (size_t i = 0; i < t->ncalls; i++) {
		const struct tl_call *c = &t->calls[i];
		const struct tl_process *p = &t->procs[c->proc];
		json_t *args = json_pack("{s:o, s:b, s:I, s:o}", "errno", str_or_null(t, c->err), "injected", c->injected,
					 "ret", (json_int_t)c->ret, "at",
					 site(symbols, c->stack >= 0 ? t->stacks[c->stack] : NULL));
		static const char *const id_name[] = {[TL_SYSV] = "shmid", [TL_SEM] = "semid", [TL_MSG] = "msqid"};
		if (c->object >= 0 && t->objects[c->object].kind != TL_POSIX)
			json_object_set_new(args, id_name[t->objects[c->object].kind], json_integer(t->objects[c->object].shmid));
		else if (c->object >= 0)
			json_object_set_new(args, "name", str_or_null(t, t->objects[c->object].name));
		failed |= emit(out, json_pack("{s:s, s:s, s:s, s:i, s:i, s:f, s:f, s:o}", "ph", "X", "name",
					      call_table[c->call].name, "cat", c->err >= 0 ? "call,failed" : "call",
					      "pid", p->pid, "tid", c->tid > 0 ? c->tid : p->pid, "ts", us(t, c->ts),
					      "dur", (double)c->dur / 1000.0, "args", args),
			       first);
	}
	for (size_t i = 0; i < t->nprocs; i++) {
		const struct tl_process *p = &t->procs[i];
		if (p->end == TL_KILLED)
			failed |= emit(out, json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:f}", "ph", "i", "s", "p", "cat",
						      "process", "name", timeline_string(t, p->signal), "pid", p->pid, "tid",
						      p->pid, "ts", us(t, p->t1)),
				       first);
	}
	return failed;
}

int render_chrome(FILE *out, struct timeline *t, struct symbolizer *symbols)
{
	int first = 1;
	if (fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"tool\":\"shmtrace\"},\"traceEvents\":[\n", out) < 0)
		return -1;
	int failed = names(out, t, &first) | lives(out, t, &first) | calls(out, t, symbols, &first);
	return failed || fputs("\n]}\n", out) < 0 ? -1 : 0;
}
