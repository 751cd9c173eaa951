/* shmtrace sweep: fail each shared-memory call of a program in turn and
 * see which error paths crash, hang or leak.  A clean run first counts the
 * calls; then one run per call (or per call site) and errno, each failing
 * exactly that call (a scope=run rule), like jansson's tests fail the Nth
 * allocation and mallocfail fails each call site once. */
#include <errno.h>
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
#include "../analyzer/render.h"
#include "../analyzer/sweep_plan.h"
#include "../common/calls.h"
#include "../common/trace_format.h"
#include "../common/xlat.h"
#include "cli.h"
#include "outdir.h"
#include "sweep.h"

#define AUTO_SITE_THRESHOLD 100 /* calls in the clean run above which --by site is chosen */

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
	"  -h, --help           show this help\n"
	"\n"
	"Each run is classified: handled (it exited, with any status), crashed (killed by\n"
	"a signal), hung (past the timeout, then ended with every process it started),\n"
	"daemon (the program exited leaving processes running: they are ended), leaked\n"
	"(left segments the clean run did not). What the runs leave is removed\n"
	"afterwards, only where the kernel confirms a run's process made it.\n"
	"Exit status: 0 if every run was handled, 1 if any crashed, hung, left a\n"
	"daemon or leaked,\n"
	"125 for usage errors or when the clean run cannot be traced.\n";

struct sweep {
	struct sweep_options o;
	struct plan plan;
	char root[3072];
	struct findings *clean_report;
	json_t *runs;
	struct symbolizer symbols; /* shared by every run's analysis */
	struct sweep_run *run;
	size_t nruns, done;
	struct { int handled, crashed, hung, daemon, leaked; } count;
};

