/* shmtrace run: start a program with libshmtrace.so preloaded and wait for
 * it.  LD_PRELOAD and SHMTRACE_* pass to every descendant through the
 * environment (the library puts them back when a program clears it before
 * an exec: shim/exec.c), so fork and exec need nothing more from us.  We
 * exit as the program did: the same status, or the same signal. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/calls.h"
#include "../common/inject.h"
#include "../common/size_arg.h"
#include "../common/trace_format.h"
#include "cli.h"
#include "descendants.h"
#include "findlib.h"
#include "kernelfile.h"
#include "namewatch.h"
#include "outdir.h"
#include "pidwatch.h"
#include "runcgroup.h"
#include "snapshot.h"
#include "target.h"
#include "trim.h"

const char run_usage[] =
	"Usage: shmtrace run [-o DIR] [--backtrace N] [--max-size SIZE] [--no-follow-env] [-q] [--] CMD [ARGS...]\n"
	"Run CMD with libshmtrace.so preloaded. Every process of the run (children,\n"
	"exec'd programs, threads) writes its shared-memory calls as JSON lines to\n"
	"DIR/shmtrace.<pid>.jsonl; DIR/kernel.jsonl holds the kernel's segment table\n"
	"before the run and after its last process (daemons included) has ended.\n"
	"\n"
	"Options:\n"
	"  -o, --output DIR     trace directory, created if missing\n"
	"                       (default: ./shmtrace.<program>.<pid>)\n"
	"  -b, --backtrace N    frames per backtrace, 0 to 64 (default 16); 0: none\n"
	"      --max-size SIZE  bytes a process's trace file may reach, with K, M or G\n"
	"                       if wanted (default 4G; 0: no bound); past it the file\n"
	"                       takes no more records and is marked incomplete\n"
	"  -i, --inject RULE    make matching calls fail (repeatable), e.g.\n"
	"                       shmat:error=ENOMEM:when=3  (see docs/injection.md)\n"
	"      --seed N         seed for prob= rules, to replay a run (default: random,\n"
	"                       written in each trace file's header)\n"
	"      --allow-any-errno  inject errnos the call's man page does not list\n"
	"      --no-follow-env  let a program that clears its environment (env -i,\n"
	"                       execle with an empty envp) run the new program\n"
	"                       untraced; by default LD_PRELOAD and SHMTRACE_* are\n"
	"                       put back into what the exec family passes on\n"
	"      --end-with-program  when CMD exits, give the processes of the run still\n"
	"                       running (daemons) 1 s, then SIGTERM, then 5 s later\n"
	"                       SIGKILL, instead of waiting;\n"
	"                       named in DIR/kernel.jsonl (sweep runs every run so);\n"
	"                       through a cgroup of the run's where it can; so does a\n"
	"                       SIGTERM or SIGHUP to run, passed on to CMD first\n"
	"  -q, --quiet          do not print where the trace went\n"
	"  -h, --help           show this help\n"
	"\n"
	"DIR, if it exists, must be a directory owned by the caller and writable by\n"
	"no one else, and a symbolic link on the way root's or the caller's; nothing\n"
	"is created when DIR is refused (see docs/security.md).\n"
	"\n"
	"Exit status: CMD's own; 125 when shmtrace fails (bad option, library not\n"
	"found, CMD static, set-user-ID or with file capabilities, DIR refused,\n"
	"inject.counters not allocated) or when DIR/kernel.jsonl or DIR itself was\n"
	"replaced or changed during the run, or the trace could not be written\n"
	"whole (a full disk, ulimit -f, a process that could not create its file\n"
	"or a program run in secure-execution mode: DIR/untraced.txt)\n"
	"(see docs/security.md; CMD's status is not passed on), 126\n"
	"when CMD cannot run, 127 when it is not found. If CMD is killed by a\n"
	"signal, shmtrace dies of the same signal.\n"
	"\n"
	"Environment: SHMTRACE_LIB names the library to preload instead of the one\n"
	"installed beside shmtrace. See docs/trace-format.md for the trace.\n";

struct run_options {
	const char *out_dir;
	int backtrace;
	int quiet;
	char inject[INJECT_MAX_RULES * INJECT_RULE_TEXT]; /* rules joined by ';' */
	const char *seed;
	int allow_any_errno;
	int no_follow_env;
	int end_with_program;
	const char *max_size; /* --max-size as given, NULL: the library's default */
};

