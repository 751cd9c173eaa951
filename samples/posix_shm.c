/* POSIX shared memory, as most new code uses it: shm_open a name, size it,
 * map it, write, unmap, close, shm_unlink.  With "leak" it forgets the
 * shm_unlink, and the name stays in /dev/shm after it exits.
 *   usage: posix_shm NAME [leak] */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "/shmtrace-sample";
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd == -1) {
		perror("shm_open");
		return 1;
	}
	if (ftruncate(fd, 4096) == -1) {
		perror("ftruncate");
		return 1;
	}
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	strcpy(p, "hello from POSIX shared memory");
	munmap(p, 4096);
	close(fd);
	printf("fd=%d name=%s\n", fd, name);
	if (argc > 2 && strcmp(argv[2], "leak") == 0)
		return 0; /* no shm_unlink: the leak */
	return shm_unlink(name) == 0 ? 0 : 1;
}
