#include <stdarg.h>
#include <stdio.h>

#include "../analyzer/printable.h"
#include "cli.h"

/* The whole line through printable(): a message may echo a path or a name
 * given by someone else (a -o path, a planted directory, a program's
 * argv), and none of its bytes may drive the terminal. */
void errorf(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "shmtrace: %s\n", printable(line));
}
