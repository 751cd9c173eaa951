/* A call site: the hash of a backtrace's frames as module path and offset,
 * which (unlike addresses) are the same in every run of a program.  The
 * shim computes it for site= rules; sweep computes it from a clean run's
 * stack records to make such rules. */
#ifndef SHMTRACE_SITE_H
#define SHMTRACE_SITE_H

#define SITE_HASH_INIT 1469598103934665603ull

static inline unsigned long long site_hash_add(unsigned long long h, const char *module, unsigned long long offset)
{
	for (const char *s = module ? module : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull; /* FNV-1a */
	for (int i = 0; i < 8; i++, offset >>= 8)
		h = (h ^ (offset & 0xff)) * 1099511628211ull;
	return h;
}

#endif
