/* Following exec through a cleared environment, as `strace -f` follows
 * every exec.  LD_PRELOAD and SHMTRACE_* reach a new program only through
 * the environment the exec passes on, and programs clear it: `env -i`,
 * execle() with an empty envp, unsetenv("LD_PRELOAD") before execv().  So
 * the exec family is ours: when the environment passed on lacks our library
 * in LD_PRELOAD, or a SHMTRACE_* setting this image started with is missing
 * or changed, the new program gets a copy with them put back, our library
 * first (SHMTRACE_FOLLOW_ENV=0 turns this off).  posix_spawn's child execs
 * inside libc, where no wrapper sees it, so we fix its envp before.
 *
 * What the program sees does not change: the real call does the PATH
 * search (execvp, execlp, posix_spawnp), returns and sets errno; an exec
 * that fails with E2BIG only because of what we added is retried with the
 * program's own environment (untraced, but as it runs bare).
 *
 * A vfork child (or a clone(CLONE_VM) one) shares its parent's memory: it
 * must change nothing the parent reads and a mapping it made would stay in
 * the parent after its exec.  It is told by its pid (no fork handler ran,
 * so proc.pid is still its parent's) and builds the new environment on its
 * stack.  Others build it in a private mapping freed if the exec fails;
 * never malloc, which a child forked from a threaded program may not use. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/loader.h"
#include "../common/secure_exec.h"

#include "inject.h"
#include "shim.h"

#define PRELOAD "LD_PRELOAD="
#define SEED_VAR "SHMTRACE_SEED="
#define SEED_ENTRY_MAX (sizeof SEED_VAR + 20)
/* "PID:PARENT": the parent of process PID, passed by an exec to its new
 * image, which could not tell it once the parent has exited (getppid()
 * then names a reaper).  A spawned process is not PID: it asks getppid(). */
#define PPID_VAR "SHMTRACE_PPID="
#define PPID_ENTRY_MAX (sizeof PPID_VAR + 2 * 12)
#define KEPT_MAX 32              /* SHMTRACE_* variables remembered */
#define KEPT_TEXT 16384          /* their text: SHMTRACE_INJECT is the longest */
#define ON_STACK_MAX (256 * 1024) /* a vfork child's new environment */

typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
		     char *const[], char *const[]);

static struct {
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int); /* glibc >= 2.34 */
	spawn_fn *posix_spawn, *posix_spawnp;
} next;

static int follow = 1;
static char self_path[PATH_MAX]; /* our library, as loaded, made absolute */
static char self_name[PATH_MAX]; /* as ld.so names it (as LD_PRELOAD gave it) */
static char kept_text[KEPT_TEXT];
static const char *kept[KEPT_MAX]; /* "SHMTRACE_X=value" as this image started */
static int nkept;

/* At start, before the program can change its environment. */
int exec_init(void)
{
#define NEXT(f) next.f = (__typeof__(next.f))dlsym(RTLD_NEXT, #f)
	NEXT(execve), NEXT(execvpe), NEXT(fexecve), NEXT(execveat), NEXT(posix_spawn), NEXT(posix_spawnp);
#undef NEXT
	Dl_info info;
	if (dladdr((void *)exec_init, &info) && info.dli_fname) {
		size_t len = strnlen(info.dli_fname, sizeof self_name - 1);
		memcpy(self_name, info.dli_fname, len);
		self_name[len] = '\0';
		/* The path we were loaded from; made absolute if it was not (a
		 * relative LD_PRELOAD would miss after a chdir). */
		if (self_name[0] == '/' || !realpath(self_name, self_path))
			memcpy(self_path, self_name, len + 1);
	}
	size_t used = 0;
	for (char **e = environ; e && *e; e++) {
		size_t len = strlen(*e) + 1;
		if (strncmp(*e, "SHMTRACE_", 9) != 0 || !strchr(*e, '='))
			continue;
		if (nkept == KEPT_MAX || used + len > sizeof kept_text)
			break;
		kept[nkept++] = memcpy(kept_text + used, *e, len);
		used += len;
	}
	const char *want = getenv("SHMTRACE_FOLLOW_ENV");
	if (!want || !strcmp(want, "1"))
		follow = 1;
	else if (!strcmp(want, "0"))
		follow = 0;
	else
		return -1;
	return 0;
}