static int parse_options(int argc, char **argv, struct sweep_options *o)
{
	static const struct option longopts[] = {
		{"jobs", required_argument, NULL, 'j'},	  {"timeout", required_argument, NULL, 't'},
		{"errno", required_argument, NULL, 'e'},  {"by", required_argument, NULL, 'b'},
		{"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},	  {0},
	};
	*o = (struct sweep_options){1, 30, NULL, -1, "text", NULL, BACKTRACE_DEFAULT, NULL};
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
			if (*end || !(o->timeout > 0))
				return errorf("sweep: --timeout '%s': expected seconds, more than 0", optarg), -1;
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
	const struct symframe *top; /* NULL: no stack */
	unsigned long long size;
	int matched;
};

static int same_site(const struct leak_site *a, const struct leak_site *b)
{
	if (!a->top || !b->top)
		return !a->top && !b->top && a->size == b->size;
	if (!a->top->module || !b->top->module)
		return !a->top->module && !b->top->module;
	return strcmp(a->top->module, b->top->module) == 0 && a->top->offset == b->top->offset;
}

/* Each leak's site, the segments' then the names'; NULL without memory. */
static struct leak_site *leak_sites(const struct findings *f, size_t *n)
{
	struct leak_site *sites = calloc(f->leaks.n + f->names.n + 1, sizeof *sites);
	*n = 0;
	for (size_t i = 0; sites && i < f->leaks.n; i++)
		sites[(*n)++] = (struct leak_site){f->leaks.at[i]->stack.n ? f->leaks.at[i]->stack.at : NULL,
						   f->leaks.at[i]->size, 0};
	for (size_t i = 0; sites && i < f->names.n; i++)
		sites[(*n)++] = (struct leak_site){f->names.at[i]->stack.n ? f->names.at[i]->stack.at : NULL, 0, 0};
	return sites;
}

/* Segments and POSIX names a run left that the clean run did not: each
 * of the run's beyond as many as the clean run left at its site. */
static long new_leaks(const struct findings *clean, const struct findings *report)
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
			fresh++;
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

static void classify(struct sweep *s, struct sweep_run *r, json_t *result, long leaked, size_t left)
{
	const char *outcome;
	if (left)
		json_object_set_new(result, "daemons", json_integer((json_int_t)left));
	if (r->hung) {
		outcome = "hung";
		s->count.hung++;
	} else if (WIFSIGNALED(r->status)) {
		char name[32];
		snprintf(name, sizeof name, "SIG%s", sigabbrev_np(WTERMSIG(r->status)) ?: "?");
		json_object_set_new(result, "signal", json_string(name));
		outcome = "crashed";
		s->count.crashed++;
	} else if (left) {
		outcome = "daemon";
		s->count.daemon++;
	} else if (leaked) {
		outcome = "leaked";
		s->count.leaked++;
	} else {
		outcome = "handled";
		s->count.handled++;
	}
	if (!r->hung && WIFEXITED(r->status))
		json_object_set_new(result, "exit_status", json_integer(WEXITSTATUS(r->status)));
	json_object_set_new(result, "outcome", json_string(outcome));
	json_object_set_new(result, "leaked_segments", json_integer(leaked));
}

static void run_done(size_t i, void *ctx)
{
	struct sweep *s = ctx;
	struct sweep_run *r = &s->run[i];
	json_t *result = json_array_get(s->runs, i);
	struct findings *report = analyze_dir(s, r->dir);
	json_t *injected = sweep_injected_call(r->dir, &s->symbols);
	json_object_set_new(result, "injected", json_boolean(injected != NULL));
	if (injected) {
		json_object_set(result, "errno", json_object_get(injected, "errno"));
		json_object_set(result, "stack", json_object_get(injected, "stack"));
	}
	classify(s, r, result, report ? new_leaks(s->clean_report, report) : 0, daemons(report));
	if (report)
		sweep_remove_leaks(report);
	findings_free(report);
	json_decref(injected);
	s->done++;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\rshmtrace sweep: %zu/%zu runs", s->done, s->nruns);
}

static const char *errno_name(int e)
{
	return e ? xlat_name(xlat_errnos, (unsigned long)e) : NULL;
}

/* One run per target and errno, each with a rule failing just that call. */
static int plan_runs(struct sweep *s)
{
	int errnos[32];
	size_t cap = 0;
	s->runs = json_array();
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
				at += snprintf(r->rule + at, sizeof r->rule - (size_t)at, ":error=%s", errno_name(errnos[e]));
			if (s->o.by_site)
				snprintf(r->rule + at, sizeof r->rule - (size_t)at, ":site=0x%llx:when=1:scope=run", tg->site);
			else
				snprintf(r->rule + at, sizeof r->rule - (size_t)at, ":when=%llu:scope=run", tg->nth);
			snprintf(r->dir, sizeof r->dir, "%s/run-%04zu", s->root, s->nruns + 1);
			json_t *run = json_pack("{s:s, s:I, s:s, s:O}", "call", call_table[tg->call].name, "nth",
						(json_int_t)tg->nth, "rule", r->rule, "stack", tg->stack);
			if (errnos[e])
				json_object_set_new(run, "errno", json_string(errno_name(errnos[e])));
			if (s->o.by_site) {
				char site[24];
				snprintf(site, sizeof site, "0x%llx", tg->site);
				json_object_set_new(run, "site", json_string(site));
			}
			if (s->o.keep)
				json_object_set_new(run, "trace", json_string(r->dir));
			json_array_append_new(s->runs, run);
			s->nruns++;
		}
	}
	return 0;
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The failed call's caller: function and file:line, or module+offset; and
 * when the caller has no name (a static function of a stripped program),
 * the nearest caller that has one. */
static void where(FILE *out, const json_t *stack)
{
	const json_t *f = json_array_get(stack, 0);
	const char *fn = json_string_value(json_object_get(f, "function"));
	const char *file = json_string_value(json_object_get(f, "file"));
	const char *module = json_string_value(json_object_get(f, "module"));
	if (fn)
		fprintf(out, "%s", fn);
	if (file)
		fprintf(out, " %s:%lld", base(file), (long long)json_integer_value(json_object_get(f, "line")));
	else if (module)
		fprintf(out, "%s(%s+%s)", fn ? " " : "", base(module), json_string_value(json_object_get(f, "offset")));
	for (size_t i = 1; !fn && i < json_array_size(stack); i++) {
		const char *named = json_string_value(json_object_get(json_array_get(stack, i), "function"));
		if (named) {
			fprintf(out, " from %s", named);
			break;
		}
	}
}

