/* Runs the POSIX-name and ftok operations named on its command line, each
 * argument one operation, names and paths taken byte for byte (a test may
 * pass bytes that are not UTF-8), and prints each result:
 *   open:NAME      shm_open(NAME, O_RDWR|O_CREAT|O_EXCL, 0600), then close
 *   unlink:NAME    shm_unlink(NAME)
 *   ftok:ID:PATH   ftok(PATH, ID); prints the key
 *   file:PATH      creates the file PATH (empty)
 *   rmfile:PATH    removes it */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "open:", 5) == 0) {
			int fd = shm_open(a + 5, O_RDWR | O_CREAT | O_EXCL, 0600);
			printf("open %s\n", fd == -1 ? strerrorname_np(errno) : "ok");
			if (fd != -1)
				close(fd);
		} else if (strncmp(a, "unlink:", 7) == 0) {
			printf("unlink %s\n", shm_unlink(a + 7) == -1 ? strerrorname_np(errno) : "ok");
		} else if (strncmp(a, "ftok:", 5) == 0) {
			char *path;
			int id = (int)strtol(a + 5, &path, 0);
			key_t key = ftok(path + 1, id);
			printf("ftok 0x%08x\n", (unsigned)key);
		} else if (strncmp(a, "file:", 5) == 0) {
			int fd = open(a + 5, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			printf("file %s\n", fd == -1 ? strerrorname_np(errno) : "ok");
			if (fd != -1)
				close(fd);
		} else if (strncmp(a, "rmfile:", 7) == 0) {
			printf("rmfile %s\n", unlink(a + 7) == -1 ? strerrorname_np(errno) : "ok");
		} else {
			fprintf(stderr, "names: unknown operation '%s'\n", a);
			return 2;
		}
	}
	return 0;
}
