/* Running sweep's runs: each is `shmtrace run` (which follows the whole
 * process tree and records the kernel's table), in a process group of its
 * own so that a run past its timeout can be killed whole, with the
 * program's output in DIR/output.log. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../analyzer/live.h"
#include "cli.h"
#include "sweep.h"

extern char **environ;

double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int sweep_start(const struct sweep_options *o, struct sweep_run *r)
{
	char self[4096], depth[16], log[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	snprintf(depth, sizeof depth, "%d", o->backtrace);
	snprintf(log, sizeof log, "%s.log", r->dir);
	/* --end-with-program: a daemon the program leaves is ended with its run,
	 * and named, rather than hold the run until the timeout. */
	size_t ncommand = 0;
	while (o->command[ncommand])
		ncommand++;
	/* Every argument of the command (it used to stop at 55: outside trial 24). */
	char **args = calloc(ncommand + 14, sizeof *args);
	if (!args)
		return -1;
	int a = 0;
	for (char *fixed[] = {self, "run", "-q", "--end-with-program", "-o", r->dir, "--backtrace", depth}, **f = fixed;
	     f < fixed + 8; f++)
		args[a++] = *f;
	if (r->rule[0])
		args[a++] = "--inject", args[a++] = r->rule;
	if (o->max_size)
		args[a++] = "--max-size", args[a++] = (char *)o->max_size;
	args[a++] = "--";
	for (char **c = o->command; *c; c++)
		args[a++] = *c;
	args[a] = NULL;

	/* posix_spawn, not fork: sweep holds the debug information it has read
	 * (hundreds of MB), and copying its page tables for every run was most
	 * of a sweep's time. */
	posix_spawn_file_actions_t files;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&files);
	posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
	/* In sweep's own directory (mkdtemp, or -o checked as run checks its
	 * own): still, a symlink there is never followed. */
	posix_spawn_file_actions_addopen(&files, 1, log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	posix_spawn_file_actions_adddup2(&files, 1, 2);
	posix_spawnattr_init(&attr);
	short flags = POSIX_SPAWN_SETPGROUP; /* a group of its own, to kill it whole */
	sigset_t xfsz;
	sigemptyset(&xfsz);
	if (filesize_was_default()) { /* run, and so the program, as sweep was started */
		sigaddset(&xfsz, SIGXFSZ);
		posix_spawnattr_setsigdefault(&attr, &xfsz);
		flags |= POSIX_SPAWN_SETSIGDEF;
	}
	posix_spawnattr_setflags(&attr, flags);
	posix_spawnattr_setpgroup(&attr, 0);
	int err = posix_spawn(&r->pid, self, &files, &attr, args, environ);
	free(args);
	posix_spawn_file_actions_destroy(&files);
	posix_spawnattr_destroy(&attr);
	if (err) {
		errno = err;
		return -1;
	}
	r->deadline = now_seconds() + o->timeout;
	return 0;
}

/* The run whose process PID was, now over; n if none was. */
static size_t reap(struct sweep_run *r, size_t n, pid_t pid, int status, size_t *running)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].pid == pid) {
			r[i].status = status;
			r[i].pid = 0;
			kill(-pid, SIGKILL); /* whatever of the run is left (a daemon in its group) */
			(*running)--;
			return i;
		}
	return n;
}

/* Starts runs until o->jobs are under way; one that cannot start is done. */
static void start_more(const struct sweep_options *o, struct sweep_run *r, size_t n, size_t *next, size_t *running,
		       void (*done)(size_t i, void *ctx), void *ctx)
{
	for (; *running < (size_t)o->jobs && *next < n; (*next)++) {
		if (sweep_start(o, &r[*next]) == 0)
			(*running)++;
		else
			r[*next].status = W_EXITCODE(EXIT_SHMTRACE_FAILED, 0), done(*next, ctx);
	}
}

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	interrupted = sig;
}

int sweep_interrupted(void)
{
	return interrupted;
}

/* Interrupted (Ctrl-C, SIGTERM, SIGHUP), sweep starts no more runs and
 * ends those under way as at their timeout, so that what they made is
 * removed with them; before, they ran on, orphaned, with their program
 * and their directory (outside trial 24).  Each run is in a process group
 * of its own, which the terminal's signal does not reach. */
