/* Opens a library with RTLD_DEEPBIND and calls its FUNCTION(NAME), as PHP
 * opens an extension and calls into it (tests/deepbind.bats):
 *     deepbind LIBRARY FUNCTION NAME [HOW]
 * HOW: lazy (the default: dlopen with RTLD_LAZY), now (RTLD_NOW),
 * base (dlmopen into the main namespace, LM_ID_BASE) or new (dlmopen into
 * a new namespace, LM_ID_NEWLM, with its own libc), or
 *     deepbind LIBRARY FUNCTION NAME threads OTHER
 * 4 threads call FUNCTION(NAME-i) 50 times each while the main thread
 * opens OTHER with RTLD_DEEPBIND and closes it again, until they are done
 * (20 times at least): GOT slots are rewritten while other threads call.  Exits with the number of calls
 * that failed, 2 if a library cannot be used. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 50

static int (*run)(const char *);
static const char *name;
static _Atomic int finished;

static void *calling(void *arg)
{
	char own[256];
	long failed = 0;
	snprintf(own, sizeof own, "%s-%ld", name, (long)arg);
	for (int i = 0; i < ROUNDS; i++)
		failed += run(own);
	finished++;
	return (void *)failed;
}

static int reopening(const char *other)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, calling, (void *)i);
	int failed = 0;
	for (int i = 0; i < 20 || finished < THREADS; i++) {
		void *lib = dlopen(other, RTLD_NOW | RTLD_DEEPBIND);
		if (!lib) {
			fprintf(stderr, "deepbind: %s\n", dlerror());
			return 2;
		}
		dlclose(lib);
	}
	for (int i = 0; i < THREADS; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		failed += (int)(long)ret;
	}
	return failed;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: deepbind LIBRARY FUNCTION NAME [lazy|now|base|new]\n");
		return 2;
	}
	const char *how = argc > 4 ? argv[4] : "lazy";
	int mode = (strcmp(how, "now") == 0 ? RTLD_NOW : RTLD_LAZY) | RTLD_DEEPBIND;
	void *lib;
	if (strcmp(how, "base") == 0)
		lib = dlmopen(LM_ID_BASE, argv[1], mode);
	else if (strcmp(how, "new") == 0)
		lib = dlmopen(LM_ID_NEWLM, argv[1], mode);
	else
		lib = dlopen(argv[1], mode);
	if (!lib) {
		fprintf(stderr, "deepbind: %s\n", dlerror());
		return 2;
	}
	run = (int (*)(const char *))dlsym(lib, argv[2]);
	if (!run) {
		fprintf(stderr, "deepbind: %s\n", dlerror());
		return 2;
	}
	name = argv[3];
	int failed = strcmp(how, "threads") == 0 && argc > 5 ? reopening(argv[5]) : run(name);
	fflush(stdout);
	return failed;
}