/* Is the LD_PRELOAD entry of LEN bytes at ENTRY our library? */
static bool is_ours(const char *entry, size_t len)
{
	return (len == strlen(self_path) && !memcmp(entry, self_path, len)) ||
	       (len == strlen(self_name) && !memcmp(entry, self_name, len));
}

/* Does LD_PRELOAD name our library?  Anywhere in the list: an order the
 * user chose is kept.  (ld.so splits it at spaces and colons.) */
static int preload_has_ours(const char *value)
{
	for (;;) {
		value += strspn(value, " :");
		size_t len = strcspn(value, " :");
		if (!len)
			return 0;
		if (is_ours(value, len))
			return 1;
		value += len;
	}
}

/* VALUE's entries but ours, at AT; returns their end. */
static char *preload_without_ours(char *at, const char *value)
{
	char *start = at;
	for (;;) {
		value += strspn(value, " :");
		size_t len = strcspn(value, " :");
		if (!len)
			return at;
		if (!is_ours(value, len)) {
			if (at > start)
				*at++ = ':';
			memcpy(at, value, len);
			at += len;
			*at = '\0';
		}
		value += len;
	}
}

/* The LD_PRELOAD that ld.so would use: it reads the last one. */
static const char *preload_of(char *const envp[])
{
	const char *value = NULL;
	for (size_t i = 0; envp[i]; i++)
		if (!strncmp(envp[i], PRELOAD, sizeof PRELOAD - 1))
			value = envp[i] + sizeof PRELOAD - 1;
	return value;
}

static size_t name_len(const char *entry) /* "NAME=" */
{
	return (size_t)(strchr(entry, '=') - entry) + 1;
}

static int is_seed(const char *entry)
{
	return !strncmp(entry, SEED_VAR, sizeof SEED_VAR - 1);
}

static int is_ppid(const char *entry)
{
	return !strncmp(entry, PPID_VAR, sizeof PPID_VAR - 1);
}

pid_t exec_parent_passed(pid_t self)
{
	const char *v = getenv("SHMTRACE_PPID");
	char *end;
	long pid = v ? strtol(v, &end, 10) : 0, parent = 0;
	if (pid == self && *end == ':')
		parent = strtol(end + 1, &end, 10);
	return parent > 0 && parent <= INT_MAX && !*end ? (pid_t)parent : 0;
}

/* Does ENVP carry all we need?  (getenv reads the first of a name.)  Not
 * with a seed: the new program gets one of its own (env_build). */
static int env_complete(char *const envp[])
{
	const char *preload = preload_of(envp);
	if (!preload || !preload_has_ours(preload))
		return 0;
	for (int k = 0; k < nkept; k++) {
		size_t i, n = name_len(kept[k]);
		if (is_seed(kept[k]))
			return 0;
		for (i = 0; envp[i] && strncmp(envp[i], kept[k], n); i++)
			;
		if (!envp[i] || strcmp(envp[i], kept[k]))
			return 0;
	}
	return 1;
}

static int replaced(const char *entry)
{
	if (!strncmp(entry, PRELOAD, sizeof PRELOAD - 1) || is_ppid(entry))
		return 1;
	for (int k = 0; k < nkept; k++)
		if (!strncmp(entry, kept[k], name_len(kept[k])))
			return 1;
	return 0;
}

/* Bytes needed for the new environment: pointers, then LD_PRELOAD's text,
 * then the new program's SHMTRACE_SEED and SHMTRACE_PPID. */
