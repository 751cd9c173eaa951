#include "loader.h"

#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

bool loader_is_glibcs(const char *interp)
{
	const char *slash = strrchr(interp, '/');
	if (strcmp(slash ? slash + 1 : interp, LD_SO) == 0)
		return true;
	Dl_info ours; /* the loader that loaded this process, mapped at AT_BASE */
	struct stat a, b;
	void *base = (void *)getauxval(AT_BASE);
	return base && dladdr(base, &ours) && ours.dli_fname && stat(ours.dli_fname, &a) == 0 &&
	       stat(interp, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