static int parse_depth(const char *s, int *depth)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > BACKTRACE_MAX)
		return -1;
	*depth = (int)v;
	return 0;
}

static int setup_injection(const struct run_options *o)
{
	int err = 0;
	if (o->inject[0])
		err |= setenv("SHMTRACE_INJECT", o->inject, 1);
	/* With rules and no --seed, one drawn here: every image the run execs
	 * derives its own from it (shim/exec.c), so that the first process's
	 * header's seed replays the whole run. */
	char drawn[24];
	unsigned long long seed;
	if (o->seed)
		err |= setenv("SHMTRACE_SEED", o->seed, 1);
	else if (o->inject[0] && getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed) {
		snprintf(drawn, sizeof drawn, "%llu", seed & INJECT_SEED_MAX);
		err |= setenv("SHMTRACE_SEED", drawn, 1);
	}
	if (o->allow_any_errno)
		err |= setenv("SHMTRACE_ALLOW_ANY_ERRNO", "1", 1);
	if (o->no_follow_env)
		err |= setenv("SHMTRACE_FOLLOW_ENV", "0", 1);
	return err;
}

/* Refuses a bad rule now, with the library's own parser, before anything runs. */
static int add_rule(struct run_options *o, const char *rule)
{
	struct inject_rules rules = {0};
	char err[INJECT_RULE_TEXT + 256];
	if (inject_parse(&rules, rule, o->allow_any_errno, err, sizeof err) != 0) {
		errorf("run: --inject %s", err);
		return -1;
	}
	size_t len = strlen(o->inject);
	if (len + strlen(rule) + 2 > sizeof o->inject) {
		errorf("run: --inject: too many rules");
		return -1;
	}
	snprintf(o->inject + len, sizeof o->inject - len, "%s%s", len ? ";" : "", rule);
	return 0;
}

static int setup_environment(const char *lib, const char *dir, int backtrace)
{
	char depth[16], preload[PATH_MAX * 2];
	const char *old = getenv("LD_PRELOAD");
	/* Ours first: it records the calls as the program made them, before
	 * any other preloaded library sees them. */
	if (old && *old)
		snprintf(preload, sizeof preload, "%s:%s", lib, old);
	else
		snprintf(preload, sizeof preload, "%s", lib);
	snprintf(depth, sizeof depth, "%d", backtrace);
	return setenv("LD_PRELOAD", preload, 1) | setenv("SHMTRACE_OUT", dir, 1) | setenv("SHMTRACE_BACKTRACE", depth, 1);
}

/* The child reports a failed exec through a close-on-exec pipe: the
 * parent reads 0 bytes if exec succeeded, else the errno. */
static pid_t launch(const char *path, char **argv, int *exec_errno)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char self[24];
		close(pipefd[0]);
		filesize_give_back();
		run_cgroup_join();
		/* The first process writes its file at once, calls or not: run then
		 * knows LD_PRELOAD reached it. */
		snprintf(self, sizeof self, "%d", (int)getpid());
		setenv("SHMTRACE_ROOT_PID", self, 1);
		execv(path, argv);
		int err = errno;
		ssize_t ignored = write(pipefd[1], &err, sizeof err);
		(void)ignored;
		_exit(EXIT_CANNOT_EXECUTE);
	}
	close(pipefd[1]);
	*exec_errno = 0;
	if (pid > 0 && read(pipefd[0], exec_errno, sizeof *exec_errno) <= 0)
		*exec_errno = 0;
	close(pipefd[0]);
	return pid;
}

