/* The trace directory of a run, checked as ssh's StrictModes checks a
 * home directory: another user who could write in it could plant a
 * symlink (root then appends to a file of theirs), a FIFO (run hangs) or
 * fake traces (a real leak hidden).  An existing directory must be ours
 * and writable by nobody else; each directory above it must belong to us
 * or to root and be writable by nobody else unless sticky (/tmp).
 *
 * The path is walked one component at a time from / with
 * openat(O_PATH|O_NOFOLLOW), so that what is checked is what is used (no
 * path is looked up twice), and a symbolic link is followed only when
 * root or the caller owns it: in directories that pass the checks above
 * nobody else can make one, except in a sticky directory, where the
 * kernel's protected_symlinks would not follow theirs either.  Nothing is
 * created until the whole existing part has passed: what is missing is
 * then made, one directory at a time, in a directory already checked.
 * Every file run makes in it is then created O_EXCL|O_NOFOLLOW, 0600.
 *
 * In a user namespace (a rootless container, unshare --user), root's
 * directories belong to a user the namespace does not map, which stat
 * shows as the overflow uid (65534): taken as root's, for no process of
 * the namespace can act as it (run refused every -o there: outside
 * re-check). */
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

enum { MAX_LINKS = 40 }; /* as the kernel's own limit (ELOOP) */

/* Whether we are in a user namespace other than the first, whose map is
 * "0 0 4294967295": then the overflow uid, else -1. */
static long unmapped_uid(void)
{
	static long known = -2;
	if (known != -2)
		return known;
	unsigned long inside, outside, count;
	FILE *map = fopen("/proc/self/uid_map", "re");
	int first = map && fscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 &&
		    outside == 0 && count == 4294967295ul;
	if (map)
		fclose(map);
	FILE *f = first || !map ? NULL : fopen("/proc/sys/kernel/overflowuid", "re");
	known = -1;
	if (f && fscanf(f, "%ld", &known) != 1)
		known = -1;
	if (f)
		fclose(f);
	return known;
}

/* Root, the caller, or in a user namespace a user it does not map. */
static int trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid() || (long)uid == unmapped_uid();
}

struct walk {
	const char *command, *dir; /* for messages */
	char done[PATH_MAX]; /* the components walked so far, for messages */
	int links;
};

static int refuse(const struct walk *w, const char *why)
{
	errorf("%s: -o '%s': %s: refusing to write a trace there", w->command, w->dir, why);
	return -1;
}

/* A directory on the way (FINAL: the trace directory itself), opened as FD:
 * 0 if it may be trusted, else -1 after saying why. */
static int check_dir(const struct walk *w, int fd, int final)
{
	struct stat st;
	char why[PATH_MAX + 128];
	uid_t me = geteuid();
	const char *name = *w->done ? w->done : "/";
	if (fstat(fd, &st) != 0)
		snprintf(why, sizeof why, "%s: %s", name, strerror(errno));
	else if (final && st.st_uid != me)
		snprintf(why, sizeof why, "owned by uid %u, not by the caller (uid %u)", st.st_uid, me);
	else if (final && (st.st_mode & 022))
		snprintf(why, sizeof why, "writable by others (mode %04o)", st.st_mode & 07777);
	else if (!final && !trusted_owner(st.st_uid))
		snprintf(why, sizeof why, "%s above it is owned by uid %u", name, st.st_uid);
	else if (!final && (st.st_mode & 022) && !(st.st_mode & S_ISVTX))
		snprintf(why, sizeof why, "%s above it is writable by others (mode %04o)", name, st.st_mode & 07777);
	else
		return 0;
	return refuse(w, why);
}

static void append(char *done, const char *name)
{
	size_t len = strlen(done);
	snprintf(done + len, PATH_MAX - len, "%s%s", len && done[len - 1] == '/' ? "" : "/", name);
}

/* Walks PATH from the directory FD (closed here) and returns the trace
 * directory's O_PATH descriptor, or -1 after saying why.  CREATE: make
 * what is missing (only once a walk without it has passed). */