/* The outcome, in colour on a terminal unless NO_COLOR is set. */
static void outcome(FILE *out, const char *what)
{
	const char *no = getenv("NO_COLOR"), *colour = "";
	if (isatty(fileno(out)) && !(no && *no))
		colour = strcmp(what, "crashed") == 0  ? "\033[1;31m"
			 : strcmp(what, "hung") == 0   ? "\033[1;33m"
			 : strcmp(what, "leaked") == 0 || strcmp(what, "daemon") == 0 ? "\033[1;35m"
						       : "";
	fprintf(out, "%s%-8s%s ", colour, what, *colour ? "\033[0m" : "");
}

static void print_text(FILE *out, const struct sweep *s, const json_t *doc)
{
	const json_t *clean = json_object_get(doc, "clean");
	fprintf(out, "shmtrace sweep: the clean run made %llu call(s) (", s->plan.total);
	for (int c = 0, first = 1; c < CALL_COUNT; c++)
		if (s->plan.calls[c]) {
			fprintf(out, "%s%s %llu", first ? "" : ", ", call_table[c].name, s->plan.calls[c]);
			first = 0;
		}
	fprintf(out, ") and left %lld segment(s)\n", (long long)json_integer_value(json_object_get(clean, "leaked_segments")));
	if (json_integer_value(json_object_get(clean, "daemons")))
		fprintf(out, "shmtrace sweep: the clean run left %lld process(es) running when the program exited (daemons): "
			     "each run's are ended with it\n",
			(long long)json_integer_value(json_object_get(clean, "daemons")));
	if (json_is_true(json_object_get(doc, "by_site_chosen")))
		fprintf(out, "shmtrace sweep: that is more than %d: failing the first call from each of %zu call sites instead (--by site)\n",
			AUTO_SITE_THRESHOLD, s->plan.n);
	fprintf(out, "%4s  %-10s %5s  %-12s %-8s %-8s %6s  %s\n", "run", "call", "nth", "errno", "outcome", "status", "leaked",
		"failed call");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(doc, "runs"), i, r)
	{
		char status[24];
		if (json_object_get(r, "signal"))
			snprintf(status, sizeof status, "%s", json_string_value(json_object_get(r, "signal")));
		else if (json_object_get(r, "exit_status"))
			snprintf(status, sizeof status, "exit %lld", (long long)json_integer_value(json_object_get(r, "exit_status")));
		else
			snprintf(status, sizeof status, "killed");
		fprintf(out, "%4zu  %-10s %5lld  %-12s ", i + 1, json_string_value(json_object_get(r, "call")),
			(long long)json_integer_value(json_object_get(r, "nth")),
			json_string_value(json_object_get(r, "errno")) ?: "-");
		outcome(out, json_string_value(json_object_get(r, "outcome")));
		fprintf(out, "%-8s %6lld  ", status, (long long)json_integer_value(json_object_get(r, "leaked_segments")));
		where(out, json_object_get(r, "stack"));
		if (!json_is_true(json_object_get(r, "injected")))
			fputs("  (the call was not reached)", out);
		fputc('\n', out);
	}
	fprintf(out, "SUMMARY: %zu run(s): %d handled, %d crashed, %d hung, %d leaked", s->nruns, s->count.handled,
		s->count.crashed, s->count.hung, s->count.leaked);
	if (s->count.daemon)
		fprintf(out, ", %d left a daemon", s->count.daemon);
	fputc('\n', out);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int make_root(struct sweep *s)
{
	if (s->o.keep) { /* checked as run checks its -o (docs/security.md) */
		int fd = open_trace_dir("sweep", s->o.keep, s->root, sizeof s->root);
		return fd < 0 ? -1 : close(fd);
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(s->root, sizeof s->root, "%s/shmtrace-sweep.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->root))
		return errorf("sweep: cannot create a directory for the runs' traces: %s", strerror(errno)), -1;
	return 0;
}

static void nothing(size_t i, void *ctx)
{
	(void)i, (void)ctx;
}

/* The clean run: traced, nothing injected.  Its leaks are the baseline. */
static int clean_run(struct sweep *s, json_t *clean)
{
	struct sweep_run r = {0};
	snprintf(r.dir, sizeof r.dir, "%s/clean", s->root);
	sweep_run_all(&s->o, &r, 1, nothing, NULL);
	if (!r.hung && WIFEXITED(r.status) && WEXITSTATUS(r.status) >= EXIT_SHMTRACE_FAILED) {
		char log[4200];
		snprintf(log, sizeof log, "%s.log", r.dir);
		errorf("sweep: the clean run of %s failed with status %d (see %s)", s->o.command[0], WEXITSTATUS(r.status),
		       s->o.keep ? log : "its output: run it with shmtrace run");
		return -1;
	}
	s->clean_report = analyze_dir(s, r.dir);
	if (!s->clean_report)
		return -1;
	sweep_remove_leaks(s->clean_report);
	json_object_set_new(clean, "hung", json_boolean(r.hung));
	if (daemons(s->clean_report))
		json_object_set_new(clean, "daemons", json_integer((json_int_t)daemons(s->clean_report)));
	if (WIFSIGNALED(r.status))
		json_object_set_new(clean, "signal", json_integer(WTERMSIG(r.status)));
	else if (WIFEXITED(r.status))
		json_object_set_new(clean, "exit_status", json_integer(WEXITSTATUS(r.status)));
	json_object_set_new(clean, "calls", summary_calls_json(&s->clean_report->summary));
	json_object_set_new(clean, "leaked_segments", json_integer(s->clean_report->summary.leaked_segments));
	if (sweep_plan(&s->plan, r.dir, 0, &s->symbols) != 0)
		return -1;
	int chosen = s->o.by_site < 0 && s->plan.total > AUTO_SITE_THRESHOLD;
	if (s->o.by_site < 0)
		s->o.by_site = chosen;
	if (s->o.by_site) {
		sweep_plan_free(&s->plan);
		if (sweep_plan(&s->plan, r.dir, 1, &s->symbols) != 0)
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
	json_t *clean = json_object();
	int chosen = clean_run(&s, clean);
	int status = EXIT_SHMTRACE_FAILED;
	if (chosen < 0 || plan_runs(&s) != 0)
		goto out;
	sweep_run_all(&s.o, s.run, s.nruns, run_done, &s);
	if (isatty(STDERR_FILENO) && s.nruns)
		fputc('\n', stderr);

	json_t *doc = json_pack("{s:O, s:s, s:b, s:O, s:{s:I, s:i, s:i, s:i, s:i}}", "clean", clean, "by",
				s.o.by_site ? "site" : "call", "by_site_chosen", chosen, "runs", s.runs, "summary", "runs",
				(json_int_t)s.nruns, "handled", s.count.handled, "crashed", s.count.crashed, "hung",
				s.count.hung, "leaked", s.count.leaked);
	json_object_set_new(json_object_get(doc, "summary"), "daemon", json_integer(s.count.daemon));
	json_t *command = json_array();
	for (char **c = s.o.command; *c; c++)
		json_array_append_new(command, json_string(*c));
	json_object_set_new(doc, "command", command);
	if (strcmp(s.o.format, "json") == 0)
		json_dumpf(doc, stdout, JSON_INDENT(2)), putchar('\n');
	else
		print_text(stdout, &s, doc);
	json_decref(doc);
	status = s.count.crashed || s.count.hung || s.count.leaked || s.count.daemon ? 1 : 0;
	if (fflush(stdout) != 0) {
		errorf("sweep: cannot write the results: %s", strerror(errno));
		status = EXIT_SHMTRACE_FAILED;
	}
out:
	if (!s.o.keep)
		nftw(s.root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	json_decref(clean);
	findings_free(s.clean_report);
	json_decref(s.runs);
	sweep_plan_free(&s.plan);
	symbolizer_free(&s.symbols);
	free(s.run);
	return status;
}
