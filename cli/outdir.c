/* The trace directory of a run, checked as ssh's StrictModes checks a
 * home directory: another user who could write in it could plant a
 * symlink (root then appends to a file of theirs), a FIFO (run hangs) or
 * fake traces (a real leak hidden).  An existing directory must be ours
 * and writable by nobody else; each directory above it must belong to us
 * or to root and be writable by nobody else unless sticky (/tmp).  Every
 * file run makes in it is then created O_EXCL|O_NOFOLLOW, mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "outdir.h"

/* mkdir -p; EEXIST is fine here: what is there is checked next. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		return errno = ENAMETOOLONG, -1;
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(path, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Why DIR (resolved) is not safe to write a trace in, or NULL. */
static const char *untrusted(const char *dir, char *why, size_t cap)
{
	struct stat st;
	uid_t me = geteuid();
	if (lstat(dir, &st) != 0)
		return snprintf(why, cap, "%s", strerror(errno)), why;
	if (!S_ISDIR(st.st_mode))
		return "not a directory";
	if (st.st_uid != me)
		return snprintf(why, cap, "owned by uid %u, not by the caller (uid %u)", st.st_uid, me), why;
	if (st.st_mode & 022)
		return snprintf(why, cap, "writable by others (mode %04o)", st.st_mode & 07777), why;
	char up[PATH_MAX];
	snprintf(up, sizeof up, "%s", dir);
	for (char *slash; (slash = strrchr(up, '/')) != NULL;) {
		*slash = '\0';
		const char *parent = *up ? up : "/";
		if (lstat(parent, &st) != 0)
			return snprintf(why, cap, "%s: %s", parent, strerror(errno)), why;
		if (st.st_uid != me && st.st_uid != 0)
			return snprintf(why, cap, "%s above it is owned by uid %u", parent, st.st_uid), why;
		if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX))
			return snprintf(why, cap, "%s above it is writable by others (mode %04o)", parent,
					st.st_mode & 07777),
			       why;
		if (!*up)
			break;
	}
	return NULL;
}

int open_trace_dir(const char *command, const char *dir, char *resolved, size_t cap)
{
	struct stat st;
	char why[PATH_MAX + 128];
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		errorf("%s: -o '%s': not a directory", command, dir);
		return -1;
	}
	char real[PATH_MAX];
	if (make_dirs(dir) != 0 || !realpath(dir, real)) {
		errorf("%s: cannot create trace directory '%s': %s", command, dir, strerror(errno));
		return -1;
	}
	const char *bad = untrusted(real, why, sizeof why);
	if (bad) {
		errorf("%s: -o '%s': %s: refusing to write a trace there", command, dir, bad);
		return -1;
	}
	int fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || snprintf(resolved, cap, "%s", real) >= (int)cap) {
		errorf("%s: cannot open trace directory '%s': %s", command, dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int create_in_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}
