/* Deciding whether a call fails on purpose (docs/injection.md).  Rules come
 * from SHMTRACE_INJECT, parsed once at start-up by common/inject.c; here,
 * per call, each rule that matches the call counts it, and the first rule
 * whose when= and prob= then hold fires.
 *
 * Counts are per process (reset in a forked child, like strace's), or with
 * scope=run in a small file mapped shared by every process of the run.
 * prob= draws from a counter-based generator: seed (SHMTRACE_SEED, written
 * in the header) and draw number give the value, so a run replays exactly
 * if the program makes its calls in the same order. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <fnmatch.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/calls.h"
#include "inject.h"

struct inject_rules inject_rules;
unsigned long long inject_seed PER_PROCESS;

/* One count per rule and call, as strace counts per syscall: all:when=1
 * fails the first call of each kind. */
static _Atomic unsigned long long local_counts[INJECT_MAX_RULES][CALL_COUNT];
static _Atomic unsigned long long (*run_counts)[CALL_COUNT]; /* the same, shared by the run */
static _Atomic unsigned long long draws PER_PROCESS;
static unsigned forks PER_PROCESS;

static unsigned long long splitmix(unsigned long long x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A new counts file, every block allocated, linked in under its name only
 * once complete (O_TMPFILE), so that no process maps it half made. */
static int create_run_counts(const char *path, size_t size)
{
	int fd = open(proc.out_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	int unnamed = fd >= 0; /* else a file system without O_TMPFILE: made in place */
	if (!unnamed)
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int e = posix_fallocate(fd, 0, (off_t)size);
	if (!e && unnamed) {
		char self[40];
		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		e = linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0 ? errno : 0;
	}
	if (e) {
		close(fd);
		if (!unnamed)
			sys_unlink(path);
		errno = e;
		return -1;
	}
	return fd;
}

/* scope=run counts live in DIR/inject.counters, made by shmtrace run (or
 * here, by a bare LD_PRELOAD run's first process) and mapped shared by
 * every process.  Mapped only if it is a regular file of ours, exactly its
 * size, every block allocated: a sparse file on a full file system kills
 * the program with SIGBUS at its first count, and a file another user made
 * can be truncated under us.  0 mapped; -1 refused (why in WHY); 1 not
 * ours to open (a process that dropped privileges): counts stay local. */
static int map_run_counts(char *why, size_t cap)
{
	char path[PATH_MAX + 32];
	size_t size = INJECT_COUNTS_SIZE, at = strlen(proc.out_dir);
	if (at + sizeof "/" INJECT_COUNTS_FILE > sizeof path)
		return snprintf(why, cap, "the trace directory's name is too long"), -1;
	memcpy(path, proc.out_dir, at);
	memcpy(path + at, "/" INJECT_COUNTS_FILE, sizeof "/" INJECT_COUNTS_FILE);
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = create_run_counts(path, size);
		if (fd < 0 && errno == EEXIST) /* made by another process meanwhile */
			fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return 1;
	struct stat st;
	if (fd < 0 || sys_fstat(fd, &st) != 0)
		return snprintf(why, cap, "%s: %s", path, strerror(errno)), fd >= 0 ? close(fd) : 0, -1;
	const char *bad = !S_ISREG(st.st_mode)		       ? "not a regular file"
			  : st.st_uid != sys_geteuid()	       ? "owned by another user"
			  : (size_t)st.st_size != size	       ? "not of its size"
			  : (size_t)st.st_blocks * 512 < size ? "not fully allocated (the file system is full?)"
							       : NULL;
	void *p = bad ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (bad || p == MAP_FAILED)
		return snprintf(why, cap, "%s: %s", path, bad ? bad : strerror(e)), -1;
	run_counts = p;
	return 0;
}

/* Returns 0, or -1 with the reason in err (the caller stops the program). */
int inject_init(char *err, size_t errlen)
{
	const char *rules = getenv("SHMTRACE_INJECT");
	const char *any = getenv("SHMTRACE_ALLOW_ANY_ERRNO");
	const char *seed = getenv("SHMTRACE_SEED");
	if (seed && *seed) {
		char *end;
		errno = 0;
		inject_seed = strtoull(seed, &end, 10);
		if (*end || errno || inject_seed > INJECT_SEED_MAX) {
			snprintf(err, errlen, "SHMTRACE_SEED='%s': expected a number from 0 to %llu", seed, INJECT_SEED_MAX);
			return -1;
		}
	} else {
		if (sys_getrandom(&inject_seed, sizeof inject_seed, GRND_NONBLOCK) != sizeof inject_seed)
			inject_seed = now_ns(CLOCK_REALTIME) ^ (unsigned long long)sys_getpid();
		inject_seed &= INJECT_SEED_MAX;
	}
	if (!rules || !*rules)
		return 0;
	size_t prefix = (size_t)snprintf(err, errlen, "SHMTRACE_INJECT ");
	if (inject_parse(&inject_rules, rules, any && strcmp(any, "1") == 0, err + prefix, errlen - prefix) != 0)
		return -1;
	for (int i = 0; i < inject_rules.n; i++) {
		if (!inject_rules.rule[i].scope_run || run_counts)
			continue;
		char why[PATH_MAX + 128];
		int mapped = map_run_counts(why, sizeof why);
		if (mapped < 0) {
			snprintf(err, errlen, "cannot keep scope=run counts: %s", why);
			return -1;
		}
		if (mapped > 0)
			warn("cannot share scope=run counts through", proc.out_dir, errno);
	}
	return 0;
}

void inject_before_fork(void)
{
	forks++;
}

unsigned long long inject_seed_for_exec(void)
{
	/* Counted in a vfork child too, which shares this memory: the next
	 * exec, the parent's or another child's, takes the next number, as it
	 * would every run. */
	static _Atomic unsigned long long execs PER_PROCESS;
	unsigned long long n = atomic_fetch_add(&execs, 1) + 1;
	return splitmix(inject_seed ^ (0xec5eedull << 32) ^ n) & INJECT_SEED_MAX; /* apart from the fork streams */
}

void inject_child_after_fork(void)
{
	/* Only the rules there are: a child of a run without rules writes none
	 * of the table's pages. */
	for (int i = 0; i < inject_rules.n; i++)
		for (int c = 0; c < CALL_COUNT; c++)
			atomic_store(&local_counts[i][c], 0);
	inject_seed = splitmix(inject_seed ^ forks) & INJECT_SEED_MAX; /* a stream of its own, the same every run */
	atomic_store(&draws, 0);
	forks = 0;
}

/* The key of the segment, set or queue a call names, asked of the kernel
 * (IPC_STAT of its id) or of /proc/self/maps (shmdt), only when a key= rule
 * needs it. */
static int key_of(const struct call_facts *f, unsigned *key)
{
	if (f->has_key) {
		*key = f->key;
		return 0;
	}
	if (f->call == CALL_SHMDT)
		return sysv_key_at(f->addr, key);
	struct shmid_ds ds;
	struct semid_ds sds;
	struct msqid_ds mds;
	if (f->semid >= 0 && real.semctl(f->semid, 0, IPC_STAT, &sds) == 0)
		return *key = (unsigned)sds.sem_perm.__key, 0;
	if (f->msqid >= 0 && real.msgctl(f->msqid, IPC_STAT, &mds) == 0)
		return *key = (unsigned)mds.msg_perm.__key, 0;
	if (f->shmid < 0 || real.shmctl(f->shmid, IPC_STAT, &ds) != 0)
		return -1;
	*key = (unsigned)ds.shm_perm.__key;
	return 0;
}

static int caller_matches(const char *glob, void *const *ips, int n)
{
	for (int i = 0; i < n; i++) {
		const char *fn = function_at(ips[i]);
		if (fn && fnmatch(glob, fn, 0) == 0)
			return 1;
	}
	return 0;
}

static int filters_match(const struct inject_rule *r, const struct call_facts *f, void *const *ips, int n)
{
	unsigned key;
	if (!(r->calls & (1u << f->call)))
		return 0;
	if (r->has_cmd && ((f->call != CALL_SHMCTL && f->call != CALL_SEMCTL && f->call != CALL_MSGCTL) || f->cmd != r->cmd))
		return 0;
	if (r->flags && (f->flags & r->flags) != r->flags)
		return 0;
	if (r->min_size && (f->call != CALL_SHMGET || f->size < r->min_size))
		return 0;
	if (r->has_key && (key_of(f, &key) != 0 || key != r->key))
		return 0;
	if (r->name[0] && (!f->name || fnmatch(r->name, f->name, 0) != 0))
		return 0;
	if (r->caller[0] && !caller_matches(r->caller, ips, n))
		return 0;
	return !r->site || bt_site_hash(ips, n) == r->site;
}

static int when_holds(const struct inject_rule *r, unsigned long long nth)
{
	return nth >= r->first && (!r->last || nth <= r->last) && (nth - r->first) % r->step == 0;
}

static int prob_holds(const struct inject_rule *r)
{
	if (r->prob_per_million < 0)
		return 1;
	unsigned long long draw = atomic_fetch_add(&draws, 1);
	return splitmix(inject_seed + draw * 0x9e3779b97f4a7c15ull) % 1000000 < (unsigned)r->prob_per_million;
}

int inject_decide(const struct call_facts *f, void *const *ips, int n, int *err)
{
	int fired = -1;
	for (int i = 0; i < inject_rules.n; i++) {
		const struct inject_rule *r = &inject_rules.rule[i];
		if (!filters_match(r, f, ips, n))
			continue;
		_Atomic unsigned long long *counter =
			r->scope_run && run_counts ? &run_counts[i][f->call] : &local_counts[i][f->call];
		unsigned long long nth = atomic_fetch_add(counter, 1) + 1;
		if (fired < 0 && when_holds(r, nth) && prob_holds(r)) {
			fired = i;
			*err = r->error ? r->error : call_default_errno(f->call, f->cmd);
		}
	}
	return fired;
}