static size_t env_size(char *const envp[], size_t *count)
{
	const char *preload = preload_of(envp);
	size_t n = 0;
	while (envp[n])
		n++;
	*count = n + 1 + (size_t)nkept + 1 + 1;
	return *count * sizeof(char *) + sizeof PRELOAD + strlen(self_path) + 1 + (preload ? strlen(preload) : 0) +
	       SEED_ENTRY_MAX + PPID_ENTRY_MAX;
}

/* V's decimal digits at AT; returns their end. */
static char *put_decimal(char *at, unsigned long long v)
{
	char digits[24], *d = digits + sizeof digits;
	*--d = '\0';
	do
		*--d = (char)('0' + v % 10);
	while (v /= 10);
	return stpcpy(at, d);
}

/* The program's variables in their order, then LD_PRELOAD with ours
 * first, then our SHMTRACE_* settings.  SHMTRACE_SEED, when this image
 * started with one, is the new program's own, drawn from this image's: each
 * program a run execs draws from a stream of its own, and the run's seed
 * replays them all (outside trial 24: each drew the same failures, or,
 * without --seed, a random one no recorded seed replayed).  An exec (not a
 * spawn) passes on SHMTRACE_PPID, this process and its parent. */
static char **env_build(char *const envp[], void *room, size_t count, bool exec, bool ours)
{
	char **out = room, *text = (char *)(out + count), *at = text;
	const char *preload = preload_of(envp);
	size_t j = 0;
	for (size_t i = 0; envp[i]; i++)
		if (!replaced(envp[i]))
			out[j++] = envp[i];
	at = stpcpy(at, PRELOAD);
	if (!ours) {
		at = preload_without_ours(at, preload ? preload : "");
	} else if (preload && preload_has_ours(preload)) {
		stpcpy(at, preload);
	} else {
		at = stpcpy(at, self_path);
		if (preload && *preload)
			stpcpy(stpcpy(at, ":"), preload);
	}
	if (ours || at > text + sizeof PRELOAD - 1) /* (none left: no LD_PRELOAD, as bare) */
		out[j++] = text;
	at = text + strlen(text) + 1;
	for (int k = 0; k < nkept; k++)
		if (is_seed(kept[k])) {
			out[j++] = at;
			at = put_decimal(stpcpy(at, SEED_VAR), inject_seed_for_exec()) + 1;
		} else if (!is_ppid(kept[k])) {
			out[j++] = (char *)kept[k];
		}
	if (exec) { /* this process (a vfork child: not its parent's) and its parent */
		pid_t self = sys_getpid(), parent = self != proc.pid ? proc.pid : proc.forked ? proc.fork_parent : proc.start_ppid;
		out[j++] = at;
		at = put_decimal(stpcpy(at, PPID_VAR), (unsigned)self);
		at = put_decimal(stpcpy(at, ":"), (unsigned)parent) + 1;
	}
	out[j] = NULL;
	return out;
}

/* One real call of the family, with the environment to pass on; returns 0
 * (a spawn that worked) or the error number. */
struct launch {
	int (*go)(const struct launch *, char *const envp[]);
	const char *path;
	char *const *argv;
	int fd, flags;
	pid_t *pid;
	const posix_spawn_file_actions_t *actions;
	const posix_spawnattr_t *attr;
	bool spawn; /* a new process, not a new image of this one */
};

static int go_execve(const struct launch *l, char *const envp[])
{
	next.execve(l->path, l->argv, envp);
	return errno;
}

static int go_execvpe(const struct launch *l, char *const envp[])
{
	next.execvpe(l->path, l->argv, envp);
	return errno;
}

static int go_fexecve(const struct launch *l, char *const envp[])
{
	next.fexecve(l->fd, l->argv, envp);
	return errno;
}

static int go_execveat(const struct launch *l, char *const envp[])
{
	next.execveat(l->fd, l->path, l->argv, envp, l->flags);
	return errno;
}

static int go_spawn(const struct launch *l, char *const envp[])
{
	return next.posix_spawn(l->pid, l->path, l->actions, l->attr, l->argv, envp);
}

