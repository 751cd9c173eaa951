/* SARIF 2.1.0 for code-scanning views: one result per finding, located at
 * the innermost frame that has source, with the whole backtrace as the
 * result's stack. */
#include <string.h>

#include "../common/version.h"
#include "render.h"

struct rule {
	const char *id;
	const char *section;
	const char *kind; /* misuse kind, or NULL */
	const char *level;
	const char *text;
};

static const struct rule rules[] = {
	{"leaked-segment", "leaked_segments", NULL, "error", "A shared-memory segment was created and never removed (IPC_RMID)."},
	{"posix-name-never-unlinked", "posix_names_never_unlinked", NULL, "error", "A POSIX shared-memory name was created with shm_open and never unlinked."},
	{"undetached-attachment", "undetached_attachments", NULL, "warning", "A segment was attached and the process ended without detaching it."},
	{"failed-call", "misuse", "failed_call", "note", "A shared-memory call failed."},
	{"shmdt-not-attached", "misuse", "shmdt_not_attached", "warning", "shmdt of an address where nothing is attached."},
	{"use-after-remove", "misuse", "use_after_remove", "warning", "A call on a segment id that was already removed."},
	{"attach-after-remove", "misuse", "attach_after_remove", "warning", "shmat of a segment already marked for removal."},
	{"double-remove", "misuse", "double_remove", "warning", "IPC_RMID of a segment already removed."},
	{"created-outside-trace", "misuse", "created_outside_trace", "note", "A segment used but not created by a traced call."},
	{"ftok-collision", "misuse", "ftok_collision", "warning", "ftok gave one key for two different files or ids."},
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

static json_t *physical(const json_t *frame)
{
	const char *file = json_string_value(json_object_get(frame, "file"));
	if (!file)
		return NULL;
	const char *rel = relative_path(file);
	json_t *artifact = json_pack("{s:s}", "uri", rel);
	if (rel != file)
		json_object_set_new(artifact, "uriBaseId", json_string("%SRCROOT%"));
	return json_pack("{s:o, s:{s:O}}", "artifactLocation", artifact, "region", "startLine",
			 json_object_get(frame, "line"));
}

static json_t *stack_of(const json_t *frames)
{
	json_t *out = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(frames, i, f)
	{
		json_t *loc = json_object();
		json_t *where = physical(f);
		if (where)
			json_object_set_new(loc, "physicalLocation", where);
		const char *function = json_string_value(json_object_get(f, "function"));
		if (function)
			json_object_set_new(loc, "logicalLocations", json_pack("[{s:s, s:s}]", "name", function, "kind", "function"));
		json_t *frame = json_pack("{s:o}", "location", loc);
		if (json_is_string(json_object_get(f, "module")))
			json_object_set(frame, "module", json_object_get(f, "module"));
		json_array_append_new(out, frame);
	}
	return json_pack("[{s:o}]", "frames", out);
}

static json_t *result(const struct rule *r, const json_t *finding)
{
	char text[512];
	const json_t *frames = json_object_get(finding, "stack");
	if (strcmp(r->section, "leaked_segments") == 0)
		snprintf(text, sizeof text, "Segment %lld (key %s, %lld bytes) created by pid %lld was never removed.",
			 (long long)json_integer_value(json_object_get(finding, "shmid")),
			 json_string_value(json_object_get(finding, "key")),
			 (long long)json_integer_value(json_object_get(finding, "size")),
			 (long long)json_integer_value(json_object_get(finding, "pid")));
	else if (strcmp(r->section, "posix_names_never_unlinked") == 0)
		snprintf(text, sizeof text, "POSIX shared memory %s created by pid %lld was never unlinked.",
			 json_string_value(json_object_get(finding, "name")),
			 (long long)json_integer_value(json_object_get(finding, "pid")));
	else if (strcmp(r->section, "undetached_attachments") == 0)
		snprintf(text, sizeof text, "Segment %lld attached here was never detached (%s).",
			 (long long)json_integer_value(json_object_get(finding, "shmid")),
			 json_string_value(json_object_get(finding, "ended_by")));
	else
		snprintf(text, sizeof text, "%s.", json_string_value(json_object_get(finding, "message")));

	json_t *res = json_pack("{s:s, s:s, s:{s:s}}", "ruleId", r->id, "level", r->level, "message", "text", text);
	size_t i;
	json_t *f;
	json_array_foreach(frames, i, f)
	{
		json_t *where = physical(f);
		if (where) {
			json_object_set_new(res, "locations", json_pack("[{s:o}]", "physicalLocation", where));
			break;
		}
	}
	if (json_array_size(frames))
		json_object_set_new(res, "stacks", stack_of(frames));
	return res;
}

static const struct rule *rule_for(const char *section, const json_t *finding)
{
	const char *kind = json_string_value(json_object_get(finding, "kind"));
	for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
		if (strcmp(rules[i].section, section) == 0 && (!rules[i].kind || (kind && strcmp(rules[i].kind, kind) == 0)))
			return &rules[i];
	return NULL;
}

static int sarif_of(FILE *out, const json_t *report)
{
	static const char *sections[] = {"leaked_segments", "posix_names_never_unlinked", "undetached_attachments",
					 "misuse"};
	json_t *results = json_array();
	for (size_t s = 0; s < sizeof sections / sizeof *sections; s++) {
		size_t i;
		json_t *finding;
		json_array_foreach(json_object_get(report, sections[s]), i, finding)
		{
			const struct rule *r = rule_for(sections[s], finding);
			if (r)
				json_array_append_new(results, result(r, finding));
		}
	}
	json_t *sarif = json_pack("{s:s, s:s, s:[{s:{s:o}, s:o}]}", "$schema",
				  "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool",
				  "driver", driver(), "results", results);
	int ret = write_json(out, sarif);
	json_decref(sarif);
	return ret;
}

int render_sarif(FILE *out, const struct findings *f)
{
	json_t *doc = findings_json(f);
	int ret = sarif_of(out, doc);
	json_decref(doc);
	return ret;
}
