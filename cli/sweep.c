/* shmtrace sweep: fail each shared-memory call of a program in turn and
 * see which error paths crash, hang or leak.  A clean run first counts the
 * calls; then one run per call (or per call site) and errno, each failing
 * exactly that call (a scope=run rule), like jansson's tests fail the Nth
 * allocation and mallocfail fails each call site once. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../analyzer/model.h"
#include "../analyzer/printable.h"
#include "../analyzer/sweep_plan.h"
#include "../common/calls.h"
#include "../common/size_arg.h"
#include "../common/trace_format.h"
#include "../common/xlat.h"
#include "cli.h"
#include "outdir.h"
#include "sweep.h"

const char sweep_usage[] =
	"Usage: shmtrace sweep [OPTIONS] [--] CMD [ARGS...]\n"
	"Run CMD once cleanly to count its shared-memory calls, then once per call,\n"
	"failing that one call, and report which failures crash, hang or leak.\n"
	"\n"
	"Options:\n"
	"  -j, --jobs N         runs at a time (default 1)\n"
	"  -t, --timeout S      seconds before a run counts as hung (default 30)\n"
	"  -e, --errno LIST     errnos to inject: a comma list, or all (every errno the\n"
	"                       call's man page lists); default: each call's usual one\n"
	"  -b, --by call|site   fail every call, or the first call from each distinct\n"
	"                       backtrace (default: call, or site past 100 calls)\n"
	"  -f, --format FORMAT  text (default) or json\n"
	"  -o, --output DIR     keep every run's trace and output under DIR (if it\n"
	"                       exists: the caller's, writable by no one else)\n"
	"      --max-runs N     refuse a plan of more than N runs (default 10000)\n"
	"      --max-size SIZE  bytes each process's trace file may reach in each run\n"
	"                       (run --max-size; default 4G): a run that loops on a\n"
	"                       failing call writes that much before its timeout\n"
	"  -h, --help           show this help\n"
	"\n"
	"Each run is classified: handled (it exited, with any status), crashed (killed by\n"
	"a signal, or a process of it killed by SIGSEGV, SIGABRT... that the clean run's\n"
	"were not), hung (past the timeout, then ended with every process it started),\n"
	"daemon (the program exited leaving more processes running than the clean run\n"
	"did: they are ended), leaked\n"
	"(left segments, sets, queues or names the clean run did not). What the runs\n"
	"leave is removed afterwards, only where the kernel confirms a run made it.\n"
	"failed: shmtrace run could not trace it whole (exit 125: a full disk, say).\n"
	"Every run's standard input is /dev/null.\n"
	"Exit status: 0 if every run was handled, 1 if any crashed, hung, left a\n"
	"daemon or leaked, else 125 if any failed, else 2 if nothing was swept (no\n"
	"call, none the errnos fit, none reached); 125 also for usage errors, an -o\n"
	"DIR holding an earlier sweep's runs, or when the clean run cannot be traced.\n";

static int parse_options(int argc, char **argv, struct sweep_options *o)
{
	enum { OPT_MAX_RUNS = 256, OPT_MAX_SIZE };
	static const struct option longopts[] = {
		{"jobs", required_argument, NULL, 'j'},	  {"timeout", required_argument, NULL, 't'},
		{"errno", required_argument, NULL, 'e'},  {"by", required_argument, NULL, 'b'},
		{"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},	  {"max-runs", required_argument, NULL, OPT_MAX_RUNS},
		{"max-size", required_argument, NULL, OPT_MAX_SIZE},
		{0},
	};
	*o = (struct sweep_options){1, 30, NULL, -1, "text", NULL, BACKTRACE_DEFAULT, NULL, SWEEP_MAX_RUNS_DEFAULT};
	int c;
	char *end;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+j:t:e:b:f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->jobs = (int)strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > 256)
				return errorf("sweep: --jobs '%s': expected a number from 1 to 256", optarg), -1;
			break;
		case 't':
			o->timeout = strtod(optarg, &end);
			if (*end || !(o->timeout > 0) || !(o->timeout < 1e9)) /* inf, 1e400: no timeout at all */
				return errorf("sweep: --timeout '%s': expected seconds, more than 0 and fewer than 10^9",
					      optarg),
				       -1;
			break;
		case 'e':
			o->errnos = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "call") && strcmp(optarg, "site"))
				return errorf("sweep: --by '%s': expected call or site", optarg), -1;
			o->by_site = strcmp(optarg, "site") == 0;
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return errorf("sweep: --format '%s': expected text or json", optarg), -1;
			o->format = optarg;
			break;
		case 'o':
			o->keep = optarg;
			break;
		case OPT_MAX_RUNS:
			errno = 0;
			o->max_runs = strtoul(optarg, &end, 10);
			if (*end || errno || !o->max_runs || *optarg == '-')
				return errorf("sweep: --max-runs '%s': expected a number of runs, more than 0", optarg), -1;
			break;
		case OPT_MAX_SIZE: {
			unsigned long long ignored;
			if (size_arg(optarg, &ignored) != 0)
				return errorf("sweep: --max-size '%s': expected bytes, with K, M or G after them if wanted; 0 "
					      "for no bound",
					      optarg),
				       -1;
			o->max_size = optarg; /* run reads it as given */
			break;
		}
		case 'h':
			fputs(sweep_usage, stdout);
			exit(0);
		default:
			return errorf("sweep: option '%s' is unknown or needs a value (see 'shmtrace sweep --help')",
				      argv[optind - 1]),
			       -1;
		}
	}
	if (optind >= argc)
		return errorf("sweep: no command to run (see 'shmtrace sweep --help')"), -1;
	o->command = argv + optind;
	return 0;
}

