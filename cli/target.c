/* Which file `shmtrace run CMD` will execute, and whether LD_PRELOAD can
 * reach it at all.  The loader ignores LD_PRELOAD for static programs, for
 * set-user-ID/set-group-ID programs run by another user and programs with
 * file capabilities run by one other than root (ld.so(8), secure-execution
 * mode: the kernel's AT_SECURE, security/commoncap.c), for every program
 * when run's own real and effective ids differ, and for programs of the
 * other ELF class: we say so before running them rather than leave an
 * empty trace. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../common/loader.h"
#include "../common/secure_exec.h"
#include "cli.h"
#include "target.h"

/* As execvp(3) searches: a name with a slash is a path; otherwise each
 * PATH entry in turn (an empty entry is the current directory). */
int find_command(const char *name, char *path, size_t cap)
{
	if (strchr(name, '/')) {
		snprintf(path, cap, "%s", name);
		return access(path, F_OK) == 0 ? 0 : EXIT_NOT_FOUND;
	}
	const char *search = getenv("PATH");
	if (!search)
		search = "/usr/local/bin:/usr/bin:/bin";
	int found_unexecutable = 0;
	for (const char *p = search;; p++) {
		const char *end = strchrnul(p, ':');
		int dirlen = (int)(end - p);
		snprintf(path, cap, "%.*s%s%s", dirlen, p, dirlen ? "/" : "", name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(path, X_OK) == 0)
				return 0;
			found_unexecutable = 1;
		}
		if (!*end)
			break;
		p = end;
	}
	return found_unexecutable ? EXIT_CANNOT_EXECUTE : EXIT_NOT_FOUND;
}

static const char *reason_at(const char *path, int depth);

/* A script's "#!INTERPRETER ...": why LD_PRELOAD will not reach the
 * interpreter, which is what runs (outside trial 23: a script of a static
 * busybox ran untraced, run saying it had removed LD_PRELOAD).  The kernel
 * follows at most 5 of them (re-check 32). */
static const char *interpreter_reason(int fd, int depth)
{
	static char why[5][5 * (PATH_MAX + 32)]; /* one a level: an inner reason is part of an outer one */
	char head[PATH_MAX + 3] = "";
	ssize_t n = pread(fd, head, sizeof head - 1, 0);
	if (n < 3 || depth >= 5 || head[0] != '#' || head[1] != '!')
		return NULL;
	head[n] = '\0';
	char *interp = head + 2 + strspn(head + 2, " \t");
	interp[strcspn(interp, " \t\n")] = '\0';
	const char *reason = *interp ? reason_at(interp, depth + 1) : NULL;
	if (!reason)
		return NULL;
	snprintf(why[depth], sizeof why[depth], "its interpreter %s: %s", interp, reason);
	return why[depth];
}

/* NULL if LD_PRELOAD will reach PATH, else why not. */
const char *untraceable_reason(const char *path)
{
	if (getuid() != geteuid() || getgid() != getegid())
		return "run's real and effective user or group ids differ, so every program it starts runs in "
		       "secure-execution mode, where the loader ignores LD_PRELOAD";
	return reason_at(path, 0);
}

/* The text of the user namespace's MAP file in TEXT (512 bytes), or NULL
 * when it cannot be read. */
static const char *read_map(const char *map, char *text)
{
	int fd = open(map, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, text, 511);
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = '\0';
	return n > 0 ? text : NULL;
}

static long libc_syscall(long number, long a, long b, long c, long d)
{
	return syscall(number, a, b, c, d);
}

/* Why the kernel would run the program at PATH (ST), which is no script,
 * in secure-execution mode (common/secure_exec.c); NULL if it would not. */
static const char *secure_reason(const char *path, const struct stat *st)
{
	struct statvfs fs;
	struct exec_facts f = {.ruid = getuid(), .euid = geteuid(), .rgid = getgid(), .egid = getegid(),
			       .no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, .known = true,
			       .mode = st->st_mode, .owner = st->st_uid, .group = st->st_gid,
			       .nosuid = statvfs(path, &fs) == 0 && (fs.f_flag & ST_NOSUID)};
	char uid_map[512], gid_map[512];
	f.caps_len = getxattr(path, "security.capability", f.caps, sizeof f.caps);
	f.uid_map = read_map("/proc/self/uid_map", uid_map);
	if (f.caps_len > 0)
		process_caps(&f, libc_syscall);
	if (st->st_mode & (S_ISUID | S_ISGID))
		f.ids_unmapped = !id_mapped(f.uid_map, st->st_uid) || !id_mapped(read_map("/proc/self/gid_map", gid_map), st->st_gid);
	switch (secure_exec(&f)) {
	case SECURE_SETID:
		return "it is set-user-ID or set-group-ID: the loader ignores LD_PRELOAD for it";
	case SECURE_CAPS:
		return "it has file capabilities (setcap) and you are not root: the loader ignores LD_PRELOAD for it";
	default:
		return NULL; /* (differing ids: untraceable_reason) */
	}
}

static const char *reason_at(const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL; /* exec will report it */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return secure_reason(path, &st); /* (execute-only: no script, at least not one we may read) */
	Elf64_Ehdr eh;
	const char *reason = NULL;
	if (read(fd, &eh, sizeof eh) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		/* A script: its interpreter is what runs, its own bits and
		 * capabilities ignored. */
		reason = interpreter_reason(fd, depth);
		goto done;
	}
	if ((reason = secure_reason(path, &st)))
		goto done;
	static char why[PATH_MAX + 160];
	char interp[PATH_MAX];
	const char *kind = loader_refuses(fd, path, interp, sizeof interp);
	if (!kind)
		goto done;
	if (strcmp(kind, "static") == 0) {
		reason = "it is statically linked: there is no dynamic loader to preload into it";
	} else if (strcmp(kind, "foreign-loader") == 0) {
		snprintf(why, sizeof why, "its loader is %s, not glibc's %s (a musl program?): libshmtrace.so cannot be preloaded into it", interp, LD_SO);
		reason = why;
	} else {
		reason = "it is a 32-bit program and libshmtrace.so is 64-bit";
	}
done:
	close(fd);
	return reason;
}
