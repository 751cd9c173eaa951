/* pidspans.h.  A bitmap per question, indexed by pid (kernel.pid_max at
 * most 4,194,304: half a MiB each), and the spans in order of their start. */
#include "pidspans.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

struct span {
	int pid;
	unsigned long long start, end; /* CLOCK_MONOTONIC ns; end 0: still the run's */
};

static uint8_t *live, *shared;
static int *open_span; /* pid -> index + 1 of its span open now */
static int *threads; /* pid of the run -> its threads alive */
static struct span *spans;
static size_t nspans, cap;
static int pid_max;
static long long mono_to_real; /* add to CLOCK_MONOTONIC ns: CLOCK_REALTIME ns */

static unsigned long long now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

#define BIT(map, pid) ((map)[(pid) >> 3] & (1u << ((pid) & 7)))
#define SET(map, pid) ((map)[(pid) >> 3] |= (uint8_t)(1u << ((pid) & 7)))
#define CLEAR(map, pid) ((map)[(pid) >> 3] &= (uint8_t) ~(1u << ((pid) & 7)))

static int valid(int pid)
{
	return live && pid > 0 && pid < pid_max;
}

static void begin(int pid, unsigned long long ts)
{
	if (nspans == cap) {
		size_t more_cap = cap ? cap * 2 : 256;
		struct span *more = realloc(spans, more_cap * sizeof *more);
		if (!more)
			return; /* the pid stays the run's, without a span: never shared-confirmed */
		spans = more, cap = more_cap;
	}
	spans[nspans] = (struct span){pid, ts, 0};
	open_span[pid] = (int)++nspans;
	threads[pid] = 1;
	SET(live, pid);
}

int pidspans_start(int pid)
{
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	if (!f || fscanf(f, "%d", &pid_max) != 1 || pid_max <= 0 || pid_max > (1 << 22))
		pid_max = 1 << 22; /* PID_MAX_LIMIT on 64-bit */
	if (f)
		fclose(f);
	pid_max++;
	live = calloc((size_t)pid_max / 8 + 1, 1);
	shared = calloc((size_t)pid_max / 8 + 1, 1);
	open_span = calloc((size_t)pid_max, sizeof *open_span); /* untouched pages cost nothing */
	threads = calloc((size_t)pid_max, sizeof *threads);
	if (!live || !shared || !open_span || !threads || pid >= pid_max) {
		free(live), free(shared), free(open_span), free(threads);
		live = NULL;
		return -1;
	}
	mono_to_real = (long long)(now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC));
	begin(pid, now(CLOCK_MONOTONIC));
	return 0;
}

void pidspans_fork(int parent, int child, unsigned long long ts)
{
	if (!valid(child) || !valid(parent))
		return;
	if (BIT(live, parent))
		begin(child, ts);
	else
		SET(shared, child); /* another process's now: if it was or will be the run's, not alone */
}

void pidspans_thread(int tgid)
{
	if (valid(tgid) && BIT(live, tgid))
		threads[tgid]++;
}

int pidspans_exit(int tgid, unsigned long long ts)
{
	if (!valid(tgid) || !BIT(live, tgid) || --threads[tgid] > 0)
		return 0;
	CLEAR(live, tgid);
	if (open_span[tgid])
		spans[open_span[tgid] - 1].end = ts;
	open_span[tgid] = 0;
	return 1;
}

int pidspans_live(int pid)
{
	return live ? valid(pid) && BIT(live, pid) : -1;
}

void pidspans_write(FILE *f)
{
	if (!live)
		return;
	unsigned long long end = now(CLOCK_MONOTONIC);
	int first = 1;
	fputs(",\"shared_spans\":[", f);
	for (size_t i = 0; i < nspans; i++)
		if (BIT(shared, spans[i].pid)) {
			fprintf(f, "%s[%d,%llu,%llu]", first ? "" : ",", spans[i].pid, spans[i].start + mono_to_real,
				(spans[i].end ? spans[i].end : end) + mono_to_real);
			first = 0;
		}
	fputc(']', f);
}