/* What the program leaves running gets a second to finish on its own (a
 * background job writing its last line) before --end-with-program ends it;
 * then SIGTERM, and five seconds to clean up (remove what it made) before
 * SIGKILL: killed at once, a daemon left its queue, which the report then
 * called the program's leak (outside re-check). */
#define END_GRACE_NS 1000000000ull
#define TERM_GRACE_NS 5000000000ull

static unsigned long long monotonic_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

static pid_t child_pid;
static volatile sig_atomic_t stop_requested, forwarded;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
	forwarded = 1;
}

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Keyboard signals reach the whole foreground group, the program included:
 * we ignore them and let the program decide.  Others we pass on; with
 * --end-with-program SIGTERM (sweep's timeout) ends the whole run instead.
 * As a subreaper we also collect the orphans of the run (daemons that
 * double-fork), so that the run ends when its last process does, as
 * strace -f does, and note in the kernel file those a signal killed.  With
 * --end-with-program, or once a SIGTERM or SIGHUP was passed on (timeout
 * 10 shmtrace run -- ...: it means the run, which a daemon the program
 * left would otherwise hold for ever, outside trial 23), what is left when
 * the program exits is ended, and named in LEFT.  Returns the status of PID. */
static int wait_for(pid_t pid, FILE *kernel, int end_with_program, struct pidset *left)
{
	struct sigaction fwd = {.sa_handler = forward_signal}, ign = {.sa_handler = SIG_IGN};
	struct sigaction stop = {.sa_handler = request_stop}; /* no SA_RESTART: waitpid returns */
	child_pid = pid;
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	sigaction(SIGTERM, end_with_program ? &stop : &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
	int status = W_EXITCODE(EXIT_SHMTRACE_FAILED, 0), any;
	struct pidset timed_out = {0};
	struct timespec tick = {0, 10 * 1000 * 1000};
	/* When what the program left is asked to end (SIGTERM), and then ended
	 * (SIGKILL); 0: not yet due.  By the clock: a daemon that forks and
	 * exits in a loop keeps run reaping, never idle. */
	unsigned long long term_at = 0, kill_at = 0;
	int program_gone = 0, ending = end_with_program;
	for (;;) {
		unsigned long long now = monotonic_ns();
		if (forwarded && !ending) {
			ending = 1;
			if (program_gone)
				term_at = now + END_GRACE_NS;
		}
		if (stop_requested) {
			stop_requested = 0;
			end_descendants(&timed_out);
		}
		if (term_at && now >= term_at) {
			term_descendants(left);
			term_at = 0;
			kill_at = now + TERM_GRACE_NS;
		}
		if (kill_at && now >= kill_at) {
			end_descendants(left);
			kill_at = 0;
		}
		/* Looked at before it is reaped: a zombie's user ids are still
		 * in /proc (pidwatch.c). */
		siginfo_t info = {0};
		int due = term_at || kill_at;
		pid_t done = waitid(P_ALL, 0, &info, WEXITED | WNOWAIT | (due ? WNOHANG : 0)) < 0 ? -1 : info.si_pid;
		if (done > 0) {
			pidwatch_ending(done);
			done = waitpid(done, &any, 0);
		}
		if (done > 0) {
			pidwatch_collected(done);
			if (WIFSIGNALED(any))
				write_killed_record(kernel, done, any);
		}
		if (done == pid) {
			status = any;
			program_gone = 1;
			if (ending)
				term_at = monotonic_ns() + END_GRACE_NS;
		} else if (done < 0 && errno == ECHILD) {
			free(timed_out.pids);
			return status;
		} else if (done == 0) {
			nanosleep(&tick, NULL);
		}
	}
}

/* Die of the same signal, without a core of our own. */
static void exit_like(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_CORE, &none);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
	}
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_SHMTRACE_FAILED);
}

