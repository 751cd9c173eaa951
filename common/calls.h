/* The wrapped calls as data (common/call_table.h): what each returns on
 * failure, which errnos its man page allows, which one a failure defaults
 * to.  The injection parser, the shim, the analyzer and sweep all read it. */
#ifndef SHMTRACE_CALLS_H
#define SHMTRACE_CALLS_H

#include "call_table.h"

enum call_id {
#define CALL_ENUM(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL) CALL_##ID,
	CALL_LIST(CALL_ENUM)
#undef CALL_ENUM
	CALL_COUNT
};

struct call_info {
	const char *name;
	const char *man; /* the page whose ERRORS section the errnos come from */
	int default_errno;
	const int *errnos; /* ends with 0 */
};

extern const struct call_info call_table[CALL_COUNT];

/* -1 if NAME is no wrapped call. */
int call_by_name(const char *name);
int call_allows_errno(enum call_id call, int err);
/* The errno an injected failure gets when the rule names none: for shmctl,
 * semctl and msgctl it depends on the command (EPERM to remove or set,
 * EACCES to read). */
int call_default_errno(enum call_id call, int cmd);

#endif
