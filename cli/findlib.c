/* Where libshmtrace.so is, without any environment variable: beside the
 * shmtrace binary (the build tree), then ../lib/shmtrace/ relative to it (an
 * installed tree, wherever it was installed or staged), then the LIBDIR it
 * was built for.  SHMTRACE_LIB overrides all of them. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "findlib.h"

#ifndef PKGLIBDIR
#define PKGLIBDIR "/usr/local/lib/shmtrace"
#endif

const char library_dir[] = PKGLIBDIR;

const char *find_library(char *path, size_t cap)
{
	const char *forced = getenv("SHMTRACE_LIB");
	if (forced && *forced) {
		snprintf(path, cap, "%s", forced);
		return access(path, R_OK) == 0 ? path : NULL;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		const char *dir = dirname(self);
		snprintf(path, cap, "%s/libshmtrace.so", dir);
		if (access(path, R_OK) == 0)
			return path;
		char installed[PATH_MAX];
		snprintf(installed, sizeof installed, "%s/../lib/shmtrace/libshmtrace.so", dir);
		if (access(installed, R_OK) == 0 && cap >= PATH_MAX)
			return realpath(installed, path);
	}
	snprintf(path, cap, "%s/libshmtrace.so", PKGLIBDIR);
	return access(path, R_OK) == 0 ? path : NULL;
}
