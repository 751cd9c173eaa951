/* Suppressions, in the spirit of LeakSanitizer's `leak:PATTERN` lines:
 *
 *     # a comment
 *     leak:PATTERN        leaked segments (and POSIX names) created from a matching frame
 *     key:0x5eed0001      leaked segments of this key
 *     undetached:PATTERN  undetached attachments made from a matching frame
 *     misuse:PATTERN      misuse found at a matching frame
 *
 * PATTERN matches a frame's function, source file or module, or the
 * program: as a substring, `*` matching anything, `^` and `$` anchoring it
 * to the start and end.  docs/report-format.md has examples. */
#ifndef SHMTRACE_SUPPRESS_H
#define SHMTRACE_SUPPRESS_H

#include <stddef.h>

#include "findings.h"

/* What a rule applies to: leaks (of segments and of POSIX names), leaks by
 * their key, undetached attachments, misuse. */
enum suppress_kind { SUPPRESS_LEAK, SUPPRESS_KEY, SUPPRESS_UNDETACHED, SUPPRESS_MISUSE };

struct suppression {
	enum suppress_kind kind;
	char *pattern; /* an fnmatch(3) pattern, or the key */
	int line;
	long used;
};

struct suppressions {
	struct suppression *rules;
	size_t n;
	const char *path;
};

/* 0, or -1 with "file:line: message" in err. */
int suppressions_load(struct suppressions *s, const char *path, char *err, size_t errlen);
/* Drops the findings S suppresses (S may be NULL: none), then the keys no
 * leak is left of; with GEN, notes in each finding left the line that
 * would suppress it.  Returns how many were dropped. */
long suppress_findings(struct findings *f, struct suppressions *s, int gen);
void suppressions_free(struct suppressions *s);

#endif
