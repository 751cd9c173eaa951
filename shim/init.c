/* Start-up: find the real functions, read SHMTRACE_* once, open this
 * process's trace file, and register what fork and exit need.
 *
 * Another library's constructor may call shmget before ours runs, so every
 * wrapper calls ensure_init(); our constructor is only an early first call. */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../common/size_arg.h"
#include "../common/trace_format.h"
#include "../common/xlat.h"
#include "inject.h"
#include "mapped.h"
#include "shim.h"

struct real_fns real;
/* Its own page with the rest of PER_PROCESS; the directory, which a child
 * only reads, apart. */
static char out_dir[PATH_MAX];
struct proc proc PER_PROCESS = {.out_dir = out_dir};
TLS int shim_busy;
TLS int via_syscall;
static TLS pid_t tid_cache; /* gettid(2) is a system call; a thread's tid never changes */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* gettid(), not syscall(SYS_gettid): that would go through our syscall()
 * wrapper. */
pid_t current_tid(void)
{
	if (!tid_cache)
		tid_cache = gettid();
	return tid_cache;
}

void tid_reset(void)
{
	tid_cache = 0;
}

/* One writev(2), no buffer: this may run on a small stack. */
static void say(const char *parts[], int n)
{
	struct iovec iov[12];
	int k = 0;
	if (!stderr_unchanged()) /* never into a file the program opened */
		return;
	for (int i = 0; i < n && i < 11 && parts[i]; i++)
		iov[k++] = (struct iovec){(void *)parts[i], strlen(parts[i])};
	iov[k++] = (struct iovec){"\n", 1};
	sigset_t old;
	xfsz_hold(&old); /* stderr may be a file past the program's ulimit -f */
	ssize_t ignored = syscall(SYS_writev, STDERR_FILENO, iov, k);
	(void)ignored;
	xfsz_release(&old);
}

/* One line on stderr: the only output of ours the program's user ever sees. */
void warn(const char *what, const char *detail, int err)
{
	char pid[24], *p = pid + sizeof pid;
	unsigned long long v = (unsigned long long)proc.pid;
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	const char *name = xlat_name(xlat_errnos, (unsigned long)err);
	const char *parts[] = {"shmtrace: pid ", p, ": ", what, " ", detail, ": ", name ? name : "error",
			       " (this process is not fully traced)"};
	say(parts, 9);
}

/* A setting we cannot honour stops the program before it starts: a trace
 * that silently ignores what was asked for would mislead (exit 125, as
 * `shmtrace run` itself does for bad options). */
static void config_error(const char *var, const char *value, const char *expected)
{
	const char *parts[] = {"shmtrace: ", var, "='", value, "': ", expected};
	say(parts, 6);
	real.exit_now(125);
}

static void *must_find(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);
	if (!fn) {
		const char *parts[] = {"shmtrace: cannot find the real ", name, "() in the libraries loaded after ours"};
		say(parts, 3);
		abort();
	}
	return fn;
}

static void read_config(void)
{
	const char *depth = getenv("SHMTRACE_BACKTRACE");
	proc.backtrace_depth = BACKTRACE_DEFAULT;
	if (depth) {
		char *end;
		errno = 0;
		long d = strtol(depth, &end, 10);
		if (!*depth || *end || errno || d < 0 || d > BACKTRACE_MAX)
			config_error("SHMTRACE_BACKTRACE", depth, "expected a depth from 0 to 64");
		proc.backtrace_depth = (int)d;
	}

	/* A program that loops on a failing call (an injected EAGAIN it
	 * retries) writes gigabytes a minute: past this size its file takes
	 * no more records, and says it is incomplete. */
	const char *max = getenv("SHMTRACE_MAX_SIZE");
	proc.max_size = TRACE_MAX_SIZE_DEFAULT;
	if (max && size_arg(max, &proc.max_size) != 0)
		config_error("SHMTRACE_MAX_SIZE", max, "expected bytes, with K, M or G after them if wanted; 0 for no bound");

	/* A relative directory is taken from where this process starts, so a
	 * program that chdirs later still writes to the same place. */
	const char *dir = getenv("SHMTRACE_OUT");
	if (!dir || !*dir)
		dir = ".";
	if (dir[0] == '/' || !getcwd(proc.out_dir, sizeof out_dir)) {
		proc.out_dir[0] = '\0';
	} else {
		size_t cwd_len = strlen(proc.out_dir);
		if (cwd_len + 1 < sizeof out_dir)
			proc.out_dir[cwd_len++] = '/', proc.out_dir[cwd_len] = '\0';
	}
	size_t at = strlen(proc.out_dir), dir_len = strlen(dir);
	if (at + dir_len >= sizeof out_dir)
		config_error("SHMTRACE_OUT", dir, "path too long");
	memcpy(proc.out_dir + at, dir, dir_len + 1);
}

