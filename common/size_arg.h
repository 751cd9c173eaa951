/* A size given by the user (run --max-size, SHMTRACE_MAX_SIZE): bytes,
 * with K, M or G (powers of 1024) after them if wanted.  One parser for
 * the command and the library, so that both take the same words. */
#ifndef SHMTRACE_SIZE_ARG_H
#define SHMTRACE_SIZE_ARG_H

#include <errno.h>
#include <stdlib.h>

/* 0 and *OUT, or -1 for anything else (a sign, a fraction, past 2^62). */
static inline int size_arg(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10), unit = 1;
	if (*end == 'K' || *end == 'M' || *end == 'G')
		unit = 1ull << (*end == 'K' ? 10 : *end == 'M' ? 20 : 30), end++;
	if (*s < '0' || *s > '9' || *end || errno || n > (1ull << 62) / unit)
		return -1;
	*out = n * unit;
	return 0;
}

#endif