static int go_spawnp(const struct launch *l, char *const envp[])
{
	return next.posix_spawnp(l->pid, l->path, l->actions, l->attr, l->argv, envp);
}

/* execvp's search (posix/execvpe.c): the first executable regular file
 * named FILE in the directories of PATH (glibc's default when it is not
 * set; an empty one is the current directory), in BUF. */
static const char *search_path(const char *file, char *buf, size_t cap)
{
	const char *dirs = getenv("PATH");
	if (!dirs)
		dirs = "/bin:/usr/bin";
	for (const char *p = dirs;; p++) {
		size_t n = strcspn(p, ":"), at = 0;
		if (n && n < cap) {
			memcpy(buf, p, n);
			at = path_append(buf, n, cap, "/");
		}
		at = path_append(buf, at, cap, file);
		struct stat st;
		if (at < cap - 1 && sys_stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
		    faccessat(AT_FDCWD, buf, X_OK, AT_EACCESS) == 0) /* as the kernel: effective ids, capabilities (re-check 32) */
			return buf;
		p += n;
		if (!*p)
			return NULL;
	}
}

/* The file L executes, as a path: its own (a name without a slash is
 * searched for in PATH by execvp and posix_spawnp, and is in the current
 * directory for the others: re-check 31), or, for fexecve and execveat
 * from a directory descriptor, one through /proc/self/fd. */
static const char *exec_path(const struct launch *l, char *buf, size_t cap)
{
	bool from_fd = l->go == go_fexecve || (l->go == go_execveat && l->fd != AT_FDCWD && l->path[0] != '/');
	bool searched = (l->go == go_execvpe || l->go == go_spawnp) && l->path && !strchr(l->path, '/');
	if (searched)
		return l->path[0] ? search_path(l->path, buf, cap) : NULL;
	if (!from_fd)
		return l->path;
	size_t at = path_append(buf, 0, cap, "/proc/self/fd/");
	at = path_append_uint(buf, at, cap, (unsigned)l->fd);
	if (l->go == go_execveat && l->path[0]) {
		at = path_append(buf, at, cap, "/");
		at = path_append(buf, at, cap, l->path);
	}
	return at < cap - 1 ? buf : NULL;
}

/* The facts of the file at PATH (common/secure_exec.h), and for a script,
 * its interpreter's path in INTERP (CAP bytes; may be PATH itself).  MAP:
 * room for the text of our uid_map, which F may point to. */
static void file_facts(const char *path, struct exec_facts *f, char *interp, size_t cap, char map[512])
{
	struct stat st;
	char head[256];
	f->known = f->script = f->nosuid = f->ids_unmapped = false;
	f->caps_len = -1;
	if (sys_stat(path, &st) != 0)
		return;
	f->known = true;
	f->mode = st.st_mode, f->owner = st.st_uid, f->group = st.st_gid;
	f->nosuid = sys_nosuid(path);
	f->caps_len = sys_getxattr(path, "security.capability", f->caps, sizeof f->caps);
	if (f->caps_len > 0 || (st.st_mode & (S_ISUID | S_ISGID))) {
		ssize_t n = read_small_file("/proc/self/uid_map", map, 511);
		map[n > 0 ? n : 0] = '\0';
		f->uid_map = n > 0 ? map : NULL;
		f->ids_unmapped = n > 0 && !id_mapped(map, st.st_uid);
	}
	if (f->caps_len > 0)
		process_caps(f, sys_call);
	if (st.st_mode & (S_ISUID | S_ISGID)) {
		char gid_map[512];
		ssize_t n = read_small_file("/proc/self/gid_map", gid_map, sizeof gid_map - 1);
		gid_map[n > 0 ? n : 0] = '\0';
		f->ids_unmapped |= n > 0 && !id_mapped(gid_map, st.st_gid);
	}
	ssize_t n = read_small_file(path, head, sizeof head - 1);
	f->script = n >= 2 && head[0] == '#' && head[1] == '!';
	/* Neither a script nor ELF: the kernel refuses it (ENOEXEC), and
	 * execvp runs it with /bin/sh (re-check 32: said secure though traced). */
	if (n >= 4 && !f->script && memcmp(head, ELFMAG, SELFMAG) != 0)
		f->known = false;
	if (!f->script)
		return;
	head[n] = '\0';
	char *name = head + 2 + strspn(head + 2, " \t");
	name[strcspn(name, " \t\n")] = '\0';
	path_append(interp, 0, cap, name);
}