static size_t count_files(const char *dir, const char *pattern)
{
	char path[PATH_MAX];
	glob_t g;
	if (snprintf(path, sizeof path, "%s/%s", dir, pattern) >= (int)sizeof path)
		return 0;
	size_t n = glob(path, 0, NULL, &g) == 0 ? g.gl_pathc : 0;
	globfree(&g);
	return n;
}

static void report_where(const char *dir, pid_t pid, const char *program, int quiet)
{
	char first[64];
	snprintf(first, sizeof first, TRACE_FILE_PREFIX "%d" TRACE_FILE_SUFFIX, (int)pid);
	if (count_files(dir, first) == 0)
		errorf("warning: no trace from %s (pid %d): it removed LD_PRELOAD from its environment, "
		       "or could not load %s",
		       program, (int)pid, "libshmtrace.so");
	if (!quiet)
		errorf("%zu trace file(s) in %s", count_files(dir, TRACE_FILE_PREFIX "*" TRACE_FILE_SUFFIX), dir);
}

/* Whether DIR still names the directory run opened (DIRFD): the program
 * could move it away and put one of its own in its place. */
static int same_directory(const char *dir, int dirfd)
{
	struct stat named, ours;
	return stat(dir, &named) == 0 && fstat(dirfd, &ours) == 0 && named.st_dev == ours.st_dev &&
	       named.st_ino == ours.st_ino;
}

/* DIR/UNTRACED_FILE, empty, its room allocated beyond its end (so that a
 * line fits on a full disk).  In a root run, every user may append to it:
 * a process of the run that became another user (setpriv, su, runuser,
 * then exec) may not create its trace file in the directory, and must
 * still be able to say so, or the run would end with its calls missing
 * and exit 0.  A line from anyone else can only make the run say it is
 * incomplete (docs/security.md). */
static int create_untraced_file(int dirfd)
{
	unlinkat(dirfd, UNTRACED_FILE, 0); /* an earlier run's into this directory */
	int fd = create_in_dir(dirfd, UNTRACED_FILE);
	if (fd < 0) {
		errorf("run: cannot create %s: %s", UNTRACED_FILE, strerror(errno));
		return -1;
	}
	if (geteuid() == 0)
		fchmod(fd, 0622); /* (the umask does not apply to fchmod) */
	fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, UNTRACED_FILE_ROOM); /* best effort: appends work without */
	close(fd);
	return 0;
}

static void remove_in(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

/* How many processes said in DIR/UNTRACED_FILE that they could not create
 * their trace file (its lines, in its room), and into CUT how many of them
 * that their trace was cut ("pid N: cut": they could not mark the file).
 * The program may have put something else there: never followed nor
 * waited on (a FIFO), and not a regular file counts as one, the trace then
 * not to be trusted whole. */
static long untraced_processes(const char *dir, long *cut)
{
	char path[PATH_MAX + sizeof UNTRACED_FILE + 1], buf[UNTRACED_FILE_ROOM];
	struct stat st;
	long n = 0;
	snprintf(path, sizeof path, "%s/%s", dir, UNTRACED_FILE);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : 1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 1;
	}
	ssize_t got = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	*cut = 0;
	for (char *line = buf; *line; n++) {
		char *end = strchr(line, '\n');
		*cut += strncmp(line, "pid ", 4) == 0 && strncmp(line + 4 + strspn(line + 4, "0123456789"), ": cut", 5) == 0;
		if (!end)
			break;
		line = end + 1;
	}
	return n - *cut ? n - *cut : !*cut && got > 0;
}

/* scope=run counts live in DIR/inject.counters, mapped by every process:
 * made here, new and with every block allocated, so that a full file
 * system refuses the run now rather than kill the program with SIGBUS
 * when it first counts (the library checks what it maps the same way). */
