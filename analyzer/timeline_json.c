/* The timeline as the page's data: compact JSON (arrays, not objects;
 * strings and backtraces interned, times in ns from the first record), so
 * that a run of thousands of segments stays a page of a few MB.  The page's
 * script (analyzer/html/page.js) reads it; docs/report-format.md gives the
 * layout. */
#include "timeline_json.h"

#include <stdlib.h>
#include <string.h>

#include "../common/calls.h"
#include "printable.h"
#include "stacks.h"

static json_int_t rel(const struct timeline *t, unsigned long long ts)
{
	return ts >= t->t_first ? (json_int_t)(ts - t->t_first) : 0;
}

/* A backtrace: [[function, file, line, module, offset], ...], innermost
 * first; strings as indexes, -1 where unknown. */
static json_t *stack_json(struct timeline *t, struct symbolizer *symbols, const struct stack *st)
{
	json_t *frames = json_array();
	for (int i = 0; st && i < st->nframes; i++) {
		const struct frame *f = &st->frames[i];
		const struct symbol *sym = f->module ? symbolize(symbols, f->module, f->offset) : NULL;
		json_array_append_new(frames, json_pack("[i, i, i, i, I]", timeline_intern(t, sym ? sym->function : NULL),
							timeline_intern(t, sym ? sym->file : NULL),
							sym && sym->file ? sym->line : 0, timeline_intern(t, f->module),
							(json_int_t)(f->module ? f->offset : f->ip)));
	}
	return frames;
}

static json_t *objects_json(const struct timeline *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->nobjects; i++) {
		const struct tl_object *o = &t->objects[i];
		json_array_append_new(list, json_pack("[i, i, I, I, I, i, I, I, i, i, i, i, i, i, I]", o->kind, o->shmid,
						      (json_int_t)o->key, (json_int_t)o->size, (json_int_t)o->ipc_ns,
						      o->name, rel(t, o->t0), rel(t, o->t1), o->end, o->traced_create,
						      o->creator, o->create_stack, o->rm_proc, o->rm_stack,
						      o->rm_ts ? rel(t, o->rm_ts) : (json_int_t)-1));
	}
	return list;
}

static json_t *spans_json(const struct timeline *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->nspans; i++) {
		const struct tl_span *s = &t->spans[i];
		json_array_append_new(list, json_pack("[i, i, I, I, I, i, i, i, i]", s->object, s->proc, (json_int_t)s->addr,
						      rel(t, s->t0), rel(t, s->t1), s->end, s->inherited, s->stack,
						      s->end_stack));
	}
	return list;
}

static json_t *calls_json(const struct timeline *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->ncalls; i++) {
		const struct tl_call *c = &t->calls[i];
		json_array_append_new(list, json_pack("[I, I, i, i, i, i, b, i, i, I]", rel(t, c->ts), (json_int_t)c->dur,
						      c->proc, c->tid, c->call, c->err, c->injected, c->stack, c->object,
						      (json_int_t)c->ret));
	}
	return list;
}

static json_t *procs_json(const struct timeline *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->nprocs; i++) {
		const struct tl_process *p = &t->procs[i];
		json_array_append_new(list, json_pack("[i, i, i, i, I, I, i, i]", p->pid, p->ppid, p->exe, p->argv,
						      rel(t, p->t0), rel(t, p->t1), p->end, p->signal));
	}
	return list;
}

/* Strings from the trace are UTF-8 text (docs/trace-format.md, Strings);
 * a symbol name from debug information need not be: shown as \xHH then. */
static json_t *strings_json(const struct timeline *t)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->strings.n; i++) {
		json_t *s = json_string(t->strings.s[i]);
		json_array_append_new(list, s ? s : json_string(printable(t->strings.s[i])));
	}
	return list;
}

json_t *timeline_json(struct timeline *t, struct symbolizer *symbols)
{
	json_t *stacks = json_array(), *calls = json_array();
	/* Stacks first: symbolizing them adds strings. */
	for (size_t i = 0; i < t->nstacks; i++)
		json_array_append_new(stacks, stack_json(t, symbols, t->stacks[i]));
	for (int c = 0; c < CALL_COUNT; c++)
		json_array_append_new(calls, json_string(call_table[c].name));
	return json_pack("{s:i, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "version", 1, "t0", (json_int_t)t->t_first,
			 "t1", rel(t, t->t_last), "calls", calls, "procs", procs_json(t), "objects", objects_json(t),
			 "spans", spans_json(t), "marks", calls_json(t), "stacks", stacks, "strings", strings_json(t));
}