/* The errnos to inject into CALL: 0 alone means the call's own default. */
static int errnos_for(const struct sweep_options *o, enum call_id call, int *out, int max)
{
	int n = 0;
	if (!o->errnos) {
		out[n++] = 0;
	} else if (strcmp(o->errnos, "all") == 0) {
		for (const int *e = call_table[call].errnos; *e && n < max; e++)
			out[n++] = *e;
	} else {
		char *copy = strdup(o->errnos), *save = NULL;
		for (char *w = strtok_r(copy, ",", &save); w && n < max; w = strtok_r(NULL, ",", &save)) {
			unsigned long e;
			if (xlat_value(xlat_errnos, w, &e) == 0 && call_allows_errno(call, (int)e))
				out[n++] = (int)e;
		}
		free(copy);
	}
	return n;
}

static int check_errnos(const char *list)
{
	if (!list || strcmp(list, "all") == 0)
		return 0;
	char *copy = strdup(list), *save = NULL;
	int bad = 0;
	for (char *w = strtok_r(copy, ",", &save); w && !bad; w = strtok_r(NULL, ",", &save)) {
		unsigned long e;
		if (xlat_value(xlat_errnos, w, &e) != 0) {
			errorf("sweep: --errno: unknown errno '%s'", w);
			bad = 1;
		}
	}
	free(copy);
	return bad ? -1 : 0;
}

/* Leaks told apart by where they were created (the innermost frame's
 * module and offset; without a stack, the size), so a run's leaks can be
 * compared with the clean run's. */
struct leak_site {
	enum leak_kind kind;
	const struct symframe *top; /* NULL: no stack */
	unsigned long long size;
	int matched;
};

static int same_site(const struct leak_site *a, const struct leak_site *b)
{
	if (a->kind != b->kind)
		return 0;
	if (!a->top || !b->top)
		return !a->top && !b->top && a->size == b->size;
	if (!a->top->module || !b->top->module)
		return !a->top->module && !b->top->module;
	return strcmp(a->top->module, b->top->module) == 0 && a->top->offset == b->top->offset;
}

/* Each leak's site, the segments', the names', then the sets' and
 * queues' (a set's size is its count of semaphores); NULL without memory. */
static struct leak_site *leak_sites(const struct findings *f, size_t *n)
{
	struct leak_site *sites = calloc(f->leaks.n + f->names.n + f->ipc_leaks.n + 1, sizeof *sites);
	*n = 0;
	for (size_t i = 0; sites && i < f->leaks.n; i++)
		sites[(*n)++] = (struct leak_site){LEAK_SEGMENT, f->leaks.at[i]->stack.n ? f->leaks.at[i]->stack.at : NULL,
						   f->leaks.at[i]->size, 0};
	for (size_t i = 0; sites && i < f->names.n; i++)
		sites[(*n)++] =
			(struct leak_site){LEAK_NAME, f->names.at[i]->stack.n ? f->names.at[i]->stack.at : NULL, 0, 0};
	for (size_t i = 0; sites && i < f->ipc_leaks.n; i++)
		sites[(*n)++] = (struct leak_site){f->ipc_leaks.at[i]->kind == SYSV_SEM ? LEAK_SET : LEAK_QUEUE,
						   f->ipc_leaks.at[i]->stack.n ? f->ipc_leaks.at[i]->stack.at : NULL,
						   f->ipc_leaks.at[i]->nsems, 0};
	return sites;
}

