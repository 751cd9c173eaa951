#include "live.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/bytestext.h"
#include "runspans.h"

const char *shell_quote(const char *s, char *out, size_t cap)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:,+=@%";
	size_t at = 0;
	if (*s && strspn(s, safe) == strlen(s)) {
		snprintf(out, cap, "%s", s);
		return out;
	}
	/* In single quotes nothing is special but the quote itself: ' ends
	 * the quoting, \' is a quote, ' starts it again. */
	for (const char *p = s;; p++) {
		const char *piece = *p == '\'' ? "'\\''" : NULL;
		char one[2] = {*p, '\0'};
		if (p == s && at + 1 < cap)
			out[at++] = '\'';
		if (!*p)
			piece = "'";
		for (const char *c = piece ? piece : one; *c && at + 1 < cap; c++)
			out[at++] = *c;
		if (!*p)
			break;
	}
	out[at < cap ? at : cap - 1] = '\0';
	return out;
}

int live_same_segment(const struct leak_finding *leak, const struct sysv_segment *now)
{
	return now && leak->key == (unsigned)now->key && leak->size == now->size &&
	       (!leak->has_kernel_cpid || leak->kernel_cpid == now->cpid);
}

int live_same_object(const struct ipc_leak_finding *leak, const struct sysv_object *now)
{
	return now && now->kind == leak->kind && now->key == leak->key &&
	       (!leak->has_kernel || (now->cuid == leak->kernel_cuid && now->ctime == leak->kernel_ctime));
}

static int ours_segment(const struct leak_finding *leak, const struct sysv_segment *now)
{
	return leak->removable && leak->has_kernel_cpid && live_same_segment(leak, now);
}

/* glibc's shm_open drops every leading '/' and refuses a name with another
 * (EINVAL): what is left is the file's one component in /dev/shm. */
static const char *component(const char *name)
{
	while (name && *name == '/')
		name++;
	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return NULL;
	return name;
}

static int in_list(const json_t *list, unsigned long long ino)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (json_is_integer(v) && (unsigned long long)json_integer_value(v) == ino)
			return 1;
	}
	return 0;
}

/* A file's times come from a coarse clock (the kernel's tick: 4 ms at
 * HZ=250), behind the moment it stands for by up to a tick or so: a name's
 * birth is taken as this much either side of its birth time. */
#define BIRTH_SLACK 20000000ll /* 20 ms: five ticks at HZ=250 */

/* Whether some process of the run had UID as its effective or file-system
 * uid when the name was born (run's uid_spans, from the kernel's events).
 * A name born within the clock's slack of the end of a span that a drop
 * of privileges ended (a root name made by another process just after the
 * run became nobody) cannot be placed before it: not confirmed.  A span
 * ended by its last holder's exit is taken to its end. */
static int uid_was_ours(const json_t *spans, unsigned uid, long long born)
{
	size_t i;
	json_t *s;
	json_array_foreach(spans, i, s)
	{
		json_int_t u, start, end, dropped;
		if (json_unpack((json_t *)s, "[IIII]", &u, &start, &end, &dropped) == 0 &&
		    (unsigned long long)u == uid && start <= born && born + (dropped ? BIRTH_SLACK : 0) <= end)
			return 1;
	}
	return 0;
}

/* Whether the watch of /dev/shm (run's dev_shm_made, from fanotify: the
 * kernel's word on who put each name there) says a process of the run
 * made NAME, as the file INO, while it was the run's: the pid's span must
 * cover the birth time and the clock's slack either side, else undecided,
 * which confirms nothing. */
static int made_by_run(const json_t *run, const char *name, unsigned long long ino, long long born)
{
	size_t i;
	json_t *made;
	json_array_foreach(json_object_get(run, "dev_shm_made"), i, made)
	{
		const char *text;
		json_int_t pid, made_ino;
		char bytes[1024];
		if (json_unpack(made, "[sII]", &text, &pid, &made_ino) == 0 && text_to_bytes(text, bytes, sizeof bytes) >= 0 &&
		    strcmp(bytes, name) == 0)
			return (unsigned long long)made_ino == ino &&
			       run_pid_verdict(run, pid, born - BIRTH_SLACK, born + BIRTH_SLACK) == 1;
	}
	return 0;
}

/* A regular file, not in /dev/shm before the run, born after it began
 * (statx's birth time; tmpfs has one since Linux 6.?, else the change
 * time), and made by a process of the run: the kernel's word from run's
 * watch of /dev/shm when it saw every name made (namewatch.c).  Without
 * the watch, owned by a user id a process of the run had then (run's
 * record, from the kernel: a name another user made during the run, or
 * root made after the run dropped to nobody, which a forged trace claims,
 * stays; a record without the ids confirms none; one without the spans
 * (an older run's) keeps to which ids the run had).  A run that could not
 * follow every process event confirms none. */