void sweep_run_all(const struct sweep_options *o, struct sweep_run *r, size_t n, void (*done)(size_t i, void *ctx),
		   void *ctx)
{
	size_t next = 0, running = 0;
	struct sigaction stop = {.sa_handler = on_interrupt}, was; /* no SA_RESTART */
	for (const int *sig = (const int[]){SIGINT, SIGTERM, SIGHUP, 0}; *sig; sig++)
		if (sigaction(*sig, NULL, &was) == 0 && was.sa_handler != SIG_IGN) /* a background job's, nohup's */
			sigaction(*sig, &stop, NULL);
	while (next < n || running) {
		if (interrupted) {
			next = n;
			for (size_t i = 0; i < n; i++)
				if (r[i].pid > 0 && r[i].deadline > now_seconds())
					r[i].deadline = now_seconds();
			if (!running)
				break;
		}
		start_more(o, r, n, &next, &running, done, ctx);
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			size_t i = reap(r, n, pid, status, &running);
			/* With runs side by side, the next one starts before this one is
			 * analysed (the first analysis reads libc's debug information:
			 * most of a second).  One at a time, a run's leaks are removed
			 * before the next starts: a fixed key must find no segment. */
			if (i < n && o->jobs > 1)
				start_more(o, r, n, &next, &running, done, ctx);
			if (i < n)
				done(i, ctx);
			continue;
		}
		/* Past its time, a run is asked to end (its run process ends every
		 * process of the run, daemons included, and records the kernel's
		 * table, so that what it made can be removed); asked again until it
		 * does, and killed with its group if it still has not 5 s later. */
		double now = now_seconds();
		for (size_t i = 0; i < n; i++)
			if (r[i].pid > 0 && now > r[i].deadline) {
				r[i].hung = 1;
				kill(now > r[i].deadline + 5 ? -r[i].pid : r[i].pid, now > r[i].deadline + 5 ? SIGKILL : SIGTERM);
			}
		struct timespec pause = {0, 5 * 1000 * 1000};
		nanosleep(&pause, NULL);
	}
}

/* Only what the kernel confirms is this run's (live.h): a segment whose
 * creator is one of the run's processes, a set or queue its tables say the
 * run made, a name born in /dev/shm during
 * the run, removed relative to /dev/shm, never through a path. */
/* An object kept is counted once, however many runs left it (or claim
 * it): by its kind and id (a name's inode) in the kernel. */
static void count(struct sweep_cleanup *c, int present, int confirmed, int removed, int kind, unsigned long long id)
{
	if (present && confirmed && removed) {
		c->removed++;
		return;
	}
	if (!present)
		return;
	unsigned long long key = (unsigned long long)kind << 60 ^ id;
	for (size_t i = 0; i < c->nkept; i++)
		if (c->kept_keys[i] == key)
			return;
	if (c->nkept % 64 == 0) {
		unsigned long long *more = realloc(c->kept_keys, (c->nkept + 64) * sizeof *more);
		if (!more)
			return;
		c->kept_keys = more;
	}
	c->kept_keys[c->nkept++] = key;
}

static void remove_segment(struct leak_finding *leak, const struct sysv_segment *now, int confirmed, void *ctx)
{
	(void)leak;
	count(ctx, now != NULL, confirmed, confirmed && shmctl(now->shmid, IPC_RMID, NULL) == 0, 0,
	      now ? (unsigned)now->shmid : 0);
}

static void remove_name(struct posix_finding *leak, int dirfd, const char *name, int present, int confirmed, void *ctx)
{
	(void)leak;
	struct stat st = {0};
	if (present && !confirmed && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		present = 0;
	count(ctx, present, confirmed, confirmed && unlinkat(dirfd, name, 0) == 0, 1, st.st_ino);
}

static void remove_object(struct ipc_leak_finding *leak, const struct sysv_object *now, int present, int confirmed,
			  void *ctx)
{
	int removed = 0;
	if (confirmed)
		removed = (leak->kind == SYSV_SEM ? semctl(now->id, 0, IPC_RMID) : msgctl(now->id, IPC_RMID, NULL)) == 0;
	count(ctx, present, confirmed, removed, 2 + (leak->kind == SYSV_SEM), now ? (unsigned)now->id : 0);
}

void sweep_remove_leaks(const struct findings *report, struct sweep_cleanup *counts)
{
	live_visit(report, &(struct live_visitor){remove_segment, remove_name, remove_object, counts});
}
