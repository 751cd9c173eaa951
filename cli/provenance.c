#include "provenance.h"

#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* WHAT (a file or a directory) is as run leaves it: owned by the caller or
 * root (a root run's trace, read by its user), writable by nobody else
 * (run makes its files 0600 and refuses a directory others may write).
 * A sticky directory may be shared: nobody else can replace a file in it. */
static int owned_well(const struct stat *st, const char *what, int may_be_sticky, char *why, size_t cap)
{
	uid_t me = geteuid();
	if (st->st_uid != me && st->st_uid != 0)
		snprintf(why, cap, "%s is owned by uid %u, not by the caller (uid %u) or root", what,
			 (unsigned)st->st_uid, (unsigned)me);
	else if ((st->st_mode & 022) && !(may_be_sticky && (st->st_mode & S_ISVTX)))
		snprintf(why, cap, "%s is writable by others (mode %04o)", what, (unsigned)(st->st_mode & 07777));
	else
		return 1;
	return 0;
}

int run_file_trusted(const char *path, dev_t dev, ino_t ino, char *why, size_t cap)
{
	struct stat st;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	if (lstat(path, &st) != 0 || st.st_dev != dev || st.st_ino != ino) {
		snprintf(why, cap, "it was replaced while it was read");
		return 0;
	}
	if (!owned_well(&st, "it", 0, why, cap))
		return 0;
	if (stat(dirname(dir), &st) != 0) {
		snprintf(why, cap, "its directory cannot be looked at");
		return 0;
	}
	return owned_well(&st, "its directory", 1, why, cap);
}

/* DIR, a candidate for the newest trace directory here: a directory (not
 * a link to one) as run leaves it, and so is its kernel.jsonl if any. */
static int dir_trusted(const char *dir, struct stat *st, char *why, size_t cap)
{
	char file[PATH_MAX];
	struct stat fst;
	if (lstat(dir, st) != 0) {
		snprintf(why, cap, "it cannot be looked at");
		return 0;
	}
	if (!S_ISDIR(st->st_mode)) {
		snprintf(why, cap, "%s", S_ISLNK(st->st_mode) ? "a symbolic link" : "not a directory");
		return 0;
	}
	if (!owned_well(st, "it", 0, why, cap))
		return 0;
	snprintf(file, sizeof file, "%s/kernel.jsonl", dir);
	return lstat(file, &fst) != 0 || owned_well(&fst, "its kernel.jsonl", 0, why, cap);
}

int newest_trace_here(char *path, size_t cap)
{
	enum { SAY_AT_MOST = 5 }; /* another user can make thousands */
	glob_t g;
	struct timespec newest = {0, 0};
	int found = -1;
	size_t passed = 0;
	if (glob("shmtrace.*.*", GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) != 0)
		return -1;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;
		char why[256];
		if (!dir_trusted(g.gl_pathv[i], &st, why, sizeof why)) {
			if (passed++ < SAY_AT_MOST)
				errorf("report: passed over %s: %s: another user could have made or filled it",
				       g.gl_pathv[i], why);
			continue;
		}
		struct timespec t = st.st_mtim;
		if (found < 0 || t.tv_sec > newest.tv_sec || (t.tv_sec == newest.tv_sec && t.tv_nsec > newest.tv_nsec)) {
			newest = t;
			found = snprintf(path, cap, "%s", g.gl_pathv[i]) < (int)cap ? 0 : -1;
		}
	}
	if (passed > SAY_AT_MOST)
		errorf("report: passed over %zu more such directories", passed - SAY_AT_MOST);
	globfree(&g);
	return found;
}