static int ours_name(const json_t *run, int dirfd, const char *name)
{
	struct statx sx;
	const json_t *started = json_object_get(run, "started_realtime");
	/* Events lost (any local user can flood them): which uids were the
	 * run's, and when, is not known. */
	if (!json_is_true(json_object_get(run, "complete")))
		return 0;
	if (dirfd < 0 || !json_is_integer(started) ||
	    statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_UID | STATX_BTIME | STATX_CTIME,
		  &sx) != 0)
		return 0;
	struct statx_timestamp t = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime : sx.stx_ctime;
	long long born = (long long)t.tv_sec * 1000000000ll + t.tv_nsec;
	/* Born up to a tick before it was made: a name a fast program made
	 * within 4 ms of the run's start may look born before it (one of
	 * make test's hints was not given so).  Names there before the run
	 * are told by their inodes. */
	if (!S_ISREG(sx.stx_mode) || in_list(json_object_get(run, "dev_shm_before"), sx.stx_ino) ||
	    born + BIRTH_SLACK < json_integer_value(started))
		return 0;
	if (json_is_true(json_object_get(run, "dev_shm_watch")))
		return made_by_run(run, name, sx.stx_ino, born);
	const json_t *spans = json_object_get(run, "uid_spans");
	return (sx.stx_mask & STATX_UID) && (json_is_array(spans) ? uid_was_ours(spans, sx.stx_uid, born)
								  : in_list(json_object_get(run, "uids"), sx.stx_uid));
}

/* The IPC namespace whose tables /proc/sysvipc shows us; 0 if unknown. */
static unsigned long long our_ipc_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/ipc", &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* An object of namespace NS is looked for in our tables only if they are
 * its namespace's: ids, keys and creators repeat from one namespace to the
 * next, and a run's own may be gone with it. */
static int other_ns(unsigned long long ns, unsigned long long ours)
{
	return ns && ours && ns != ours;
}

void live_visit(const struct findings *f, const struct live_visitor *v)
{
	unsigned long long ns = our_ipc_ns();
	struct sysv_segment *segs = NULL;
	long n = sysv_read_segments("/proc/sysvipc/shm", &segs);
	for (size_t i = 0; i < f->leaks.n; i++) {
		struct leak_finding *leak = f->leaks.at[i];
		const struct sysv_segment *now =
			n < 0 || other_ns(leak->ipc_ns, ns) ? NULL : sysv_find(segs, n, leak->shmid);
		v->segment(leak, now, !f->run_untrusted && ours_segment(leak, now), v->ctx);
		leak->live.elsewhere = other_ns(leak->ipc_ns, ns);
	}
	free(segs);
	for (int kind = SYSV_SEM; kind <= SYSV_MSG && v->object; kind++) {
		struct sysv_object *objs = NULL;
		long nobjs = sysv_read_objects(kind, &objs);
		for (size_t i = 0; i < f->ipc_leaks.n; i++) {
			struct ipc_leak_finding *leak = f->ipc_leaks.at[i];
			if (leak->kind != (enum sysv_kind)kind)
				continue;
			const struct sysv_object *now =
				nobjs < 0 || other_ns(leak->ipc_ns, ns) ? NULL : sysv_find_object(objs, nobjs, leak->id);
			int present = live_same_object(leak, now);
			/* Only with run's table after the run: its cuid and ctime are
			 * what the kernel confirmed, and must be what it has now. */
			v->object(leak, now, present, present && leak->has_kernel && leak->removable && !f->run_untrusted,
				  v->ctx);
			leak->live.elsewhere = other_ns(leak->ipc_ns, ns);
		}
		free(objs);
	}
	/* POSIX names live in /dev/shm (shm_overview(7)): looked at and removed
	 * relative to it, one component, never through a path. */
	int dirfd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	const json_t *run = f->run;
	for (size_t i = 0; i < f->names.n; i++) {
		struct posix_finding *leak = f->names.at[i];
		/* The name is text for its bytes (common/bytestext.h). */
		char bytes[4200];
		const char *text = leak->name;
		const char *name = text && text_to_bytes(text, bytes, sizeof bytes) >= 0 ? component(bytes) : NULL;
		struct stat st;
		int present = name && dirfd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
		v->name(leak, dirfd, name, present, present && !f->run_untrusted && ours_name(run, dirfd, name), v->ctx);
	}
	if (dirfd >= 0)
		close(dirfd);
}
