/* Opens a library with RTLD_DEEPBIND and calls its FUNCTION(NAME), as PHP
 * opens an extension and calls into it (tests/deepbind.bats):
 *     deepbind LIBRARY FUNCTION NAME [HOW]
 * HOW: lazy (the default: dlopen with RTLD_LAZY), now (RTLD_NOW),
 * base (dlmopen into the main namespace, LM_ID_BASE) or new (dlmopen into
 * a new namespace, LM_ID_NEWLM, with its own libc), or
 *     deepbind LIBRARY FUNCTION NAME threads OTHER
 * 4 threads call FUNCTION(NAME-i) 50 times each while the main thread
 * opens OTHER with RTLD_DEEPBIND and closes it again, until they are done
 * (20 times at least): GOT slots are rewritten while other threads call;
 * or
 *     deepbind LIBRARY FUNCTION NAME reload OTHER OTHER_FUNCTION
 * 6 threads, 30 rounds each: open LIBRARY (OTHER every other thread) with
 * RTLD_DEEPBIND, call its function, close it: libraries loaded, patched
 * and unloaded by several threads at once.
 * Exits with the number of calls that failed, 2 if a library cannot be
 * used. */
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

static const char *reload_lib[2], *reload_fn[2];

static void *reloading(void *arg)
{
	long me = (long)arg, failed = 0;
	char own[256];
	for (int i = 0; i < 30; i++) {
		void *lib = dlopen(reload_lib[me % 2], RTLD_NOW | RTLD_DEEPBIND);
		int (*fn)(const char *) = lib ? (int (*)(const char *))dlsym(lib, reload_fn[me % 2]) : NULL;
		if (!fn) {
			fprintf(stderr, "deepbind: %s\n", dlerror());
			return (void *)1000L;
		}
		snprintf(own, sizeof own, "%s-%ld-%d", name, me, i);
		failed += fn(own);
		dlclose(lib);
	}
	return (void *)failed;
}

static int reload(void)
{
	pthread_t t[6];
	int failed = 0;
	for (long i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, reloading, (void *)i);
	for (int i = 0; i < 6; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		failed += (int)(long)ret;
	}
	return failed >= 1000 ? 2 : failed;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: deepbind LIBRARY FUNCTION NAME [lazy|now|base|new]\n");
		return 2;
	}
	const char *how = argc > 4 ? argv[4] : "lazy";
	if (strcmp(how, "reload") == 0 && argc > 6) {
		reload_lib[0] = argv[1], reload_fn[0] = argv[2];
		reload_lib[1] = argv[5], reload_fn[1] = argv[6];
		name = argv[3];
		return reload();
	}
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
