/* DIR/kernel.jsonl is run's word on the kernel's tables, and the traced
 * program can reach it: a program running as the caller can rename or
 * unlink it and plant its own with an edited table that hides a leak, or
 * edit it in place.  So run writes it through the descriptor it created
 * and keeps a copy of every byte; before its last records (the table after
 * the run, the run's processes) it checks that the name still holds that
 * file with exactly those bytes.  If not, what is there is moved aside
 * (NAME.replaced, for whoever looks into it) and the file is made anew from
 * the copy: the report then reads run's own tables, and run says so and
 * exits 125 (docs/security.md). */
#include "kernelfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* fopencookie's write: to the file and to the copy, what reached the file. */
static ssize_t tee_write(void *cookie, const char *buf, size_t size)
{
	struct kernel_file *k = cookie;
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(k->fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (k->len + (size_t)n > k->cap) {
			size_t cap = (k->len + (size_t)n) * 2;
			char *more = realloc(k->copy, cap);
			if (!more)
				return -1;
			k->copy = more, k->cap = cap;
		}
		memcpy(k->copy + k->len, buf + done, (size_t)n);
		k->len += (size_t)n, done += (size_t)n;
	}
	return done ? (ssize_t)done : -1;
}

static int open_new(struct kernel_file *k)
{
	return openat(k->dirfd, k->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int kernel_file_create(struct kernel_file *k, int dirfd, const char *name, const char *shown)
{
	*k = (struct kernel_file){.name = name, .fd = -1};
	/* Kept to the end: the program may rename or replace DIR's entries. */
	k->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	/* The directory is ours alone (outdir.c): one there already is an
	 * earlier run's into it, replaced, its records not to mix with ours. */
	unlinkat(dirfd, name, 0);
	k->fd = k->dirfd >= 0 ? open_new(k) : -1;
	k->f = k->fd >= 0 ? fopencookie(k, "w", (cookie_io_functions_t){.write = tee_write}) : NULL;
	if (!k->f) {
		errorf("run: cannot create %s/%s: %s", shown, name, strerror(errno));
		kernel_file_close(k);
		return -1;
	}
	return 0;
}

int kernel_file_intact(struct kernel_file *k)
{
	struct stat ours, there;
	fflush(k->f);
	if (fstat(k->fd, &ours) != 0 || fstatat(k->dirfd, k->name, &there, AT_SYMLINK_NOFOLLOW) != 0 ||
	    there.st_dev != ours.st_dev || there.st_ino != ours.st_ino || (size_t)ours.st_size != k->len)
		return 0;
	char buf[65536];
	for (size_t at = 0; at < k->len;) {
		ssize_t n = pread(k->fd, buf, sizeof buf, (off_t)at);
		if (n <= 0 || memcmp(buf, k->copy + at, (size_t)n) != 0)
			return 0;
		at += (size_t)n;
	}
	return 1;
}

int kernel_file_restore(struct kernel_file *k)
{
	char aside[256];
	snprintf(aside, sizeof aside, "%s.replaced", k->name);
	fflush(k->f);
	/* What is there now, whatever it is, goes aside: never written into. */
	unlinkat(k->dirfd, aside, 0);
	if (renameat(k->dirfd, k->name, k->dirfd, aside) != 0 && errno != ENOENT &&
	    unlinkat(k->dirfd, k->name, 0) != 0)
		return -1;
	int fd = open_new(k);
	if (fd < 0)
		return -1;
	close(k->fd);
	k->fd = fd;
	for (size_t at = 0; at < k->len;) {
		ssize_t n = write(fd, k->copy + at, k->len - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		at += (size_t)n;
	}
	return 0;
}

int kernel_file_close(struct kernel_file *k)
{
	int r = k->f ? fclose(k->f) : 0; /* the cookie's descriptor stays ours to close */
	if (k->fd >= 0)
		close(k->fd);
	if (k->dirfd >= 0)
		close(k->dirfd);
	free(k->copy);
	*k = (struct kernel_file){.fd = -1, .dirfd = -1};
	return r;
}