/* Segments, POSIX names, sets and queues a run left that the clean run did
 * not, by kind (BY_KIND) and in all: each of the run's beyond as many of
 * its kind as the clean run left at its site. */
static long new_leaks(const struct findings *clean, const struct findings *report, long by_kind[LEAK_KINDS])
{
	size_t nwas, nnow;
	struct leak_site *was = leak_sites(clean, &nwas), *now = leak_sites(report, &nnow);
	long fresh = 0;
	for (size_t i = 0; now && i < nnow; i++) {
		size_t j = 0;
		while (j < nwas && (was[j].matched || !same_site(&was[j], &now[i])))
			j++;
		if (j < nwas)
			was[j].matched = 1;
		else
			fresh++, by_kind[now[i].kind]++;
	}
	free(was);
	free(now);
	return fresh;
}

static struct findings *analyze_dir(struct sweep *s, const char *dir)
{
	char *paths[] = {(char *)dir};
	return report_analyze(paths, 1, s->o.jobs > 1, &s->symbols); /* runs side by side share the kernel's table */
}

/* The processes run ended because they outlived the program (daemons). */
static size_t daemons(const struct findings *report)
{
	return report ? json_array_size(json_object_get(report->run, "left_running")) : 0;
}

/* Signals whose default action dumps core: a process killed by one
 * crashed; SIGTERM, SIGKILL, SIGINT are ends, run's own at a timeout too. */
static int crash_signal(const char *name)
{
	static const char *const crashing[] = {"SIGSEGV", "SIGABRT", "SIGBUS",	"SIGFPE",  "SIGILL",
					       "SIGSYS",  "SIGTRAP", "SIGQUIT", "SIGXCPU", "SIGXFSZ"};
	for (size_t i = 0; name && i < sizeof crashing / sizeof *crashing; i++)
		if (strcmp(name, crashing[i]) == 0)
			return 1;
	return 0;
}

static size_t killed_by(const struct findings *f, const char *signal)
{
	size_t n = 0;
	for (size_t i = 0; f && i < f->killed.n; i++)
		n += f->killed.at[i]->signal && strcmp(f->killed.at[i]->signal, signal) == 0;
	return n;
}

/* Into R: a crashing signal that killed more of REPORT's processes than of
 * the clean run's.  Before, a run whose worker died of SIGSEGV (its parent
 * exiting 0) was "handled", and a sweep of initdb hid PostgreSQL's abort
 * (outside trial 24). */
static void crashed_child(const struct sweep *s, const struct findings *report, struct sweep_run *r)
{
	for (size_t i = 0; report && i < report->killed.n; i++) {
		const char *signal = report->killed.at[i]->signal;
		if (crash_signal(signal) && killed_by(report, signal) > killed_by(s->clean_report, signal)) {
			snprintf(r->crashed_child, sizeof r->crashed_child, "%s", signal);
			return;
		}
	}
}

