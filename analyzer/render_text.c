/* Text for people, in the manner of valgrind and LeakSanitizer: each
 * finding with its indented stack, a summary at the end.  Headings in
 * colour on a terminal, unless NO_COLOR is set (no-color.org). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/calls.h"
#include "printable.h"
#include "render.h"

static const char *red = "", *yellow = "", *magenta = "", *bold = "", *off = "";

static void choose_colours(FILE *out)
{
	const char *no = getenv("NO_COLOR");
	if (isatty(fileno(out)) && !(no && *no))
		red = "\033[1;31m", yellow = "\033[1;33m", magenta = "\033[1;35m", bold = "\033[1m", off = "\033[0m";
}

const char *relative_path(const char *path)
{
	static char cwd[4096];
	if (!cwd[0] && !getcwd(cwd, sizeof cwd - 1))
		return path;
	size_t n = strlen(cwd);
	if (strncmp(path, cwd, n) == 0 && path[n] == '/')
		return path + n + 1;
	return path;
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* A string of the trace, safe to print; "?" when it is not known. */
static const char *s(const char *v)
{
	return v ? printable(v) : "?";
}

static void stack(FILE *out, const struct backtrace *b)
{
	if (b->n == 0)
		fputs("    (no backtrace)\n", out);
	for (size_t i = 0; i < b->n; i++) {
		const struct symframe *f = &b->at[i];
		fprintf(out, "    #%zu 0x%llx in %s", i, f->ip, s(f->function));
		if (f->file)
			fprintf(out, " %s:%d\n", relative_path(s(f->file)), f->line);
		else if (f->module)
			fprintf(out, " (%s+0x%llx)\n", base(s(f->module)), f->offset);
		else
			fputc('\n', out);
	}
}

static const char *times(long long count)
{
	static char buf[32];
	if (count <= 1)
		return "";
	snprintf(buf, sizeof buf, " [%lld times]", count);
	return buf;
}

/* The end of a leak's paragraph: whether it is there now (--live) and how
 * to remove it, and the suppression that would hide it. */
/* SHMID: a segment's, set's or queue's id, -1 for a POSIX name. */
static void leak_ending(FILE *out, const struct live_now *live, int shmid, const char *suppression, const char *where)
{
	if (live->checked && live->elsewhere) {
		fputs("  in another IPC namespace than this report's: not looked at now (report from within it, "
		      "with nsenter --ipc)\n", out);
	} else if (live->checked && live->present) {
		fprintf(out, "  still in %s now", where);
		if (live->of_segment)
			fprintf(out, " (nattch %llu)", live->nattch);
		if (live->remove)
			fprintf(out, "; remove it with: %s\n", s(live->remove));
		else
			fputs("; not shown how to remove it: the kernel does not confirm this run made it\n", out);
	} else if (live->checked && live->id_reused_by.set) {
		const struct reused_id *r = &live->id_reused_by;
		if (live->of_segment)
			fprintf(out, "  gone from %s now; its id %d is another segment's now (key 0x%08x, %llu bytes, by pid %d)\n",
				where, shmid, r->key, r->size, r->cpid);
		else
			fprintf(out, "  gone from %s now; its id %d is another's now (key 0x%08x, uid %lld)\n", where, shmid,
				r->key, r->uid);
	} else if (live->checked) {
		fprintf(out, "  gone from %s now\n", where);
	}
	if (suppression)
		fprintf(out, "  suppress with: %s\n", s(suppression));
	fputc('\n', out);
}

static void leak(FILE *out, const struct leak_finding *l)
{
	fprintf(out, "%sLEAK:%s segment %d (key 0x%08x, %lld bytes) created by pid %d (%s), never removed%s:\n", red,
		off, l->shmid, l->key, (long long)l->size, l->pid, l->program ? base(s(l->program)) : "untraced",
		l->seen_by_trace ? "" : " -- no traced call created it");
	if (l->note)
		fprintf(out, "    %s\n", l->note);
	stack(out, &l->stack);
	for (size_t j = 0; j < l->nattached; j++) {
		const struct attacher *a = &l->attached[j];
		if (a->killed_by)
			fprintf(out, "  attached when %s killed it: pid %d (%s) at 0x%llx\n", s(a->killed_by), a->pid,
				base(s(a->program)), a->addr);
		else
			fprintf(out, "  still attached: pid %d (%s) at 0x%llx\n", a->pid, base(s(a->program)), a->addr);
	}
	leak_ending(out, &l->live, l->shmid, l->suppression, "the kernel");
}

static void ipc_leak(FILE *out, const struct ipc_leak_finding *l)
{
	if (l->kind == SYSV_SEM)
		fprintf(out, "%sLEAK:%s semaphore set %d (key 0x%08x, %llu semaphore(s))", red, off, l->id, l->key, l->nsems);
	else
		fprintf(out, "%sLEAK:%s message queue %d (key 0x%08x)", red, off, l->id, l->key);
	fprintf(out, " created by pid %d (%s), never removed:\n", l->pid, l->program ? base(s(l->program)) : "?");
	stack(out, &l->stack);
	if (l->kind == SYSV_MSG && l->has_kernel && l->kernel_qnum)
		fprintf(out, "  %llu message(s), %llu bytes, left in it\n", l->kernel_qnum, l->kernel_cbytes);
	leak_ending(out, &l->live, l->id, l->suppression, "the kernel");
}

