/* What each call record does to the model: shmget, shmat, shmdt and
 * shmctl change its segments and attachments (kept by model.c), semget,
 * msgget and IPC_RMID its sets and queues (model_sysv.c), a failed
 * call becomes the misuse it shows or a failure grouped by site and
 * errno, and every call is counted in the summary.  on_call dispatches a
 * record to these, and to model_names.c for POSIX names and ftok keys. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../common/calls.h"
#include "model_state.h"
#include "sysv_target.h"

static void on_shmget(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	int shmid = (int)c->ret;
	if (c->created != 1) {
		struct segment *s = model_segment(m, p->ipc_ns, shmid, p, stack);
		s->key = c->key;
		return;
	}
	struct segment *s = model_new_segment(m, p->ipc_ns, shmid);
	s->key = c->key;
	s->size = c->size;
	s->traced_create = 1;
	m->live.segments++;
	m->live.bytes += s->size;
	if (m->live.bytes > m->peak.bytes || (m->live.bytes == m->peak.bytes && m->live.segments > m->peak.segments)) {
		m->peak = m->live;
		m->peak_ts = c->ts;
	}
	s->creator_pid = p->pid;
	s->creator_exe = p->exe ? strdup(p->exe) : NULL;
	s->create_stack = stack;
	s->create_ts = c->ts;
}

/* Bytes mapped by an attachment: whole pages; 0 if the size is unknown. */
static unsigned long long mapped_length(const struct segment *s)
{
	return (s->size + 4095) & ~4095ull;
}

/* A successful shmat at ADDR means nothing of this process was attached
 * there any more: SHM_REMAP replaces whatever is mapped in its range (the
 * kernel unmaps it, detaching it: shmat(2)), and without SHM_REMAP the
 * range was free, so an attachment the model still has there went away
 * unseen.  No warning: the program did detach it, one way or another. */
static void replaced_attachments(struct model *m, struct process *p, unsigned long long addr, unsigned long long len)
{
	for (struct attachment **a = &p->att; *a;) {
		/* Only a whole attachment goes; the part of a larger one that a
		 * smaller remap leaves stays mapped, and attached.  Without the
		 * lengths, the same address is the best guess. */
		unsigned long long start = (*a)->addr, old_len = mapped_length((*a)->seg);
		int covered = len && old_len ? start >= addr && start + old_len <= addr + len : start == addr;
		if (!covered) {
			a = &(*a)->next;
			continue;
		}
		struct attachment *gone = *a;
		*a = gone->next;
		model_drop(m, gone);
	}
}

static void on_shmat(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	int shmid = (int)c->shmid;
	struct segment *s = model_segment(m, p->ipc_ns, shmid, p, stack);
	/* Held while the attachments it replaces go: one of them may be the
	 * last on this very segment, already removed (shmat after IPC_RMID). */
	s->nattach++;
	replaced_attachments(m, p, c->ret_addr, mapped_length(s));
	s->nattach--;
	if (s->removed) {
		struct misuse_finding *f =
			model_misuse(m, MISUSE_ATTACH_AFTER_REMOVE, p, stack, seg_key(p->ipc_ns, shmid),
				     "shmat of a segment already marked for removal (works on Linux only)", NULL);
		f->shmid = shmid;
	}
	model_attach(p, s, c->ret_addr, stack, 0);
}

static void on_shmdt(struct model *m, struct process *p, const struct call_rec *c)
{
	for (struct attachment **a = &p->att; *a; a = &(*a)->next)
		if ((*a)->addr == c->shmaddr) {
			struct attachment *gone = *a;
			*a = gone->next;
			model_drop(m, gone);
			return;
		}
	/* Attached before the trace began (an untraced parent): nothing known. */
}

