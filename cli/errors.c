#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("shmtrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
