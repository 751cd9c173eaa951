#include "suppress.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *prefix;
	const char *section;
} kinds[] = {
	{"leak:", "leaked_segments"},
	{"key:", "key"},
	{"undetached:", "undetached_attachments"},
	{"misuse:", "misuse"},
};

/* "main" -> "*main*", "^main$" -> "main". */
static char *to_glob(const char *pattern)
{
	size_t len = strlen(pattern);
	int anchored_start = pattern[0] == '^', anchored_end = len > 0 && pattern[len - 1] == '$';
	char *glob = malloc(len + 3);
	if (!glob)
		return NULL;
	snprintf(glob, len + 3, "%s%.*s%s", anchored_start ? "" : "*",
		 (int)(len - (size_t)anchored_start - (size_t)anchored_end), pattern + anchored_start,
		 anchored_end ? "" : "*");
	return glob;
}

static int add_rule(struct suppressions *s, const char *line, int lineno)
{
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		size_t plen = strlen(kinds[k].prefix);
		if (strncmp(line, kinds[k].prefix, plen) != 0)
			continue;
		const char *pattern = line + plen;
		if (!*pattern)
			return -1;
		struct suppression *more = realloc(s->rules, (s->n + 1) * sizeof *more);
		if (!more)
			return -1;
		s->rules = more;
		int is_key = strcmp(kinds[k].section, "key") == 0;
		s->rules[s->n++] = (struct suppression){strdup(kinds[k].section),
							is_key ? strdup(pattern) : to_glob(pattern), lineno, 0};
		return 0;
	}
	return -1;
}

int suppressions_load(struct suppressions *s, const char *path, char *err, size_t errlen)
{
	*s = (struct suppressions){0};
	s->path = path;
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %m", path);
		return -1;
	}
	char line[1024];
	for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
		line[strcspn(line, "\r\n")] = '\0';
		char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		if (add_rule(s, p, lineno) != 0) {
			snprintf(err, errlen, "%s:%d: expected leak:, key:, undetached: or misuse: and a pattern, got '%s'",
				 path, lineno, p);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int frame_matches(const char *glob, const json_t *frame)
{
	static const char *fields[] = {"function", "file", "module"};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const char *v = json_string_value(json_object_get(frame, fields[i]));
		if (v && fnmatch(glob, v, 0) == 0)
			return 1;
	}
	return 0;
}

static int rule_matches(const struct suppression *r, const json_t *finding)
{
	size_t i;
	json_t *frame;
	json_array_foreach(json_object_get(finding, "stack"), i, frame)
	{
		if (frame_matches(r->pattern, frame))
			return 1;
	}
	const char *program = json_string_value(json_object_get(finding, "program"));
	return program && fnmatch(r->pattern, program, 0) == 0;
}

int suppressed(struct suppressions *s, const char *section, const json_t *finding)
{
	if (strcmp(section, "posix_names_never_unlinked") == 0)
		section = "leaked_segments"; /* leak: rules cover both kinds of leak */
	const char *key = json_string_value(json_object_get(finding, "key"));
	int is_leak = strcmp(section, "leaked_segments") == 0;
	for (size_t i = 0; i < s->n; i++) {
		struct suppression *r = &s->rules[i];
		int hit = strcmp(r->section, "key") == 0 ? is_leak && key && strcasecmp(key, r->pattern) == 0
			  : strcmp(r->section, section) == 0 ? rule_matches(r, finding)
							     : 0;
		if (hit) {
			r->used++;
			return 1;
		}
	}
	return 0;
}

char *suggest_suppression(const char *section, const json_t *finding)
{
	const char *prefix = strcmp(section, "leaked_segments") == 0 || strcmp(section, "posix_names_never_unlinked") == 0
				     ? "leak"
			     : strcmp(section, "undetached_attachments") == 0 ? "undetached"
									       : "misuse";
	const char *what = NULL;
	size_t i;
	json_t *frame;
	json_array_foreach(json_object_get(finding, "stack"), i, frame)
	{
		if ((what = json_string_value(json_object_get(frame, "function"))))
			break;
	}
	char *line = NULL;
	if (what) {
		if (asprintf(&line, "%s:^%s$", prefix, what) < 0)
			line = NULL;
	} else if ((what = json_string_value(json_object_get(finding, "key"))) && strcmp(what, "0x00000000") != 0) {
		if (asprintf(&line, "key:%s", what) < 0)
			line = NULL;
	} else if ((what = json_string_value(json_object_get(finding, "program")))) {
		if (asprintf(&line, "%s:%s$", prefix, what) < 0)
			line = NULL;
	}
	return line;
}

void suppressions_free(struct suppressions *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rules[i].section);
		free(s->rules[i].pattern);
	}
	free(s->rules);
}