static void on_shmctl(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	const char *cmd = c->cmd;
	int shmid = (int)c->shmid;
	if (!cmd[0] || strcmp(cmd, "IPC_INFO") == 0 || strcmp(cmd, "SHM_INFO") == 0 || strncmp(cmd, "SHM_STAT", 8) == 0)
		return; /* no segment id in these */
	struct segment *s = model_segment(m, p->ipc_ns, shmid, p, stack);
	if (strcmp(cmd, "IPC_RMID") != 0)
		return;
	if (s->removed) {
		struct misuse_finding *f = model_misuse(m, MISUSE_DOUBLE_REMOVE, p, stack, seg_key(p->ipc_ns, shmid),
							"IPC_RMID of a segment already removed", NULL);
		f->shmid = shmid;
		return;
	}
	s->removed = 1;
	model_bury(m, s, p->pid, stack);
	model_maybe_destroy(m, s);
}

/* A failure that says more than its errno: the specific misuse. */
static int classify_failure(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	int einval = strcmp(c->errno_name, "EINVAL") == 0, eidrm = strcmp(c->errno_name, "EIDRM") == 0;
	enum sysv_kind kind;
	int id;
	if ((einval || eidrm) && sysv_call_target(c, &kind, &id))
		return sysv_failed_on(m, p, kind, id, strcmp(c->cmd, "IPC_RMID") == 0, stack);
	if (strcmp(c->call, "shmdt") == 0 && einval) {
		struct misuse_finding *f = model_misuse(m, MISUSE_SHMDT_NOT_ATTACHED, p, stack, c->shmaddr,
							"shmdt of an address where nothing is attached", NULL);
		f->addr = c->shmaddr;
		return 1;
	}
	/* IPC_INFO, SHM_INFO, SHM_STAT and SHM_STAT_ANY take an index into the
	 * kernel's table, or nothing, not a segment id (shmctl(2)). */
	int by_index = strcmp(c->call, "shmctl") == 0 && (strcmp(c->cmd, "IPC_INFO") == 0 ||
							  strcmp(c->cmd, "SHM_INFO") == 0 ||
							  strncmp(c->cmd, "SHM_STAT", 8) == 0);
	if ((strcmp(c->call, "shmat") == 0 || strcmp(c->call, "shmctl") == 0) && (einval || eidrm) && !by_index) {
		int shmid = (int)c->shmid;
		uint64_t k = seg_key(p->ipc_ns, shmid);
		struct tomb *t = map_get(&m->removed, k);
		if (!t || map_get(&m->segments, k))
			return 0;
		struct misuse_finding *u = model_misuse(m, MISUSE_USE_AFTER_REMOVE, p, stack, k,
							"call on a segment id that was already removed", NULL);
		/* The latest removal of the id: it may have been reused since. */
		u->shmid = shmid;
		u->removed_by_pid = t->pid;
		backtrace_free(&u->removed_at);
		u->removed_at = symbolize_backtrace(m->symbols, t->stack);
		return 1;
	}
	return 0;
}

/* Failures that answer the program's question rather than fault its use
 * of IPC: counted in the summary, never a finding (unless injected).
 *   - A wait on a set or queue that ends without success: IPC_NOWAIT's
 *     EAGAIN or ENOMSG, semtimedop's timeout (EAGAIN), a signal (EINTR),
 *     the set or queue removed while it waited (EIDRM; semop(2), msgop(2)).
 *     A call on an id removed before it began is use after remove, found
 *     before this is asked (classify_failure).
 *   - A get without IPC_CREAT of a key that is not there (ENOENT): the
 *     usual "does it exist yet?" (PHP's msg_get_queue asks it first).
 *   - A *_STAT by index of an empty slot (EINVAL): ipcs and ipcrm -a walk
 *     the kernel's table so. */
