/* After a run: cut the room that the library had allocated in each trace
 * file but not used (blank lines, see shim/mapped.c), so that every file
 * ends with its last record.  Only safe once every process has ended,
 * which is when `shmtrace run` calls it. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/trace_format.h"
#include "trim.h"

/* The size the file should have: up to the newline after its last record. */
static off_t used_size(int fd, off_t size)
{
	char block[65536];
	while (size > 0) {
		off_t from = size > (off_t)sizeof block ? size - (off_t)sizeof block : 0;
		ssize_t n = pread(fd, block, (size_t)(size - from), from);
		if (n <= 0)
			return -1;
		for (ssize_t i = n - 1; i >= 0; i--)
			if (block[i] != '\n')
				return from + i + 2;
		size = from;
	}
	return 0;
}

static void trim_file(const char *path)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		off_t used = used_size(fd, st.st_size);
		if (used >= 0 && used < st.st_size && ftruncate(fd, used) != 0)
			perror(path);
	}
	close(fd);
}

void trim_trace_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), plen = strlen(TRACE_FILE_PREFIX), slen = strlen(TRACE_FILE_SUFFIX);
		if (len > plen + slen && strncmp(e->d_name, TRACE_FILE_PREFIX, plen) == 0 &&
		    strcmp(e->d_name + len - slen, TRACE_FILE_SUFFIX) == 0) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			trim_file(path);
		}
	}
	closedir(d);
}
