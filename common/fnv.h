/* FNV-1a, 64 bits: the one hash of shmtrace's tables (call sites, stacks,
 * module paths, names).  Fast, good enough for keys we also compare. */
#ifndef SHMTRACE_FNV_H
#define SHMTRACE_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_INIT 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static inline uint64_t fnv_byte(uint64_t h, unsigned char b)
{
	return (h ^ b) * FNV_PRIME;
}

static inline uint64_t fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = fnv_byte(h, b[i]);
	return h;
}

static inline uint64_t fnv_str(uint64_t h, const char *s)
{
	while (*s)
		h = fnv_byte(h, (unsigned char)*s++);
	return h;
}

#endif
