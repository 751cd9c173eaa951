/* Opens a library with RTLD_DEEPBIND and calls its FUNCTION(NAME), as PHP
 * opens an extension and calls into it (tests/deepbind.bats):
 *     deepbind LIBRARY FUNCTION NAME [now]
 * RTLD_LAZY unless "now".  Exits with what the function returns (the
 * number of calls that failed), 2 if the library cannot be used. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: deepbind LIBRARY FUNCTION NAME [now]\n");
		return 2;
	}
	int mode = (argc > 4 && strcmp(argv[4], "now") == 0 ? RTLD_NOW : RTLD_LAZY) | RTLD_DEEPBIND;
	void *lib = dlopen(argv[1], mode);
	if (!lib) {
		fprintf(stderr, "deepbind: %s\n", dlerror());
		return 2;
	}
	int (*run)(const char *) = (int (*)(const char *))dlsym(lib, argv[2]);
	if (!run) {
		fprintf(stderr, "deepbind: %s\n", dlerror());
		return 2;
	}
	int failed = run(argv[3]);
	fflush(stdout);
	return failed;
}
