#include "suppress.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *prefix;
	enum suppress_kind kind;
} kinds[] = {
	{"leak:", SUPPRESS_LEAK},
	{"key:", SUPPRESS_KEY},
	{"undetached:", SUPPRESS_UNDETACHED},
	{"misuse:", SUPPRESS_MISUSE},
};

/* A finding as a rule sees it: where it was made, by what, its key. */
struct suppressible {
	enum suppress_kind kind;
	const struct backtrace *stack;
	const char *program;
	int has_key;
	unsigned key;
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
		int is_key = kinds[k].kind == SUPPRESS_KEY;
		s->rules[s->n++] =
			(struct suppression){kinds[k].kind, is_key ? strdup(pattern) : to_glob(pattern), lineno, 0};
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

static int frame_matches(const char *glob, const struct symframe *frame)
{
	const char *fields[] = {frame->function, frame->file, frame->module};
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		if (fields[i] && fnmatch(glob, fields[i], 0) == 0)
			return 1;
	return 0;
}

static int rule_matches(const struct suppression *r, const struct suppressible *f)
{
	for (size_t i = 0; i < f->stack->n; i++)
		if (frame_matches(r->pattern, &f->stack->at[i]))
			return 1;
	return f->program && fnmatch(r->pattern, f->program, 0) == 0;
}

/* Whether F is suppressed (and counts the rule's use). */
static int suppressed(struct suppressions *s, const struct suppressible *f)
{
	char key[16];
	snprintf(key, sizeof key, "0x%08x", f->key);
	for (size_t i = 0; s && i < s->n; i++) {
		struct suppression *r = &s->rules[i];
		int hit = r->kind == SUPPRESS_KEY ? f->kind == SUPPRESS_LEAK && f->has_key && strcasecmp(key, r->pattern) == 0
			  : r->kind == f->kind	  ? rule_matches(r, f)
						  : 0;
		if (hit) {
			r->used++;
			return 1;
		}
	}
	return 0;
}

/* The line that would suppress F, e.g. "leak:^main$"; NULL if none. */
static char *suggestion(const struct suppressible *f)
{
	static const char *const prefix[] = {[SUPPRESS_LEAK] = "leak", [SUPPRESS_UNDETACHED] = "undetached",
					     [SUPPRESS_MISUSE] = "misuse"};
	const char *what = backtrace_function(f->stack);
	char *line = NULL;
	if (what) {
		if (asprintf(&line, "%s:^%s$", prefix[f->kind], what) < 0)
			line = NULL;
	} else if (f->has_key && f->key != 0) {
		if (asprintf(&line, "key:0x%08x", f->key) < 0)
			line = NULL;
	} else if (f->program) {
		if (asprintf(&line, "%s:%s$", prefix[f->kind], f->program) < 0)
			line = NULL;
	}
	return line;
}

/* Whether to keep F: not suppressed; then its suggestion, with GEN. */
static int keep(struct suppressions *s, int gen, const struct suppressible *f, char **suggested)
{
	if (suppressed(s, f))
		return 0;
	if (gen)
		*suggested = suggestion(f);
	return 1;
}

static int keep_leak(struct suppressions *s, int gen, struct leak_finding *l)
{
	return keep(s, gen, &(struct suppressible){SUPPRESS_LEAK, &l->stack, l->program, 1, l->key}, &l->suppression);
}

static int keep_name(struct suppressions *s, int gen, struct posix_finding *p)
{
	return keep(s, gen, &(struct suppressible){SUPPRESS_LEAK, &p->stack, p->program, 0, 0}, &p->suppression);
}

static int keep_ipc_leak(struct suppressions *s, int gen, struct ipc_leak_finding *l)
{
	return keep(s, gen, &(struct suppressible){SUPPRESS_LEAK, &l->stack, l->program, 1, l->key}, &l->suppression);
}

static int keep_undetached(struct suppressions *s, int gen, struct undetached_finding *u)
{
	return keep(s, gen, &(struct suppressible){SUPPRESS_UNDETACHED, &u->stack, u->program, 1, u->key},
		    &u->suppression);
}

static int keep_misuse(struct suppressions *s, int gen, struct misuse_finding *m)
{
	int has_key = m->kind == MISUSE_FTOK_COLLISION;
	return keep(s, gen, &(struct suppressible){SUPPRESS_MISUSE, &m->stack, m->program, has_key, m->key},
		    &m->suppression);
}

/* Keeps the members of LIST that KEEP_IT(s, gen, member) keeps, frees the
 * others with FREE_IT and counts them in DROPPED. */
#define FILTER(list, keep_it, free_it, dropped)                            \
	do {                                                               \
		size_t kept_ = 0;                                          \
		for (size_t i_ = 0; i_ < (list).n; i_++) {                 \
			if (keep_it(s, gen, (list).at[i_])) {              \
				(list).at[kept_++] = (list).at[i_];        \
			} else {                                           \
				free_it((list).at[i_]);                    \
				(dropped)++;                               \
			}                                                  \
		}                                                          \
		(list).n = kept_;                                          \
	} while (0)

/* Whether a leak of KEY is left. */
static int key_left(const struct findings *f, unsigned key)
{
	for (size_t i = 0; i < f->leaks.n; i++)
		if (f->leaks.at[i]->key == key)
			return 1;
	for (size_t i = 0; i < f->ipc_leaks.n; i++)
		if (f->ipc_leaks.at[i]->key == key)
			return 1;
	return 0;
}

long suppress_findings(struct findings *f, struct suppressions *s, int gen)
{
	long dropped = 0;
	FILTER(f->leaks, keep_leak, leak_finding_free, dropped);
	FILTER(f->names, keep_name, posix_finding_free, dropped);
	FILTER(f->ipc_leaks, keep_ipc_leak, ipc_leak_finding_free, dropped);
	FILTER(f->undetached, keep_undetached, undetached_finding_free, dropped);
	FILTER(f->misuse, keep_misuse, misuse_finding_free, dropped);
	/* Keys are derived from the leaks: one goes with its last leak (its
	 * counts stay those of the whole run). */
	size_t kept = 0;
	for (size_t i = 0; i < f->keys.n; i++)
		if (key_left(f, f->keys.at[i]->key))
			f->keys.at[kept++] = f->keys.at[i];
		else
			unremoved_key_free(f->keys.at[i]);
	f->keys.n = kept;
	return dropped;
}

void suppressions_free(struct suppressions *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->rules[i].pattern);
	free(s->rules);
}