static int an_answer(const struct call_rec *c)
{
	const char *e = c->errno_name;
	int waits = strcmp(c->call, "semop") == 0 || strcmp(c->call, "semtimedop") == 0 ||
		    strcmp(c->call, "msgsnd") == 0 || strcmp(c->call, "msgrcv") == 0;
	if (waits)
		return strcmp(e, "EAGAIN") == 0 || strcmp(e, "EINTR") == 0 || strcmp(e, "ENOMSG") == 0 ||
		       strcmp(e, "EIDRM") == 0;
	int get = strcmp(c->call, "shmget") == 0 || strcmp(c->call, "semget") == 0 || strcmp(c->call, "msgget") == 0;
	if (get)
		return strcmp(e, "ENOENT") == 0;
	int ctl = strcmp(c->call, "shmctl") == 0 || strcmp(c->call, "semctl") == 0 || strcmp(c->call, "msgctl") == 0;
	return ctl && strcmp(e, "EINVAL") == 0 && strstr(c->cmd, "_STAT") && strcmp(c->cmd, "IPC_STAT") != 0;
}

/* Failed calls, grouped by call site and errno; injected ones counted apart. */
static void on_failure(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	if (!c->injected && (classify_failure(m, p, c, stack) || an_answer(c)))
		return;
	int fresh;
	char message[96];
	snprintf(message, sizeof message, "%s failed with %s", c->call, c->errno_name);
	struct misuse_finding *f = model_misuse(m, MISUSE_FAILED_CALL, p, stack,
						mix(hash_str(c->call), hash_str(c->errno_name)), message, &fresh);
	if (fresh) {
		f->call = findings_strdup(c->call);
		f->errno_name = findings_strdup(c->errno_name);
	}
	if (c->injected)
		f->injected++;
}

/* semget and msgget make a set or queue (or open one), IPC_RMID removes
 * it; semop, msgsnd and msgrcv change nothing the model keeps. */
static void on_sysv(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	enum sysv_kind kind;
	int id;
	if (strcmp(c->call, "semget") == 0 || strcmp(c->call, "msgget") == 0) {
		int sem = c->call[0] == 's';
		sysv_got(m, p, sem ? SYSV_SEM : SYSV_MSG, c, sem && c->nsems > 0 ? (unsigned long long)c->nsems : 0, stack);
		if (c->key != 0)
			ftok_key_used(m, c->key);
	} else if (sysv_call_target(c, &kind, &id) && strcmp(c->cmd, "IPC_RMID") == 0) {
		sysv_removed(m, p, kind, id, stack);
	}
}

/* The summary's counts of calls and failures. */
static void tally(struct model *m, const struct call_rec *c)
{
	struct summary *sum = &m->found->summary;
	int call = call_by_name(c->call);
	if (call >= 0)
		sum->calls[call]++;
	sum->injected += c->injected;
	if (!c->failed)
		return;
	for (int i = 0; i < sum->nfailures; i++)
		if (strcmp(sum->failures[i].name, c->errno_name) == 0) {
			sum->failures[i].count++;
			return;
		}
	if (sum->nfailures < (int)(sizeof sum->failures / sizeof *sum->failures)) {
		snprintf(sum->failures[sum->nfailures].name, sizeof sum->failures[0].name, "%s", c->errno_name);
		sum->failures[sum->nfailures++].count = 1;
	}
}

void on_call(struct model *m, const struct call_rec *c, struct stack *stack)
{
	struct process *p = model_process(m, (int)c->pid);
	tally(m, c);
	if (c->failed)
		on_failure(m, p, c, stack);
	else if (strcmp(c->call, "shmget") == 0) {
		on_shmget(m, p, c, stack);
		if (c->key != 0)
			ftok_key_used(m, c->key);
	}
	else if (strcmp(c->call, "shmat") == 0)
		on_shmat(m, p, c, stack);
	else if (strcmp(c->call, "shmdt") == 0)
		on_shmdt(m, p, c);
	else if (strcmp(c->call, "shmctl") == 0)
		on_shmctl(m, p, c, stack);
	else if (strcmp(c->call, "shm_open") == 0)
		on_shm_open(m, p, c, stack);
	else if (strcmp(c->call, "shm_unlink") == 0)
		on_shm_unlink(m, c);
	else if (strcmp(c->call, "ftok") == 0)
		on_ftok(m, p, c, stack);
	else
		on_sysv(m, p, c, stack);
}
