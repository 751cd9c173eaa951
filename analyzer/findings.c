/* Owning and freeing the findings; the totals the summary gives. */
#include "findings.h"

#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

const char *const ended_by_name[] = {
	[ENDED_BY_EXIT] = "exit",
	[ENDED_BY_EXEC] = "exec",
	[ENDED_BY_END_OF_TRACE] = "end of trace",
};

const char *const misuse_kind_name[MISUSE_KINDS] = {
	[MISUSE_FAILED_CALL] = "failed_call",
	[MISUSE_SHMDT_NOT_ATTACHED] = "shmdt_not_attached",
	[MISUSE_USE_AFTER_REMOVE] = "use_after_remove",
	[MISUSE_ATTACH_AFTER_REMOVE] = "attach_after_remove",
	[MISUSE_DOUBLE_REMOVE] = "double_remove",
	[MISUSE_CREATED_OUTSIDE_TRACE] = "created_outside_trace",
	[MISUSE_FTOK_COLLISION] = "ftok_collision",
};

static void *or_abort(void *p)
{
	if (!p) {
		fputs("shmtrace: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *findings_realloc(void *p, size_t size)
{
	return or_abort(realloc(p, size));
}

void *findings_alloc(size_t size)
{
	return or_abort(calloc(1, size));
}

char *findings_strdup(const char *s)
{
	return s ? or_abort(strdup(s)) : NULL;
}

const char *named_semaphore(const char *name)
{
	name += strspn(name, "/");
	return strncmp(name, "sem.", 4) == 0 && name[4] ? name + 4 : NULL;
}

int in_c_runtime(const char *module)
{
	static const char *const names[] = {"libc.so", "ld-linux", "libpthread.so", "libdl.so"};
	const char *base = module ? strrchr(module, '/') : NULL;
	base = base ? base + 1 : module;
	for (size_t i = 0; base && i < sizeof names / sizeof *names; i++)
		if (strncmp(base, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

const char *backtrace_function(const struct backtrace *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->at[i].function && !in_c_runtime(b->at[i].module))
			return b->at[i].function;
	return NULL;
}

void backtrace_free(struct backtrace *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->at[i].module);
		free(b->at[i].function);
		free(b->at[i].file);
	}
	free(b->at);
	*b = (struct backtrace){0};
}

void leak_finding_free(struct leak_finding *l)
{
	free(l->program);
	backtrace_free(&l->stack);
	for (size_t i = 0; i < l->nattached; i++) {
		free(l->attached[i].program);
		free(l->attached[i].killed_by);
	}
	free(l->attached);
	free(l->suppression);
	free(l->live.remove);
	free(l);
}

void posix_finding_free(struct posix_finding *p)
{
	free(p->name);
	free(p->program);
	backtrace_free(&p->stack);
	free(p->suppression);
	free(p->live.remove);
	free(p);
}

void ipc_leak_finding_free(struct ipc_leak_finding *l)
{
	free(l->program);
	backtrace_free(&l->stack);
	free(l->suppression);
	free(l->live.remove);
	free(l);
}

void undetached_finding_free(struct undetached_finding *u)
{
	free(u->program);
	backtrace_free(&u->stack);
	free(u->suppression);
	free(u);
}

void misuse_finding_free(struct misuse_finding *m)
{
	backtrace_free(&m->stack);
	free(m->message);
	free(m->program);
	free(m->call);
	free(m->errno_name);
	backtrace_free(&m->removed_at);
	free(m->ftok.path);
	free(m->first_ftok.path);
	backtrace_free(&m->first_stack);
	free(m->suppression);
	free(m);
}

void unremoved_key_free(struct unremoved_key *k)
{
	free(k->shmids);
	free(k->semids);
	free(k->msqids);
	for (size_t i = 0; i < k->nprograms; i++)
		free(k->programs[i]);
	free(k->programs);
	free(k->ftok_path);
	free(k);
}

void findings_free(struct findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->leaks.n; i++)
		leak_finding_free(f->leaks.at[i]);
	for (size_t i = 0; i < f->keys.n; i++)
		unremoved_key_free(f->keys.at[i]);
	for (size_t i = 0; i < f->names.n; i++)
		posix_finding_free(f->names.at[i]);
	for (size_t i = 0; i < f->ipc_leaks.n; i++)
		ipc_leak_finding_free(f->ipc_leaks.at[i]);
	for (size_t i = 0; i < f->undetached.n; i++)
		undetached_finding_free(f->undetached.at[i]);
	for (size_t i = 0; i < f->misuse.n; i++)
		misuse_finding_free(f->misuse.at[i]);
	for (size_t i = 0; i < f->killed.n; i++) {
		free(f->killed.at[i]->program);
		free(f->killed.at[i]->signal);
		free(f->killed.at[i]);
	}
	for (size_t i = 0; i < f->others.n; i++)
		free(f->others.at[i]);
	for (size_t i = 0; i < f->unattributed.n; i++)
		free(f->unattributed.at[i]);
	free(f->leaks.at);
	free(f->keys.at);
	free(f->names.at);
	free(f->ipc_leaks.at);
	free(f->undetached.at);
	free(f->misuse.at);
	free(f->killed.at);
	free(f->others.at);
	free(f->unattributed.at);
	json_decref(f->run);
	free(f->run_untrusted);
	free(f);
}

void findings_distrust_run(struct findings *f, const char *path)
{
	if (!f->run_untrusted)
		f->run_untrusted = findings_strdup(path);
	for (size_t i = 0; i < f->leaks.n; i++)
		f->leaks.at[i]->removable = 0;
	for (size_t i = 0; i < f->ipc_leaks.n; i++)
		f->ipc_leaks.at[i]->removable = 0;
}

void findings_summarize(struct findings *f, const struct reader *r, long suppressed)
{
	struct summary *s = &f->summary;
	s->leaked_segments = (long long)f->leaks.n;
	/* Sizes come from the trace: the sum stops at the largest a JSON
	 * integer holds here rather than wrap into a negative count. */
	unsigned long long bytes = 0;
	for (size_t i = 0; i < f->leaks.n; i++) {
		unsigned long long size = f->leaks.at[i]->size;
		bytes = size > (unsigned long long)LLONG_MAX - bytes ? (unsigned long long)LLONG_MAX : bytes + size;
	}
	s->leaked_bytes = (long long)bytes;
	s->unremoved_keys = (long long)f->keys.n;
	s->posix_names_never_unlinked = (long long)f->names.n;
	s->leaked_semaphore_sets = s->leaked_message_queues = 0;
	for (size_t i = 0; i < f->ipc_leaks.n; i++)
		*(f->ipc_leaks.at[i]->kind == SYSV_SEM ? &s->leaked_semaphore_sets : &s->leaked_message_queues) += 1;
	s->undetached_attachments = 0;
	for (size_t i = 0; i < f->undetached.n; i++)
		s->undetached_attachments += f->undetached.at[i]->count;
	s->misuse = 0;
	for (size_t i = 0; i < f->misuse.n; i++)
		s->misuse += f->misuse.at[i]->count;
	s->suppressed = suppressed;
	s->unattributed = (long long)f->unattributed.n;
	s->files = (long long)r->nfiles;
	s->records = r->records;
	s->warnings = r->warnings;
	s->incomplete_files = r->incomplete_files;
	s->skipped_files = r->skipped_files;
}