static int walk(struct walk *w, int fd, const char *path, int create)
{
	char rest[PATH_MAX];
	if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest) {
		close(fd);
		return errorf("%s: -o '%s': %s", w->command, w->dir, strerror(ENAMETOOLONG)), -1;
	}
	char *save = NULL;
	for (char *c = strtok_r(rest, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (check_dir(w, fd, 0) != 0)
			return close(fd), -1;
		struct stat st;
		if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
			if (!create) /* the checks above are all there was to check */
				return close(fd), -2;
			if (mkdirat(fd, c, 0755) != 0 && errno != EEXIST) {
				errorf("%s: cannot create trace directory '%s': %s", w->command, w->dir, strerror(errno));
				return close(fd), -1;
			}
		}
		size_t above = strlen(w->done);
		append(w->done, c);
		if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
			char target[PATH_MAX], joined[2 * PATH_MAX];
			ssize_t n = readlinkat(fd, c, target, sizeof target - 1);
			if (!trusted_owner(st.st_uid)) {
				char why[PATH_MAX + 80];
				snprintf(why, sizeof why, "%s is a symbolic link owned by uid %u: not followed", w->done,
					 st.st_uid);
				return close(fd), refuse(w, why);
			}
			if (n < 0 || ++w->links > MAX_LINKS) {
				close(fd);
				return errorf("%s: -o '%s': %s: %s", w->command, w->dir, w->done,
					      strerror(n < 0 ? errno : ELOOP)),
				       -1;
			}
			target[n] = '\0';
			snprintf(joined, sizeof joined, "%s/%s", target, save ? save : "");
			w->done[above] = '\0'; /* the link's target is walked from where the link is */
			if (target[0] == '/') {
				close(fd);
				fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				w->done[0] = '\0';
			}
			return fd < 0 ? -1 : walk(w, fd, joined, create);
		}
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0) {
			errorf("%s: -o '%s': %s: %s", w->command, w->dir, w->done,
			       errno == ENOTDIR ? "not a directory" : strerror(errno));
			return -1;
		}
		fd = next;
	}
	if (check_dir(w, fd, 1) != 0)
		return close(fd), -1;
	return fd;
}

/* The walk from / (or the working directory, for a relative DIR). */
static int walk_from_start(struct walk *w, int create)
{
	w->done[0] = '\0';
	w->links = 0;
	char start[PATH_MAX] = "/";
	if (w->dir[0] != '/' && !getcwd(start, sizeof start))
		return errorf("%s: -o '%s': the working directory: %s", w->command, w->dir, strerror(errno)), -1;
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return errorf("%s: cannot open /: %s", w->command, strerror(errno)), -1;
	char path[2 * PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", start, w->dir);
	return walk(w, root, path, create);
}

int open_trace_dir(const char *command, const char *dir, char *resolved, size_t cap)
{
	struct walk w = {.command = command, .dir = dir};
	struct stat st;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) /* the plainest message for a plain mistake */
		return errorf("%s: -o '%s': not a directory", command, dir), -1;
	/* Checked whole first (-2: it all passed, but a part is missing), and
	 * only then made: a refusal creates nothing. */
	int fd = walk_from_start(&w, 0);
	if (fd == -2)
		fd = walk_from_start(&w, 1);
	if (fd < 0)
		return -1;
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, resolved, cap - 1);
	int e = n < 0 ? errno : (size_t)n >= cap - 1 ? ENAMETOOLONG : 0;
	int dirfd = e ? -1 : openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	e = e ? e : errno;
	close(fd);
	if (dirfd < 0) {
		errorf("%s: cannot open trace directory '%s': %s", command, dir, strerror(e));
		if (dirfd >= 0)
			close(dirfd);
		return -1;
	}
	resolved[n] = '\0';
	return dirfd;
}

int create_in_dir(int dirfd, const char *name)
{
	return openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}
