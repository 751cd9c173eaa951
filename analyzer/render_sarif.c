/* SARIF 2.1.0 for code-scanning views: one result per finding, located at
 * the innermost frame that has source, with the whole backtrace as the
 * result's stack. */
#include <stdio.h>
#include <string.h>

#include "../common/version.h"
#include "render.h"

/* What a result is about: a rule of ours, by the finding it reports. */
enum about { LEAKED_SEGMENT, LEAKED_SET, LEAKED_QUEUE, POSIX_NAME, UNDETACHED, MISUSE };

struct rule {
	const char *id;
	enum about about;
	enum misuse_kind kind; /* of a misuse */
	const char *level;
	const char *text;
};

static const struct rule rules[] = {
	{"leaked-segment", LEAKED_SEGMENT, 0, "error", "A shared-memory segment was created and never removed (IPC_RMID)."},
	{"leaked-semaphore-set", LEAKED_SET, 0, "error", "A System V semaphore set was created and never removed (IPC_RMID)."},
	{"leaked-message-queue", LEAKED_QUEUE, 0, "error", "A System V message queue was created and never removed (IPC_RMID)."},
	{"posix-name-never-unlinked", POSIX_NAME, 0, "error", "A POSIX shared-memory name was created with shm_open and never unlinked."},
	{"undetached-attachment", UNDETACHED, 0, "warning", "A segment was attached and the process ended without detaching it."},
	{"failed-call", MISUSE, MISUSE_FAILED_CALL, "note", "A shared-memory call failed."},
	{"shmdt-not-attached", MISUSE, MISUSE_SHMDT_NOT_ATTACHED, "warning", "shmdt of an address where nothing is attached."},
	{"use-after-remove", MISUSE, MISUSE_USE_AFTER_REMOVE, "warning", "A call on a segment, set or queue id that was already removed."},
	{"attach-after-remove", MISUSE, MISUSE_ATTACH_AFTER_REMOVE, "warning", "shmat of a segment already marked for removal."},
	{"double-remove", MISUSE, MISUSE_DOUBLE_REMOVE, "warning", "IPC_RMID of a segment, set or queue already removed."},
	{"created-outside-trace", MISUSE, MISUSE_CREATED_OUTSIDE_TRACE, "note", "A segment used but not created by a traced call."},
	{"ftok-collision", MISUSE, MISUSE_FTOK_COLLISION, "warning", "ftok gave one key for two different files or ids."},
};

static json_t *driver(void)
{
	json_t *list = json_array();
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		json_array_append_new(list, json_pack("{s:s, s:{s:s}, s:{s:s}}", "id", rules[i].id, "shortDescription",
						      "text", rules[i].text, "defaultConfiguration", "level",
						      rules[i].level));
	return json_pack("{s:s, s:s, s:o}", "name", "shmtrace", "version", SHMTRACE_VERSION, "rules", list);
}

static const struct rule *rule_for(enum about about, enum misuse_kind kind)
{
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (rules[i].about == about && (about != MISUSE || rules[i].kind == kind))
			return &rules[i];
	return NULL;
}

static json_t *physical(const struct symframe *frame)
{
	if (!frame->file)
		return NULL;
	const char *rel = relative_path(frame->file);
	json_t *artifact = json_pack("{s:s}", "uri", rel);
	if (rel != frame->file)
		json_object_set_new(artifact, "uriBaseId", json_string("%SRCROOT%"));
	return json_pack("{s:o, s:{s:i}}", "artifactLocation", artifact, "region", "startLine", frame->line);
}

static json_t *stack_of(const struct backtrace *b)
{
	json_t *out = json_array();
	for (size_t i = 0; i < b->n; i++) {
		const struct symframe *f = &b->at[i];
		json_t *loc = json_object();
		json_t *where = physical(f);
		if (where)
			json_object_set_new(loc, "physicalLocation", where);
		if (f->function)
			json_object_set_new(loc, "logicalLocations",
					    json_pack("[{s:s, s:s}]", "name", f->function, "kind", "function"));
		json_t *frame = json_pack("{s:o}", "location", loc);
		if (f->module)
			json_object_set_new(frame, "module", json_string(f->module));
		json_array_append_new(out, frame);
	}
	return json_pack("[{s:o}]", "frames", out);
}