static void classify(struct sweep *s, struct sweep_run *r)
{
	if (r->hung) {
		r->outcome = OUTCOME_HUNG;
		s->count.hung++;
	} else if (WIFSIGNALED(r->status) || r->crashed_child[0]) {
		r->outcome = OUTCOME_CRASHED;
		s->count.crashed++;
	} else if (r->incomplete || WEXITSTATUS(r->status) == EXIT_SHMTRACE_FAILED) {
		/* run refused or could not write the trace whole (a full disk):
		 * what the program did is not known, so it is not "handled". */
		r->outcome = OUTCOME_FAILED;
		s->count.failed++;
	} else if (r->daemons > s->clean.daemons) { /* more than the clean run left: as leaks are counted */
		r->outcome = OUTCOME_DAEMON;
		s->count.daemon++;
	} else if (r->leaked) {
		r->outcome = OUTCOME_LEAKED;
		s->count.leaked++;
	} else {
		r->outcome = OUTCOME_HANDLED;
		s->count.handled++;
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void run_done(size_t i, void *ctx)
{
	struct sweep *s = ctx;
	struct sweep_run *r = &s->run[i];
	struct findings *report = analyze_dir(s, r->dir);
	r->injected = sweep_injected_call(r->dir, &s->symbols, &r->call);
	r->leaked = report ? new_leaks(s->clean_report, report, r->leaked_by_kind) : 0;
	r->daemons = daemons(report);
	r->incomplete = !report || report->summary.incomplete_files;
	crashed_child(s, report, r);
	classify(s, r);
	s->count.not_reached += !r->injected;
	if (report)
		sweep_remove_leaks(report, &s->cleanup);
	findings_free(report);
	/* Read: without -o its trace goes now, not with the rest at the end. A
	 * run that hangs in a loop of calls writes gigabytes before its
	 * timeout, and a sweep has many runs. */
	if (!s->o.keep)
		nftw(r->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	s->done++;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\rshmtrace sweep: %zu/%zu runs", s->done, s->nruns);
}

/* One run per target and errno, each with a rule failing just that call;
 * a plan of more than --max-runs is refused before any run. */
static int plan_runs(struct sweep *s)
{
	int errnos[32];
	size_t cap = 0, planned = 0;
	for (size_t t = 0; t < s->plan.n; t++)
		planned += (size_t)errnos_for(&s->o, s->plan.targets[t].call, errnos, 32);
	if (planned > s->o.max_runs)
		return errorf("sweep: the clean run's trace plans %zu runs, more than --max-runs %lu (a trace can "
			      "claim any number of call sites): refusing; see 'shmtrace sweep --help'",
			      planned, s->o.max_runs),
		       -1;
	for (size_t t = 0; t < s->plan.n; t++) {
		const struct target *tg = &s->plan.targets[t];
		int n = errnos_for(&s->o, tg->call, errnos, 32);
		for (int e = 0; e < n; e++) {
			if (s->nruns == cap) {
				cap = cap ? cap * 2 : 64;
				struct sweep_run *more = realloc(s->run, cap * sizeof *more);
				if (!more)
					return -1;
				s->run = more;
			}
			struct sweep_run *r = &s->run[s->nruns];
			memset(r, 0, sizeof *r);
			int at = snprintf(r->rule, sizeof r->rule, "%s", call_table[tg->call].name);
			if (errnos[e])
				at += snprintf(r->rule + at, sizeof r->rule - (size_t)at, ":error=%s",
					       sweep_errno_name(errnos[e]));
			if (s->o.by_site)
				snprintf(r->rule + at, sizeof r->rule - (size_t)at, ":site=0x%llx:when=1:scope=run", tg->site);
			else
				snprintf(r->rule + at, sizeof r->rule - (size_t)at, ":when=%llu:scope=run", tg->nth);
			snprintf(r->dir, sizeof r->dir, "%s/run-%04zu", s->root, s->nruns + 1);
			r->target = tg;
			r->errno_planned = errnos[e];
			s->nruns++;
		}
	}
	return 0;
}

static int make_root(struct sweep *s)
{
	if (s->o.keep) { /* checked as run checks its -o (docs/security.md) */
		int fd = open_trace_dir("sweep", s->o.keep, s->root, sizeof s->root);
		if (fd < 0)
			return -1;
		/* An earlier sweep's runs there would be read as this one's: its
		 * calls counted twice, its lines shown (outside trial 24). */
		struct stat st;
		int earlier = fstatat(fd, "clean", &st, AT_SYMLINK_NOFOLLOW) == 0 ||
			      fstatat(fd, "run-0001", &st, AT_SYMLINK_NOFOLLOW) == 0;
		close(fd);
		if (earlier)
			return errorf("sweep: -o %s holds an earlier sweep's runs (clean, run-0001, ...): remove them, or "
				      "give another directory",
				      s->o.keep),
			       -1;
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(s->root, sizeof s->root, "%s/shmtrace-sweep.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->root))
		return errorf("sweep: cannot create a directory for the runs' traces: %s", strerror(errno)), -1;
	return 0;
}

/* run's own line in the clean run's output (LOG), "run: cannot trace X:
 * it is statically linked ...", into WHY: 1 if there is one. */
static int run_said(const char *log, char *why, size_t cap)
{
	static const char prefix[] = "shmtrace: run: ";
	char line[1024];
	FILE *f = fopen(log, "re");
	int found = 0;
	*why = '\0';
	while (f && !found && fgets(line, sizeof line, f))
		if (strncmp(line, prefix, sizeof prefix - 1) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(why, cap, "%s", printable(line + sizeof prefix - 1));
			found = 1;
		}
	if (f)
		fclose(f);
	return found;
}

static void nothing(size_t i, void *ctx)
{
	(void)i, (void)ctx;
}

/* The clean run: traced, nothing injected.  Its leaks are the baseline.
 * Returns whether --by site was chosen for its many calls, or -1. */
static int clean_run(struct sweep *s)
{
	struct sweep_run *r = &s->clean;
	snprintf(r->dir, sizeof r->dir, "%s/clean", s->root);
	sweep_run_all(&s->o, r, 1, nothing, NULL);
	if (!r->hung && WIFEXITED(r->status) && WEXITSTATUS(r->status) >= EXIT_SHMTRACE_FAILED) {
		/* What its trace shows it left is removed all the same (when
		 * run got as far as its table: else it ran nothing). */
		char kernel[4200];
		snprintf(kernel, sizeof kernel, "%s/kernel.jsonl", r->dir);
		struct findings *left = access(kernel, F_OK) == 0 ? analyze_dir(s, r->dir) : NULL;
		if (left)
			sweep_remove_leaks(left, &s->cleanup);
		findings_free(left);
		char log[4200], why[1024];
		snprintf(log, sizeof log, "%s.log", r->dir);
		int status = WEXITSTATUS(r->status);
		errorf("sweep: the clean run of %s failed with status %d%s (see %s)%s%s", s->o.command[0], status,
		       status == EXIT_NOT_FOUND ? ": not found" : status == EXIT_CANNOT_EXECUTE ? ": cannot be run" : "",
		       s->o.keep ? log : "its output: run it with shmtrace run", run_said(log, why, sizeof why) ? ": " : "",
		       why);
		return -1;
	}
	s->clean_report = analyze_dir(s, r->dir);
	if (!s->clean_report)
		return -1;
	sweep_remove_leaks(s->clean_report, &s->cleanup);
	r->daemons = daemons(s->clean_report);
	if (sweep_plan(&s->plan, r->dir, 0, &s->symbols) != 0)
		return -1;
	int chosen = s->o.by_site < 0 && s->plan.total > AUTO_SITE_THRESHOLD;
	if (s->o.by_site < 0)
		s->o.by_site = chosen;
	if (s->o.by_site) {
		sweep_plan_free(&s->plan);
		if (sweep_plan(&s->plan, r->dir, 1, &s->symbols) != 0)
			return -1;
	}
	return chosen;
}

int cmd_sweep(int argc, char **argv)
{
	static struct sweep s;
	memset(&s, 0, sizeof s);
	if (parse_options(argc, argv, &s.o) != 0 || check_errnos(s.o.errnos) != 0)
		return EXIT_SHMTRACE_FAILED;
	if (make_root(&s) != 0)
		return EXIT_SHMTRACE_FAILED;
	int status = EXIT_SHMTRACE_FAILED;
	s.by_site_chosen = clean_run(&s);
	if (sweep_interrupted() || s.by_site_chosen < 0 || plan_runs(&s) != 0)
		goto out;
	sweep_run_all(&s.o, s.run, s.nruns, run_done, &s);
	if (sweep_interrupted())
		goto out;
	if (isatty(STDERR_FILENO) && s.nruns)
		fputc('\n', stderr);
	int written = strcmp(s.o.format, "json") == 0 ? sweep_print_json(stdout, &s) : sweep_print_text(stdout, &s);
	/* No run made its call fail (no call, none that -e's errnos fit, none
	 * reached): nothing was tried, which is no clean bill (report's 2). */
	int nothing_swept = s.count.not_reached == (int)s.nruns;
	status = s.count.crashed || s.count.hung || s.count.leaked || s.count.daemon ? 1
		 : s.count.failed						     ? EXIT_SHMTRACE_FAILED
		 : nothing_swept						     ? EXIT_NOTHING_SWEPT
										     : 0;
	if (written != 0 || fflush(stdout) != 0) {
		errorf("sweep: cannot write the results: %s", strerror(errno));
		status = EXIT_SHMTRACE_FAILED;
	}
out:
	if (!s.o.keep)
		nftw(s.root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	findings_free(s.clean_report);
	for (size_t i = 0; i < s.nruns; i++)
		backtrace_free(&s.run[i].call.stack);
	sweep_plan_free(&s.plan);
	symbolizer_free(&s.symbols);
	free(s.run);
	free(s.cleanup.kept_keys);
	if (sweep_interrupted()) { /* its runs ended and cleaned up: now die of it */
		signal(sweep_interrupted(), SIG_DFL);
		raise(sweep_interrupted());
	}
	return status;
}
