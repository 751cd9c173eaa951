/* sweep's results: a table for people, or one JSON document
 * (docs/sweep.md), both from the runs' structs. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../analyzer/printable.h"
#include "../analyzer/render.h"
#include "../common/calls.h"
#include "../common/xlat.h"
#include "sweep.h"

const char *const sweep_outcome_name[] = {
	[OUTCOME_HANDLED] = "handled", [OUTCOME_CRASHED] = "crashed", [OUTCOME_HUNG] = "hung", [OUTCOME_FAILED] = "failed",
	[OUTCOME_DAEMON] = "daemon",   [OUTCOME_LEAKED] = "leaked",
};

const char *sweep_errno_name(int e)
{
	return e ? xlat_name(xlat_errnos, (unsigned long)e) : NULL;
}

/* The failed call's stack: the injected one's when the rule fired, else
 * the planned call's, from the clean run. */
static const struct backtrace *stack_of(const struct sweep_run *r)
{
	return r->injected ? &r->call.stack : &r->target->stack;
}

/* The errno it failed with (the run's trace says it: escaped), or the one
 * planned; NULL: the call's own, not reached. */
static const char *errno_of(const struct sweep_run *r)
{
	return r->injected ? printable(r->call.errno_name) : sweep_errno_name(r->errno_planned);
}

/* The signal that ended a run, "SIGSEGV"; "" if none did. */
static const char *signal_of(const struct sweep_run *r, char *buf, size_t len)
{
	if (r->hung || !WIFSIGNALED(r->status))
		return "";
	snprintf(buf, len, "SIG%s", sigabbrev_np(WTERMSIG(r->status)) ?: "?");
	return buf;
}

static json_t *run_json(const struct sweep *s, const struct sweep_run *r)
{
	const struct target *t = r->target;
	char buf[32];
	json_t *o = json_pack("{s:s, s:I, s:s, s:o}", "call", call_table[t->call].name, "nth", (json_int_t)t->nth,
			      "rule", r->rule, "stack", backtrace_json(stack_of(r)));
	if (r->errno_planned)
		json_object_set_new(o, "errno", json_string(errno_of(r)));
	if (s->o.by_site) {
		snprintf(buf, sizeof buf, "0x%llx", t->site);
		json_object_set_new(o, "site", json_string(buf));
	}
	if (s->o.keep)
		json_object_set_new(o, "trace", json_string(r->dir));
	json_object_set_new(o, "injected", json_boolean(r->injected));
	if (!r->errno_planned && r->injected)
		json_object_set_new(o, "errno", json_string(errno_of(r)));
	if (r->daemons)
		json_object_set_new(o, "daemons", json_integer((json_int_t)r->daemons));
	if (*signal_of(r, buf, sizeof buf))
		json_object_set_new(o, "signal", json_string(buf));
	if (r->crashed_child[0])
		json_object_set_new(o, "process_killed_by", json_string(r->crashed_child));
	if (!r->hung && WIFEXITED(r->status))
		json_object_set_new(o, "exit_status", json_integer(WEXITSTATUS(r->status)));
	json_object_set_new(o, "outcome", json_string(sweep_outcome_name[r->outcome]));
	json_object_set_new(o, "leaked", json_integer(r->leaked));
	json_object_set_new(o, "leaked_segments", json_integer(r->leaked_by_kind[LEAK_SEGMENT]));
	json_object_set_new(o, "leaked_semaphore_sets", json_integer(r->leaked_by_kind[LEAK_SET]));
	json_object_set_new(o, "leaked_message_queues", json_integer(r->leaked_by_kind[LEAK_QUEUE]));
	json_object_set_new(o, "posix_names_never_unlinked", json_integer(r->leaked_by_kind[LEAK_NAME]));
	return o;
}

/* The clean run: how it ended, what it called and left. */
static json_t *clean_json(const struct sweep *s)
{
	const struct sweep_run *r = &s->clean;
	json_t *o = json_pack("{s:b}", "hung", r->hung);
	if (r->daemons)
		json_object_set_new(o, "daemons", json_integer((json_int_t)r->daemons));
	char buf[32];
	if (*signal_of(r, buf, sizeof buf))
		json_object_set_new(o, "signal", json_string(buf)); /* a name, as each run's */
	else if (!r->hung && WIFEXITED(r->status))
		json_object_set_new(o, "exit_status", json_integer(WEXITSTATUS(r->status)));
	json_object_set_new(o, "calls", summary_calls_json(&s->clean_report->summary));
	const struct summary *left = &s->clean_report->summary;
	json_object_set_new(o, "leaked_segments", json_integer(left->leaked_segments));
	json_object_set_new(o, "leaked_semaphore_sets", json_integer(left->leaked_semaphore_sets));
	json_object_set_new(o, "leaked_message_queues", json_integer(left->leaked_message_queues));
	json_object_set_new(o, "posix_names_never_unlinked", json_integer(left->posix_names_never_unlinked));
	return o;
}