/* Why our library cannot be preloaded into the ELF program at PATH
 * (common/loader.h); NULL if it can. */
static const char *not_preloadable(const char *path)
{
	char interp[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC); /* for an instant, as read_small_file */
	if (fd < 0)
		return NULL;
	const char *why = loader_refuses(fd, path, interp, sizeof interp);
	close(fd);
	return why;
}

/* Why the program L starts will not be traced, as the untraced.txt line
 * says it; NULL if it will be.  Secure-execution mode (the kernel's
 * AT_SECURE: ld.so(8)), where the loader ignores an LD_PRELOAD path
 * (common/secure_exec.c): set-user-ID or set-group-ID, file capabilities
 * for a user other than root, or started by a process whose real and
 * effective ids already differ (squid's master starting its workers);
 * or a program ours cannot be preloaded into.  Outside trial 27 found
 * squid's workers missing, and run and the report silent.  Asked of the
 * kernel directly (fakeroot fakes modes). */
static const char *why_untraced(const struct launch *l, char buf[PATH_MAX])
{
	short flags = 0;
	bool resets = l->spawn && l->attr && posix_spawnattr_getflags(l->attr, &flags) == 0 &&
		      (flags & POSIX_SPAWN_RESETIDS);
	struct exec_facts f = {.ruid = sys_getuid(), .euid = sys_geteuid(), .rgid = sys_getgid(), .egid = sys_getegid(),
			       .no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, .caps_len = -1};
	if (resets)
		f.euid = f.ruid, f.egid = f.rgid;
	char interp[256]; /* the kernel's limit for a "#!" line */
	char map[512];
	const char *path = exec_path(l, buf, PATH_MAX), *program = path;
	if (path)
		file_facts(path, &f, interp, sizeof interp, map);
	/* A script's own bits count for nothing: its interpreter's do, as far
	 * as the kernel follows them (5 levels, the sixth is ELOOP: re-checks
	 * 31 and 32), a relative one from the current directory as it opens it. */
	for (int level = 0; f.script && interp[0] && level < 5; level++) {
		file_facts(interp, &f, interp, sizeof interp, map);
		program = interp;
	}
	if (secure_exec(&f) != SECURE_NOT)
		return "secure-execution";
	return f.known && !f.script ? not_preloadable(program) : NULL;
}

/* Runs L with ENVP completed (OURS: our library preloaded, else taken out
 * of LD_PRELOAD), or as it is where nothing need change. */
static int launch_env_ours(const struct launch *l, char *const envp[], char *const *given, bool ours)
{
	int entry = errno;
	const char *preload = preload_of(given);
	/* An exec always passes on SHMTRACE_PPID, so builds anew. */
	if (ours ? !follow || !self_path[0] || (l->spawn && env_complete(given)) : !preload || !preload_has_ours(preload))
		return l->go(l, envp);
	size_t count, size = env_size(given, &count);
	int err;
	if (sys_getpid() != proc.pid) { /* vfork child: its stack only */
		if (size > ON_STACK_MAX)
			return l->go(l, envp);
		char *room[size / sizeof(char *) + 1];
		err = l->go(l, env_build(given, room, count, !l->spawn, ours));
		return err == E2BIG ? l->go(l, envp) : err;
	}
	void *room = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (room == MAP_FAILED) {
		errno = entry;
		return l->go(l, envp);
	}
	err = l->go(l, env_build(given, room, count, !l->spawn, ours));
	int saved = errno;
	if (err == E2BIG) { /* over ARG_MAX by what we added: run as bare */
		err = l->go(l, envp);
		saved = errno;
	}
	munmap(room, size);
	errno = saved;
	return err;
}

