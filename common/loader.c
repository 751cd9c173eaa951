#include "loader.h"

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

bool loader_is_glibcs(const char *interp)
{
	/* The very file: a name can lie either way (re-check 33: glibc's
	 * loader through a symbolic link of another name; musl's under
	 * glibc's name, as gcompat installs it). */
	Dl_info ours; /* the loader that loaded this process, mapped at AT_BASE */
	struct stat a, b;
	void *base = (void *)getauxval(AT_BASE);
	if (base && dladdr(base, &ours) && ours.dli_fname && stat(ours.dli_fname, &a) == 0 && stat(interp, &b) == 0)
		return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	const char *slash = strrchr(interp, '/');
	return strcmp(slash ? slash + 1 : interp, LD_SO) == 0; /* (either cannot be seen here) */
}