static int create_run_counts(int dirfd, const struct run_options *o)
{
	struct inject_rules rules = {0};
	char err[INJECT_RULE_TEXT + 256];
	int scope_run = 0;
	if (o->inject[0] && inject_parse(&rules, o->inject, o->allow_any_errno, err, sizeof err) == 0)
		for (int i = 0; i < rules.n; i++)
			scope_run |= rules.rule[i].scope_run;
	if (!scope_run)
		return 0;
	unlinkat(dirfd, INJECT_COUNTS_FILE, 0); /* counts start from zero in every run */
	int fd = create_in_dir(dirfd, INJECT_COUNTS_FILE);
	int e = fd < 0 ? errno : posix_fallocate(fd, 0, INJECT_COUNTS_SIZE);
	if (fd >= 0)
		close(fd);
	if (e) {
		errorf("run: cannot create %s for scope=run counts: %s", INJECT_COUNTS_FILE, strerror(e));
		if (fd >= 0)
			unlinkat(dirfd, INJECT_COUNTS_FILE, 0);
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_SEED = 256, OPT_ANY_ERRNO, OPT_NO_FOLLOW_ENV, OPT_END_WITH_PROGRAM, OPT_MAX_SIZE };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"backtrace", required_argument, NULL, 'b'},
		{"inject", required_argument, NULL, 'i'},
		{"seed", required_argument, NULL, OPT_SEED},
		{"allow-any-errno", no_argument, NULL, OPT_ANY_ERRNO},
		{"no-follow-env", no_argument, NULL, OPT_NO_FOLLOW_ENV},
		{"end-with-program", no_argument, NULL, OPT_END_WITH_PROGRAM},
		{"max-size", required_argument, NULL, OPT_MAX_SIZE},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static struct run_options opt;
	opt = (struct run_options){.backtrace = BACKTRACE_DEFAULT};
	const char *rules[INJECT_MAX_RULES + 1];
	int nrules = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:b:i:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (nrules == INJECT_MAX_RULES) {
				errorf("run: --inject: at most %d rules", INJECT_MAX_RULES);
				return EXIT_SHMTRACE_FAILED;
			}
			rules[nrules++] = optarg; /* parsed once --allow-any-errno is known */
			break;
		case OPT_SEED: {
			char *end;
			errno = 0;
			unsigned long long seed = strtoull(optarg, &end, 10);
			if (!*optarg || *end || errno || seed > INJECT_SEED_MAX || optarg[0] == '-') {
				errorf("run: --seed '%s': expected a number from 0 to %llu", optarg, INJECT_SEED_MAX);
				return EXIT_SHMTRACE_FAILED;
			}
			opt.seed = optarg;
			break;
		}
		case OPT_ANY_ERRNO:
			opt.allow_any_errno = 1;
			break;
		case OPT_NO_FOLLOW_ENV:
			opt.no_follow_env = 1;
			break;
		case OPT_END_WITH_PROGRAM:
			opt.end_with_program = 1;
			break;
		case OPT_MAX_SIZE: {
			unsigned long long ignored;
			if (size_arg(optarg, &ignored) != 0) {
				errorf("run: --max-size '%s': expected bytes, with K, M or G after them if wanted; 0 for no bound",
				       optarg);
				return EXIT_SHMTRACE_FAILED;
			}
			opt.max_size = optarg; /* the library reads it as given */
			break;
		}
		case 'o':
			opt.out_dir = optarg;
			break;
		case 'b':
			if (parse_depth(optarg, &opt.backtrace) != 0) {
				errorf("run: --backtrace '%s': expected a depth from 0 to %d", optarg, BACKTRACE_MAX);
				return EXIT_SHMTRACE_FAILED;
			}
			break;
		case 'q':
			opt.quiet = 1;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		default:
			if (optopt)
				errorf("run: option '-%c' %s (see 'shmtrace run --help')", optopt,
				       strchr("obi", optopt) ? "needs a value" : "is unknown");
			else
				errorf("run: option '%s' is unknown or needs a value (see 'shmtrace run --help')",
				       argv[optind - 1]);
			return EXIT_SHMTRACE_FAILED;
		}
	}
	for (int i = 0; i < nrules; i++)
		if (add_rule(&opt, rules[i]) != 0)
			return EXIT_SHMTRACE_FAILED;
	if (optind >= argc) {
		errorf("run: no command to run (see 'shmtrace run --help')");
		return EXIT_SHMTRACE_FAILED;
	}
	char **command = argv + optind;

	char lib[PATH_MAX], program[PATH_MAX], dir[PATH_MAX], default_dir[PATH_MAX];
	if (!find_library(lib, sizeof lib)) {
		errorf("run: cannot find libshmtrace.so beside shmtrace, in ../lib/shmtrace/ or in %s%s",
		       library_dir, getenv("SHMTRACE_LIB") ? " (SHMTRACE_LIB names no readable file)" : "");
		return EXIT_SHMTRACE_FAILED;
	}
	int found = find_command(command[0], program, sizeof program);
	if (found != 0) {
		errorf("run: %s: %s", command[0], found == EXIT_NOT_FOUND ? "command not found" : "permission denied");
		return found;
	}
	const char *why_not = untraceable_reason(program);
	if (why_not) {
		errorf("run: cannot trace %s: %s", program, why_not);
		return EXIT_SHMTRACE_FAILED;
	}
	if (!opt.out_dir) {
		snprintf(default_dir, sizeof default_dir, "shmtrace.%s.%d", basename(program), (int)getpid());
		opt.out_dir = default_dir;
	}
	/* Resolved once, here: the program may chdir. */
	int dirfd = open_trace_dir("run", opt.out_dir, dir, sizeof dir);
	if (dirfd < 0)
		return EXIT_SHMTRACE_FAILED;
	struct kernel_file kf;
	if (kernel_file_create(&kf, dirfd, KERNEL_SNAPSHOT_FILE, opt.out_dir) != 0) {
		close(dirfd);
		return EXIT_SHMTRACE_FAILED;
	}
	FILE *kernel = kf.f;
	if (create_untraced_file(dirfd) != 0 || create_run_counts(dirfd, &opt) != 0) {
		kernel_file_close(&kf);
		close(dirfd);
		return EXIT_SHMTRACE_FAILED;
	}
	close(dirfd);
	if (setup_environment(lib, dir, opt.backtrace) != 0 || setup_injection(&opt) != 0 ||
	    (opt.max_size && setenv("SHMTRACE_MAX_SIZE", opt.max_size, 1) != 0)) {
		errorf("run: cannot set the environment: %s", strerror(errno));
		return EXIT_SHMTRACE_FAILED;
	}

	if (write_kernel_snapshot(kernel, "before") != 0)
		errorf("warning: cannot record the kernel's segment table in %s: %s", dir, strerror(errno));
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	int exec_errno;
	fflush(NULL);
	pidwatch_start();
	namewatch_start();
	/* Only a run that is to end what the program leaves moves it into a
	 * cgroup of its own: a plain run changes nothing of where the program
	 * and the daemons it starts live. */
	if (opt.end_with_program)
		run_cgroup_create();
	pid_t pid = launch(program, command, &exec_errno);
	if (pid < 0) {
		errorf("run: cannot start %s: %s", program, strerror(errno));
		return EXIT_SHMTRACE_FAILED;
	}
	pidwatch_started(pid);
	namewatch_started();
	struct pidset left = {0}, run_pids, run_uids;
	int status = wait_for(pid, kernel, opt.end_with_program, &left);
	run_cgroup_remove();
	int complete = pidwatch_finish(&run_pids, &run_uids), names_known = namewatch_finish();
	/* Never appended to unless it is still the file run made, as run
	 * wrote it: the program could have planted its own (kernelfile.c). */
	int replaced = !kernel_file_intact(&kf), moved = !same_directory(dir, kf.dirfd);
	if (replaced && kernel_file_restore(&kf) != 0)
		errorf("run: %s/%s: cannot be made anew: %s", dir, KERNEL_SNAPSHOT_FILE, strerror(errno));
	else if (replaced)
		write_replaced_record(kf.f);
	if (!exec_errno) {
		write_kernel_snapshot(kf.f, "after");
		write_processes_record(kf.f, &run_pids, complete, &left, &run_uids, names_known);
	}
	/* The "before" table too: a write that failed once leaves the error set. */
	int kernel_lost = fflush(kf.f) != 0 || ferror(kf.f);
	kernel_lost |= kernel_file_close(&kf) != 0;
	free(run_pids.pids);
	free(run_uids.pids);
	if (left.n)
		errorf("run: ended %zu process(es) the program left running (SIGTERM; SIGKILL 5 s later to any still "
		       "there): what they made and had not removed yet is left; %s/%s names them (left_running)",
		       left.n, dir, KERNEL_SNAPSHOT_FILE);
	free(left.pids);
	if (exec_errno) {
		errorf("run: %s: %s", program, strerror(exec_errno));
		return exec_errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
	}
	if (moved) { /* nothing more done through that name */
		errorf("run: warning: %s is no longer the directory run wrote the trace in (moved or replaced while "
		       "the program ran, by the program?): what is there now is not this run's trace; exit status %d",
		       dir, EXIT_SHMTRACE_FAILED);
		return EXIT_SHMTRACE_FAILED;
	}
	trim_trace_files(dir);
	report_where(dir, pid, program, opt.quiet);
	if (replaced) {
		errorf("run: warning: %s/%s was replaced or changed while the program ran (by the program?): what was "
		       "there is now %s.replaced, and %s holds run's own records; exit status %d",
		       dir, KERNEL_SNAPSHOT_FILE, KERNEL_SNAPSHOT_FILE, KERNEL_SNAPSHOT_FILE, EXIT_SHMTRACE_FAILED);
		return EXIT_SHMTRACE_FAILED;
	}
	/* A report over a trace cut short must not be the only one to know:
	 * the program's status would say all went well (r01 in issue 13). */
	long cut_unmarked = 0, untraced = untraced_processes(dir, &cut_unmarked);
	size_t cut = count_files(dir, TRACE_FILE_PREFIX "*" TRACE_FILE_SUFFIX TRACE_INCOMPLETE_SUFFIX) + (size_t)cut_unmarked;
	if (!untraced && !cut_unmarked) /* empty: no need of it left in the trace */
		remove_in(dir, UNTRACED_FILE);
	if (kernel_lost || cut) {
		errorf("run: the trace in %s is incomplete: %s%s%s (disk full, past --max-size, or ulimit -f?); exit status %d, the program's was %d",
		       dir, kernel_lost ? "run could not write all of " KERNEL_SNAPSHOT_FILE : "",
		       kernel_lost && cut ? ", and " : "", cut ? "traced processes could not write all their records" : "",
		       EXIT_SHMTRACE_FAILED, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return EXIT_SHMTRACE_FAILED;
	}
	if (untraced) {
		errorf("run: the trace in %s is incomplete: %ld process(es) ran untraced: could not create their trace file "
		       "(another user's, who may not write there? no inode left, no descriptor, no memory?), or were "
		       "programs in secure-execution mode, where the loader ignores LD_PRELOAD (set-user-ID, file "
		       "capabilities, started with differing real and effective ids), or programs libshmtrace.so cannot "
		       "be preloaded into (static, 32-bit, another C library's, as musl's); %s/%s names them; exit status %d, the program's was %d",
		       dir, untraced, dir, UNTRACED_FILE, EXIT_SHMTRACE_FAILED,
		       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return EXIT_SHMTRACE_FAILED;
	}
	exit_like(status);
	return EXIT_SHMTRACE_FAILED;
}