/* Runs L with ENVP, or with ENVP completed.  errno is the real call's.
 * A program that will not be traced is named in untraced.txt (an exec's
 * before: if it then fails, a line too many, never one too few; a spawn's
 * after, with its pid), and one that ours cannot be preloaded into gets
 * an LD_PRELOAD without ours, so that its loader neither fails nor
 * complains (outside trial 30: musl's failed, exit 127; a 32-bit
 * program's said so on its stderr). */
static int launch_with_env(const struct launch *l, char *const envp[])
{
	static char *const empty[] = {NULL};
	char *const *given = envp ? envp : empty; /* Linux takes NULL as empty */
	int entry = errno;
	char buf[PATH_MAX]; /* for why_untraced, then out_say_untraced */
	const char *why = why_untraced(l, buf);
	bool ours = !why || !strcmp(why, "secure-execution") || !strcmp(why, "static");
	errno = entry;
	if (why && !l->spawn)
		out_say_untraced(sys_getpid(), why, buf);
	int err = launch_env_ours(l, envp, given, ours);
	int saved = errno;
	if (why && l->spawn && !err && l->pid)
		out_say_untraced(*l->pid, why, buf);
	errno = saved;
	return err;
}

static int exec_failed(const struct launch *l, char *const envp[])
{
	ensure_init();
	errno = launch_with_env(l, envp);
	return -1;
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	struct launch l = {.go = go_execve, .path = path, .argv = argv};
	return exec_failed(&l, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct launch l = {.go = go_execvpe, .path = file, .argv = argv};
	return exec_failed(&l, envp);
}

/* glibc's execvp is execvpe with environ: the same PATH search. */
EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	struct launch l = {.go = go_fexecve, .fd = fd, .argv = argv};
	return exec_failed(&l, envp);
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	struct launch l = {.go = go_execveat, .fd = dirfd, .path = path, .argv = argv, .flags = flags};
	ensure_init();
	if (!next.execveat) {
		errno = ENOSYS;
		return -1;
	}
	return exec_failed(&l, envp);
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct launch l = {.go = go_spawn, .path = path, .argv = argv, .pid = pid, .actions = actions, .attr = attr, .spawn = true};
	ensure_init();
	return launch_with_env(&l, envp);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct launch l = {.go = go_spawnp, .path = file, .argv = argv, .pid = pid, .actions = actions, .attr = attr, .spawn = true};
	ensure_init();
	return launch_with_env(&l, envp);
}

/* The execl family, as glibc builds it: the arguments into an array on
 * the stack, then the v form.  Leaves AP after the terminating NULL, where
 * execle's envp is. */
#define ARGS_TO_ARRAY(first)                                 \
	va_list ap;                                          \
	size_t argc = 1;                                     \
	va_start(ap, first);                                 \
	while (va_arg(ap, const char *))                     \
		argc++;                                      \
	va_end(ap);                                          \
	if (argc >= INT_MAX) {                               \
		errno = E2BIG;                               \
		return -1;                                   \
	}                                                    \
	char *argv[argc + 1];                                \
	argv[0] = (char *)(first);                           \
	va_start(ap, first);                                 \
	for (size_t i = 1; i <= argc; i++)                   \
		argv[i] = va_arg(ap, char *)

EXPORT int execl(const char *path, const char *arg, ...)
{
	ARGS_TO_ARRAY(arg);
	va_end(ap);
	return execve(path, argv, environ);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	ARGS_TO_ARRAY(arg);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	ARGS_TO_ARRAY(arg);
	va_end(ap);
	return execvpe(file, argv, environ);
}
