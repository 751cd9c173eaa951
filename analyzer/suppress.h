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

#include <jansson.h>
#include <stddef.h>

struct suppression {
	char *section; /* the report section it applies to */
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
/* Whether a finding of SECTION is suppressed (and counts the rule's use). */
int suppressed(struct suppressions *s, const char *section, const json_t *finding);
/* The line that would suppress FINDING, e.g. "leak:main"; caller frees. */
char *suggest_suppression(const char *section, const json_t *finding);
void suppressions_free(struct suppressions *s);

#endif