int sweep_print_json(FILE *out, const struct sweep *s)
{
	json_t *runs = json_array(), *command = json_array();
	for (size_t i = 0; i < s->nruns; i++)
		json_array_append_new(runs, run_json(s, &s->run[i]));
	for (char **c = s->o.command; *c; c++)
		json_array_append_new(command, json_string(*c));
	json_t *doc = json_pack("{s:o, s:s, s:b, s:o, s:{s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:{s:I, s:I}}, s:o}", "clean",
				clean_json(s), "by", s->o.by_site ? "site" : "call", "by_site_chosen", s->by_site_chosen,
				"runs", runs, "summary", "runs", (json_int_t)s->nruns, "handled", s->count.handled,
				"crashed", s->count.crashed, "hung", s->count.hung, "leaked", s->count.leaked, "daemon",
				s->count.daemon, "failed", s->count.failed, "not_reached", s->count.not_reached, "cleanup", "removed",
				(json_int_t)s->cleanup.removed, "kept", (json_int_t)s->cleanup.nkept, "command", command);
	int ret = json_dumpf(doc, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
	json_decref(doc);
	return ret;
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The failed call's caller: function and file:line, or module+offset; and
 * when the caller has no name (a static function of a stripped program),
 * the nearest caller that has one, outside the C runtime.  Each escaped as the report escapes
 * it: a program's symbol table is the program's to write. */
static void where(FILE *out, const struct backtrace *stack)
{
	const struct symframe *f = stack->n ? &stack->at[0] : NULL;
	const char *fn = f ? f->function : NULL;
	if (fn)
		fprintf(out, "%s", printable(fn));
	if (f && f->file)
		fprintf(out, " %s:%d", printable(base(f->file)), f->line);
	else if (f && f->module)
		fprintf(out, "%s(%s+0x%llx)", fn ? " " : "", printable(base(f->module)), f->offset);
	for (size_t i = 1; !fn && i < stack->n; i++)
		if (stack->at[i].function && !in_c_runtime(stack->at[i].module)) { /* not __libc_start_call_main */
			fprintf(out, " from %s", printable(stack->at[i].function));
			break;
		}
}

/* The outcome, in colour on a terminal unless NO_COLOR is set. */
static void outcome(FILE *out, enum sweep_outcome what)
{
	static const char *const colours[] = {[OUTCOME_CRASHED] = "\033[1;31m", [OUTCOME_HUNG] = "\033[1;33m",
					      [OUTCOME_LEAKED] = "\033[1;35m", [OUTCOME_DAEMON] = "\033[1;35m",
					      [OUTCOME_FAILED] = "\033[1;33m", [OUTCOME_HANDLED] = ""};
	const char *no = getenv("NO_COLOR"), *colour = "";
	if (isatty(fileno(out)) && !(no && *no))
		colour = colours[what];
	fprintf(out, "%s%-8s%s ", colour, sweep_outcome_name[what], *colour ? "\033[0m" : "");
}

static void run_line(FILE *out, size_t i, const struct sweep_run *r)
{
	char status[32];
	if (!*signal_of(r, status, sizeof status))
		snprintf(status, sizeof status, !r->hung && WIFEXITED(r->status) ? "exit %d" : "killed",
			 WEXITSTATUS(r->status));
	fprintf(out, "%4zu  %-10s %5llu  %-12s ", i + 1, call_table[r->target->call].name, r->target->nth,
		errno_of(r) ?: "-");
	outcome(out, r->outcome);
	fprintf(out, "%-8s %6ld  ", status, r->leaked);
	where(out, stack_of(r));
	if (!r->injected)
		fputs("  (the call was not reached)", out);
	if (r->crashed_child[0] && !WIFSIGNALED(r->status))
		fprintf(out, "  (a process of the run was killed by %s)", r->crashed_child);
	fputc('\n', out);
}

/* How the clean run ended, when that was not exit 0: a run that ends so
 * too may owe it nothing to its failed call (outside trial 24: a clean
 * run's crash was each run's "crashed"). */
static void clean_ending(FILE *out, const struct sweep *s)
{
	const struct sweep_run *r = &s->clean;
	char signal[32];
	const char *also = "runs that end so too may owe it nothing to the call they failed";
	if (r->hung)
		fprintf(out, "shmtrace sweep: the clean run itself hung (past --timeout): %s\n", also);
	else if (*signal_of(r, signal, sizeof signal))
		fprintf(out, "shmtrace sweep: the clean run itself was killed by %s: %s\n", signal, also);
	else if (WIFEXITED(r->status) && WEXITSTATUS(r->status))
		fprintf(out, "shmtrace sweep: the clean run itself exited with status %d\n", WEXITSTATUS(r->status));
	for (size_t i = 0; i < s->clean_report->killed.n; i++) {
		const struct killed_process *k = s->clean_report->killed.at[i];
		if (k->signal && (!strcmp(k->signal, "SIGTERM") || !strcmp(k->signal, "SIGKILL")))
			continue; /* ended: run's own ending of what the program left, most often */
		fprintf(out, "shmtrace sweep: in the clean run, pid %d (%s) was killed by %s\n", k->pid,
			printable(k->program ? base(k->program) : "untraced"), printable(k->signal ? k->signal : "?"));
	}
}

int sweep_print_text(FILE *out, const struct sweep *s)
{
	fprintf(out, "shmtrace sweep: the clean run made %llu call(s)", s->plan.total);
	for (int c = 0, first = 1; c < CALL_COUNT; c++)
		if (s->plan.calls[c]) {
			fprintf(out, "%s%s %llu", first ? " (" : ", ", call_table[c].name, s->plan.calls[c]);
			first = 0;
		}
	const struct summary *left = &s->clean_report->summary;
	fprintf(out, "%s and left %lld segment(s)", s->plan.total ? ")" : "", left->leaked_segments);
	if (left->leaked_semaphore_sets)
		fprintf(out, ", %lld semaphore set(s)", left->leaked_semaphore_sets);
	if (left->leaked_message_queues)
		fprintf(out, ", %lld message queue(s)", left->leaked_message_queues);
	if (left->posix_names_never_unlinked)
		fprintf(out, ", %lld POSIX name(s)", left->posix_names_never_unlinked);
	fputc('\n', out);
	if (s->clean.daemons)
		fprintf(out, "shmtrace sweep: the clean run left %zu process(es) running when the program exited (daemons): "
			     "each run's are ended with it\n",
			s->clean.daemons);
	clean_ending(out, s);
	if (s->by_site_chosen)
		fprintf(out, "shmtrace sweep: that is more than %d: failing the first call from each of %zu call sites instead (--by site)\n",
			AUTO_SITE_THRESHOLD, s->plan.n);
	fprintf(out, "%4s  %-10s %5s  %-12s %-8s %-8s %6s  %s\n", "run", "call", "nth", "errno", "outcome", "status", "leaked",
		"failed call");
	for (size_t i = 0; i < s->nruns; i++)
		run_line(out, i, &s->run[i]);
	fprintf(out, "SUMMARY: %zu run(s): %d handled, %d crashed, %d hung, %d leaked", s->nruns, s->count.handled,
		s->count.crashed, s->count.hung, s->count.leaked);
	if (s->count.daemon)
		fprintf(out, ", %d left a daemon", s->count.daemon);
	if (s->count.failed)
		fprintf(out, ", %d failed (not traced whole: no verdict)", s->count.failed);
	if (s->count.not_reached)
		fprintf(out, "; in %d the call to fail was not reached", s->count.not_reached);
	fputc('\n', out);
	if (s->count.not_reached == (int)s->nruns)
		fprintf(out, "NOTHING SWEPT: %s: no verdict (exit status %d)\n",
			!s->plan.total ? "the clean run made no call"
			: !s->nruns    ? "no call the clean run made can fail with the errnos asked (-e)"
				       : "no run reached the call it was to fail",
			EXIT_NOTHING_SWEPT);
	if (s->cleanup.removed || s->cleanup.nkept)
		fprintf(out, "CLEANUP: removed %lld leaked object(s) the kernel confirms the runs made", s->cleanup.removed);
	if (s->cleanup.nkept)
		fprintf(out, "; left %zu it does not confirm (-o DIR keeps each run's trace: report --live on it says why)",
			s->cleanup.nkept);
	if (s->cleanup.removed || s->cleanup.nkept)
		fputc('\n', out);
	return ferror(out) ? -1 : 0;
}