static void posix_leak(FILE *out, const struct posix_finding *l)
{
	const char *semaphore = named_semaphore(l->name);
	if (semaphore) /* sem_open's file in /dev/shm, which no traced call makes */
		fprintf(out, "%sLEAK:%s named semaphore /%s (sem_open, %s in /dev/shm) created by pid %d (%s), never "
			     "unlinked (sem_unlink)%s:\n",
			red, off, s(semaphore), s(l->name), l->pid, l->program ? base(s(l->program)) : "untraced",
			l->untraced ? " -- made by a process of the run" : "");
	else
		fprintf(out, "%sLEAK:%s POSIX shared memory %s created by pid %d (%s), never unlinked%s:\n", red, off,
			s(l->name), l->pid, l->program ? base(s(l->program)) : "untraced",
			l->untraced ? " -- made by a process of the run, no traced call created it" : "");
	if (l->note && !semaphore)
		fprintf(out, "    %s\n", l->note);
	stack(out, &l->stack);
	leak_ending(out, &l->live, -1, l->suppression, "/dev/shm");
}

static void undetached(FILE *out, const struct undetached_finding *u)
{
	fprintf(out, "%sWARNING:%s pid %d (%s) attached segment %d (key 0x%08x) at 0x%llx and never detached it (%s)%s:\n",
		yellow, off, u->pid, base(s(u->program)), u->shmid, u->key, u->addr, ended_by_name[u->ended_by],
		times(u->count));
	stack(out, &u->stack);
	fputc('\n', out);
}

static const char *const object_word[] = {[OF_SEGMENT] = "segment", [OF_SEMAPHORE_SET] = "semaphore set",
					   [OF_MESSAGE_QUEUE] = "message queue"};

static int has_shmid(enum misuse_kind kind)
{
	return kind == MISUSE_USE_AFTER_REMOVE || kind == MISUSE_ATTACH_AFTER_REMOVE || kind == MISUSE_DOUBLE_REMOVE ||
	       kind == MISUSE_CREATED_OUTSIDE_TRACE;
}

static void misuse(FILE *out, const struct misuse_finding *m)
{
	fprintf(out, "%sMISUSE%s (%s): %s, pid %d (%s)", magenta, off, misuse_kind_name[m->kind], s(m->message), m->pid,
		base(s(m->program)));
	if (has_shmid(m->kind))
		fprintf(out, ", %s %d", object_word[m->object], m->shmid);
	if (m->kind == MISUSE_FTOK_COLLISION) {
		const struct ftok_call *first = &m->first_ftok, *then = &m->ftok;
		fprintf(out, ": key 0x%08x from %s id %lld (last used by pid %d), and from %s id %lld %.6f s after, while the first was in use",
			m->key, s(first->path), first->id, m->first_pid, s(then->path), then->id,
			(double)(long long)(then->first_ts - first->last_ts) / 1e9);
	}
	if (m->injected)
		fprintf(out, ", %lld injected", m->injected);
	fprintf(out, "%s:\n", times(m->count));
	stack(out, &m->stack);
	if (m->suppression)
		fprintf(out, "  suppress with: %s\n", s(m->suppression));
	fputc('\n', out);
}

/* "name count, ..." of the nonzero counts, or "none". */
static void counts(FILE *out, const char *const *names, const long long *values, size_t n)
{
	int first = 1;
	for (size_t i = 0; i < n; i++)
		if (values[i]) {
			fprintf(out, "%s%s %lld", first ? "" : ", ", printable(names[i]), values[i]);
			first = 0;
		}
	if (first)
		fputs("none", out);
}

static void calls_and_failures(FILE *out, const struct summary *sum)
{
	const char *names[CALL_COUNT > 64 ? CALL_COUNT : 64];
	long long values[CALL_COUNT > 64 ? CALL_COUNT : 64];
	for (int c = 0; c < CALL_COUNT; c++)
		names[c] = call_table[c].name, values[c] = sum->calls[c];
	counts(out, names, values, CALL_COUNT);
	fputs("; failures: ", out);
	for (int i = 0; i < sum->nfailures; i++)
		names[i] = sum->failures[i].name, values[i] = sum->failures[i].count;
	counts(out, names, values, (size_t)sum->nfailures);
}

/* "  LABEL: TOTAL WHAT:" and the first few items of the list, each
 * printed by ITEM, on one line of the summary. */
static void first_few(FILE *out, const char *label, size_t total, const char *what, const struct findings *f,
		      void (*item)(FILE *out, const struct findings *f, size_t i))
{
	enum { SHOWN = 5 };
	if (!total)
		return;
	fprintf(out, "  %s: %zu %s:", label, total, what);
	for (size_t i = 0; i < total && i < SHOWN; i++)
		item(out, f, i);
	if (total > SHOWN)
		fprintf(out, " and %zu more", total - SHOWN);
	fputc('\n', out);
}