/* A result of rule R that says TEXT, located at the innermost frame of
 * STACK that has source outside the C runtime; without one, at the
 * innermost frame's function and module, a logical location. */
static json_t *result(const struct rule *r, const char *text, const struct backtrace *stack)
{
	json_t *res = json_pack("{s:s, s:s, s:{s:s}}", "ruleId", r->id, "level", r->level, "message", "text", text);
	json_t *where = NULL;
	for (size_t i = 0; i < stack->n && !where; i++)
		if (!in_c_runtime(stack->at[i].module))
			where = physical(&stack->at[i]);
	if (where) {
		json_object_set_new(res, "locations", json_pack("[{s:o}]", "physicalLocation", where));
	} else {
		for (size_t i = 0; i < stack->n && !where; i++) {
			const struct symframe *f = &stack->at[i];
			if (!in_c_runtime(f->module) && (f->function || f->module))
				where = json_pack("{s:[{s:s, s:s}]}", "logicalLocations", "name",
						  f->function ? f->function : f->module, "kind", f->function ? "function" : "module");
		}
		if (where)
			json_object_set_new(res, "locations", json_pack("[o]", where));
	}
	if (stack->n)
		json_object_set_new(res, "stacks", stack_of(stack));
	return res;
}

static void results(json_t *list, const struct findings *f)
{
	char text[512];
	for (size_t i = 0; i < f->leaks.n; i++) {
		const struct leak_finding *l = f->leaks.at[i];
		snprintf(text, sizeof text, "Segment %d (key 0x%08x, %lld bytes) created by pid %d was never removed.",
			 l->shmid, l->key, (long long)l->size, l->pid);
		json_array_append_new(list, result(rule_for(LEAKED_SEGMENT, 0), text, &l->stack));
	}
	for (size_t i = 0; i < f->ipc_leaks.n; i++) {
		const struct ipc_leak_finding *l = f->ipc_leaks.at[i];
		snprintf(text, sizeof text, "%s %d (key 0x%08x) created by pid %d was never removed.",
			 l->kind == SYSV_SEM ? "Semaphore set" : "Message queue", l->id, l->key, l->pid);
		json_array_append_new(list, result(rule_for(l->kind == SYSV_SEM ? LEAKED_SET : LEAKED_QUEUE, 0), text, &l->stack));
	}
	for (size_t i = 0; i < f->names.n; i++) {
		const struct posix_finding *p = f->names.at[i];
		if (named_semaphore(p->name))
			snprintf(text, sizeof text, "Named semaphore /%s (sem_open) created by pid %d was never unlinked.",
				 named_semaphore(p->name), p->pid);
		else
			snprintf(text, sizeof text, "POSIX shared memory %s created by pid %d%s was never unlinked.", p->name,
				 p->pid, p->untraced ? " (a process of the run, without a traced call)" : "");
		json_array_append_new(list, result(rule_for(POSIX_NAME, 0), text, &p->stack));
	}
	for (size_t i = 0; i < f->undetached.n; i++) {
		const struct undetached_finding *u = f->undetached.at[i];
		snprintf(text, sizeof text, "Segment %d attached here was never detached (%s).", u->shmid,
			 ended_by_name[u->ended_by]);
		json_array_append_new(list, result(rule_for(UNDETACHED, 0), text, &u->stack));
	}
	for (size_t i = 0; i < f->misuse.n; i++) {
		const struct misuse_finding *m = f->misuse.at[i];
		snprintf(text, sizeof text, "%s.", m->message);
		json_array_append_new(list, result(rule_for(MISUSE, m->kind), text, &m->stack));
	}
}

int render_sarif(FILE *out, const struct findings *f)
{
	json_t *list = json_array();
	results(list, f);
	json_t *sarif = json_pack("{s:s, s:s, s:[{s:{s:o}, s:o}]}", "$schema",
				  "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool",
				  "driver", driver(), "results", list);
	int ret = write_json(out, sarif);
	json_decref(sarif);
	return ret;
}
