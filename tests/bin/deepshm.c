/* A library that makes shm calls, for tests/deepbind.bats: the test
 * program opens it with RTLD_DEEPBIND, as PHP opens its extensions.  Built
 * twice (Makefile): bound lazily, and bound at load (-z now, RELRO).
 *
 * deepshm_run(NAME): shmget(IPC_PRIVATE), shmat, shmdt, shmctl(IPC_RMID),
 * then shm_open(NAME, O_CREAT) and shm_unlink(NAME); one line per call
 * ("shmget ok" / "shmget ENOSPC") on stdout.  Returns how many failed.
 * deepshm_maps(NAME): deepshm_run(NAME), then the protection of each of
 * this library's mappings ("r--p" ...), one a line.
 * deepshm_exit(NAME): ftok(NAME, 1), shmget and shmctl(IPC_RMID) through
 * syscall(2), then _exit(3): the other functions the shim wraps. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static int said(const char *call, int failed)
{
	printf("%s %s\n", call, failed ? strerrorname_np(errno) : "ok");
	fflush(stdout); /* in a dlmopen namespace, its own libc's stdout: nobody else flushes it */
	return failed;
}

int deepshm_run(const char *name)
{
	int failures = 0;
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	failures += said("shmget", id == -1);
	if (id != -1) {
		void *p = shmat(id, NULL, 0);
		failures += said("shmat", p == (void *)-1);
		if (p != (void *)-1)
			failures += said("shmdt", shmdt(p) == -1);
		failures += said("shmctl", shmctl(id, IPC_RMID, NULL) == -1);
	}
	int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
	failures += said("shm_open", fd == -1);
	if (fd != -1) {
		close(fd);
		failures += said("shm_unlink", shm_unlink(name) == -1);
	}
	return failures;
}

int deepshm_exit(const char *name)
{
	said("ftok", ftok(name, 1) == (key_t)-1);
	long id = syscall(SYS_shmget, IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	said("syscall(SYS_shmget)", id == -1);
	said("syscall(SYS_shmctl)", syscall(SYS_shmctl, id, IPC_RMID, NULL) == -1);
	_exit(3);
}

int deepshm_maps(const char *name)
{
	int failures = deepshm_run(name);
	Dl_info self;
	char line[4096];
	FILE *maps = fopen("/proc/self/maps", "r");
	if (!dladdr((void *)deepshm_maps, &self) || !maps)
		return failures + 1;
	while (fgets(line, sizeof line, maps)) {
		char perms[8], *path = strchr(line, '/');
		if (path && strncmp(path, self.dli_fname, strlen(self.dli_fname)) == 0 &&
		    sscanf(line, "%*s %7s", perms) == 1)
			printf("%s\n", perms);
	}
	fclose(maps);
	return failures;
}