/* Runs after the destructors (ld.so registered its own exit handler after
 * our constructor had registered this one), so calls made by other
 * libraries' destructors come before the exit record. */
static void at_exit(int status, void *unused)
{
	(void)unused;
	if (!proc_is_self_exact())
		return;
	shim_busy = 1;
	write_exit(status, "exit");
}

/* Every function we wrap or call past our own wrappers, found once.  (A
 * function pointer stored through void ** is what dlsym(3) itself asks.) */
static const struct {
	void **fn;
	const char *name;
} wanted[] = {
#define WANT(f) {(void **)&real.f, #f}
	WANT(shmget), WANT(shmat), WANT(shmdt), WANT(shmctl), WANT(shm_open), WANT(shm_unlink), WANT(ftok),
	WANT(pipe2), WANT(sigprocmask), WANT(syscall), WANT(setuid), WANT(seteuid), WANT(setreuid), WANT(setresuid), WANT(setgid),
	WANT(setegid), WANT(setregid), WANT(setresgid), WANT(wait4), WANT(waitid), WANT(clone), WANT(sigaltstack),
	{(void **)&real.exit_now, "_exit"},
};

/* The semaphore and queue calls, found at the first of them rather than at
 * start: eight more lookups are 16,000 instructions of every traced
 * process's start-up (bench/instructions.sh), most of which never make one. */
static const struct {
	void **fn;
	const char *name;
} wanted_sysv[] = {
	WANT(semget), WANT(semop), WANT(semtimedop), WANT(semctl), WANT(msgget), WANT(msgsnd), WANT(msgrcv), WANT(msgctl),
};
#undef WANT
static pthread_once_t sysv_once = PTHREAD_ONCE_INIT;

static void find_sysv(void)
{
	for (size_t i = 0; i < sizeof wanted_sysv / sizeof *wanted_sysv; i++)
		*wanted_sysv[i].fn = must_find(wanted_sysv[i].name);
}

void ensure_real_sysv(void)
{
	pthread_once(&sysv_once, find_sysv);
}

static void init(void)
{
	int busy = shim_busy;
	shim_busy = 1;
	kernel_init();
	stderr_note();
	for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
		if (!*wanted[i].fn)
			*wanted[i].fn = must_find(wanted[i].name);
	read_config();
	out_size_limit_read(); /* before any seccomp filter of the program's (output.c) */
	identity_init();
	proc.pid = sys_getpid();
	/* Now, not at the first call: by then a parent that spawned us may
	 * have exited and left us to a reaper (outside trial 27); after an
	 * exec, as the image before said (exec.c). */
	proc.start_ppid = exec_parent_passed(proc.pid);
	if (!proc.start_ppid)
		proc.start_ppid = sys_getppid();
	proc.born_mono = now_ns(CLOCK_MONOTONIC);
	proc.born_real = now_ns(CLOCK_REALTIME);
	char err[INJECT_RULE_TEXT + 256];
	if (inject_init(err, sizeof err) != 0) {
		const char *parts[] = {"shmtrace: ", err};
		say(parts, 2);
		real.exit_now(125);
	}
	proc.capture_depth = proc.backtrace_depth;
	for (int i = 0; i < inject_rules.n; i++)
		if (inject_rules.rule[i].caller[0])
			proc.capture_depth = BACKTRACE_MAX;
	if (exec_init() != 0)
		config_error("SHMTRACE_FOLLOW_ENV", getenv("SHMTRACE_FOLLOW_ENV"), "expected 0 or 1");
	/* The run's first process says at once that it is traced; so does a
	 * new image of a traced process (exec ended its attachments). */
	const char *root = getenv("SHMTRACE_ROOT_PID");
	if ((root && strtol(root, NULL, 10) == proc.pid) || out_earlier_image_traced())
		ensure_file();
	identity_atfork();
	on_exit(at_exit, NULL);
	shim_busy = busy;
}

void ensure_init(void)
{
	pthread_once(&init_once, init);
}

__attribute__((constructor)) static void constructor(void)
{
	ensure_init();
}
