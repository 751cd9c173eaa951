/* uidspans.h.  The two ids of each process of the run, indexed by pid;
 * per uid, how many of them hold it now and its open span. */
#include "uidspans.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct ids {
	unsigned euid, fsuid;
	uint8_t held; /* a process of the run that holds these */
};

struct holder {
	unsigned uid;
	int count;
	size_t open; /* index + 1 of its span open now */
};

struct span {
	unsigned uid;
	unsigned long long start, end; /* CLOCK_MONOTONIC ns; end 0: open */
	int dropped; /* ended by a uid change, not by the exit of its last holder */
};

static struct ids *of_pid, self_ids;
static int pid_max, self_pid, first_child, broken;
static struct holder *holders;
static size_t nholders;
static struct span *spans;
static size_t nspans;
static long long mono_to_real;

static unsigned long long now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

/* Room for element N of *P, which holds N: its room doubles whenever N
 * reaches a power of two. */
static int grow(void **p, size_t n, size_t size)
{
	if (n & (n - 1))
		return 0;
	void *more = realloc(*p, (n ? 2 * n : 1) * size);
	if (!more)
		return broken = -1;
	*p = more;
	return 0;
}

static struct holder *holder_of(unsigned uid)
{
	for (size_t i = 0; i < nholders; i++)
		if (holders[i].uid == uid)
			return &holders[i];
	if (grow((void **)&holders, nholders, sizeof *holders) != 0)
		return NULL;
	holders[nholders] = (struct holder){uid, 0, 0};
	return &holders[nholders++];
}

static void take(unsigned uid, unsigned long long ts)
{
	struct holder *h = holder_of(uid);
	if (!h || h->count++ > 0)
		return;
	if (grow((void **)&spans, nspans, sizeof *spans) != 0)
		return;
	spans[nspans] = (struct span){uid, ts, 0, 0};
	h->open = ++nspans;
}

static void release(unsigned uid, unsigned long long ts, int dropped)
{
	struct holder *h = holder_of(uid);
	if (!h || h->count == 0 || --h->count > 0)
		return;
	if (h->open)
		spans[h->open - 1].end = ts, spans[h->open - 1].dropped = dropped;
	h->open = 0;
}

static void hold(struct ids *p, unsigned long long ts)
{
	take(p->euid, ts);
	if (p->fsuid != p->euid)
		take(p->fsuid, ts);
	p->held = 1;
}

static void let_go(struct ids *p, unsigned long long ts, int dropped)
{
	if (!p->held)
		return;
	release(p->euid, ts, dropped);
	if (p->fsuid != p->euid)
		release(p->fsuid, ts, dropped);
	p->held = 0;
}

static int valid(int pid)
{
	return of_pid && pid > 0 && pid < pid_max;
}

/* The second (effective) and fourth (file system) of PID's uids. */
static int read_ids(int pid, struct ids *out)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	int found = 0;
	while (f && !found && fgets(line, sizeof line, f)) {
		unsigned r, s;
		found = sscanf(line, "Uid: %u %u %u %u", &r, &out->euid, &s, &out->fsuid) == 4;
	}
	if (f)
		fclose(f);
	return found ? 0 : -1;
}

int uidspans_start(int self)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	if (!f || fscanf(f, "%d", &pid_max) != 1 || pid_max <= 0 || pid_max > (1 << 22))
		pid_max = 1 << 22;
	if (f)
		fclose(f);
	pid_max++;
	of_pid = calloc((size_t)pid_max, sizeof *of_pid); /* untouched pages cost nothing */
	if (!of_pid || self >= pid_max || read_ids(self, &self_ids) != 0) {
		free(of_pid);
		of_pid = NULL;
		return broken = -1;
	}
	self_pid = self;
	mono_to_real = (long long)(now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC));
	return 0;
}

void uidspans_first_child(int pid)
{
	first_child = pid;
}

void uidspans_fork(int parent, int child, unsigned long long ts)
{
	if (!valid(parent) || !valid(child))
		return;
	struct ids ids = of_pid[parent];
	/* A child whose parent is run but which run did not fork was made by
	 * a process of the run with clone(CLONE_PARENT): its ids are its own,
	 * as /proc tells them now (later changes come as events after this
	 * one); none if it has gone already. */
	if (parent == self_pid && child == first_child)
		ids = self_ids;
	else if (parent == self_pid && read_ids(child, &ids) != 0)
		return;
	else if (parent != self_pid && !ids.held)
		return;
	of_pid[child] = (struct ids){ids.euid, ids.fsuid, 0};
	hold(&of_pid[child], ts);
}

void uidspans_setuid(int pid, unsigned euid, unsigned long long ts)
{
	if (!valid(pid) || !of_pid[pid].held)
		return;
	/* The new ids first: a uid kept across the change keeps its span. */
	struct ids old = of_pid[pid], new = {euid, euid, 0};
	hold(&new, ts);
	let_go(&old, ts, 1);
	of_pid[pid] = new;
}

void uidspans_exit(int pid, unsigned long long ts)
{
	if (valid(pid))
		let_go(&of_pid[pid], ts, 0);
}

void uidspans_write(FILE *f)
{
	if (!of_pid || broken)
		return;
	unsigned long long end = now(CLOCK_MONOTONIC);
	fputs(",\"uid_spans\":[", f);
	for (size_t i = 0; i < nspans; i++)
		fprintf(f, "%s[%u,%llu,%llu,%d]", i ? "," : "", spans[i].uid, spans[i].start + mono_to_real,
			(spans[i].end ? spans[i].end : end) + mono_to_real, spans[i].dropped);
	fputc(']', f);
}
