/* A call site: the hash of a backtrace's frames as module path and offset,
 * which (unlike addresses) are the same in every run of a program.  The
 * shim computes it for site= rules; sweep computes it from a clean run's
 * stack records to make such rules. */
#ifndef SHMTRACE_SITE_H
#define SHMTRACE_SITE_H

#include "fnv.h"

#define SITE_HASH_INIT FNV_INIT

static inline unsigned long long site_hash_add(unsigned long long h, const char *module, unsigned long long offset)
{
	h = fnv_str(h, module ? module : "");
	for (int i = 0; i < 8; i++, offset >>= 8) /* low byte first, on any machine */
		h = fnv_byte(h, offset & 0xff);
	return h;
}

#endif
