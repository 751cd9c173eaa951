/* A library whose only shm calls are made by its dependency (libdeepshm.so,
 * a DT_NEEDED found through RUNPATH $ORIGIN): opened with RTLD_DEEPBIND,
 * both are bound in the new library's scope. */
#include <dlfcn.h>
#include <stdio.h>

int deepshm_run(const char *name);

int deepouter_run(const char *name)
{
	return deepshm_run(name);
}

/* Opens libdeepshm-now.so by its bare name: the loader finds it only along
 * this library's own RUNPATH ($ORIGIN), so only if it sees us as the caller
 * of dlopen.  NAME is unused. */
int deepouter_open_bare(const char *name)
{
	(void)name;
	void *lib = dlopen("libdeepshm-now.so", RTLD_NOW | RTLD_DEEPBIND);
	if (!lib) {
		printf("%s\n", dlerror());
		return 1;
	}
	printf("opened libdeepshm-now.so\n");
	return 0;
}