/* Segments the kernel says processes not of the run made -- during the
 * run, or before it (one a forged trace claims): never its leaks, but
 * seen. */
static void other(FILE *out, const struct findings *f, size_t i)
{
	const struct other_segment *o = f->others.at[i];
	fprintf(out, "%s %d (key 0x%08x, by pid %lld, uid %lld, %s)", i ? "," : "", o->shmid, o->key, o->cpid, o->uid,
		o->before_run ? "there before the run" : "made during the run");
}

/* Sets and queues a uid of the run made during it without a traced call. */
static void unattributed(FILE *out, const struct findings *f, size_t i)
{
	const struct unattributed_object *u = f->unattributed.at[i];
	fprintf(out, "%s %s %d (key 0x%08x, uid %lld)", i ? "," : "", u->kind == SYSV_SEM ? "semaphore set" : "message queue",
		u->id, u->key, u->uid);
}

/* The processes a signal killed, as run collected them. */
static void killed(FILE *out, const struct findings *f, size_t i)
{
	const struct killed_process *k = f->killed.at[i];
	fprintf(out, "%s pid %d (%s) by %s%s", i ? "," : "", k->pid, k->program ? base(s(k->program)) : "untraced", s(k->signal),
		k->core ? " (core dumped)" : "");
}

static void summary(FILE *out, const struct findings *f)
{
	const struct summary *sum = &f->summary;
	fprintf(out, "%sSUMMARY:%s %lld leaked segment(s) (%lld bytes), %lld unremoved key(s), %lld undetached attachment(s), %lld misuse\n",
		bold, off, sum->leaked_segments, sum->leaked_bytes, sum->unremoved_keys, sum->undetached_attachments,
		sum->misuse);
	if (sum->posix_names_never_unlinked)
		fprintf(out, "  %lld POSIX shared memory name(s) never unlinked\n", sum->posix_names_never_unlinked);
	if (sum->leaked_semaphore_sets || sum->leaked_message_queues)
		fprintf(out, "  %lld semaphore set(s) and %lld message queue(s) never removed\n", sum->leaked_semaphore_sets,
			sum->leaked_message_queues);
	fprintf(out, "  %lld process(es), calls: ", sum->processes);
	calls_and_failures(out, sum);
	fprintf(out, "; injected: %lld\n", sum->injected);
	if (sum->peak.segments)
		fprintf(out, "  peak: %lld segment(s), %lld bytes, alive at once\n", sum->peak.segments, sum->peak.bytes);
	first_few(out, "killed by a signal", f->killed.n, "process(es)", f, killed);
	size_t left = f->run ? json_array_size(json_object_get(f->run, "left_running")) : 0;
	if (left) /* what they had made and not yet removed is theirs, not the program's */
		fprintf(out, "  ended by run when the program was gone: %zu process(es) it left running\n", left);
	if (f->run_untrusted)
		fprintf(out, "  not run's record: %s (another user could have written it): nothing it says is confirmed\n",
			printable(f->run_untrusted));
	first_few(out, "not this run's", f->others.n, "segment(s) made by processes not of the run", f, other);
	first_few(out, "not attributed", f->unattributed.n,
		  "set(s) or queue(s) made during the run by a uid of the run, without a traced call (the kernel keeps "
		  "no creator pid for them: this run's -- an inline system call, a static program -- or another "
		  "process's of that user)",
		  f, unattributed);
	if (sum->suppressed)
		fprintf(out, "  suppressed: %lld\n", sum->suppressed);
	if (sum->removed_outside_trace)
		fprintf(out, "  removed outside the trace: %lld segment(s), set(s), queue(s) or POSIX name(s)\n", sum->removed_outside_trace);
	if (sum->gone_with_namespace)
		fprintf(out, "  gone with their IPC namespace: %lld segment(s), set(s) or queue(s)\n", sum->gone_with_namespace);
	if (sum->warnings)
		fprintf(out, "  the trace had %lld problem(s), see the warnings above%s\n", sum->warnings,
			sum->incomplete_files ? "; it is incomplete" : "");
}

int render_text(FILE *out, const struct findings *f)
{
	choose_colours(out);
	for (size_t i = 0; i < f->leaks.n; i++)
		leak(out, f->leaks.at[i]);
	for (size_t i = 0; i < f->ipc_leaks.n; i++)
		ipc_leak(out, f->ipc_leaks.at[i]);
	for (size_t i = 0; i < f->names.n; i++)
		posix_leak(out, f->names.at[i]);
	for (size_t i = 0; i < f->undetached.n; i++)
		undetached(out, f->undetached.at[i]);
	for (size_t i = 0; i < f->misuse.n; i++)
		misuse(out, f->misuse.at[i]);
	summary(out, f);
	return ferror(out) ? -1 : 0;
}
