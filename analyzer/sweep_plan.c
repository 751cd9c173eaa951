#include "sweep_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/site.h"
#include "../common/xlat.h"
#include "map.h"
#include "reader.h"
#include "symbolize.h"

static unsigned long long site_of(const struct stack *st)
{
	if (!st)
		return 0;
	unsigned long long h = SITE_HASH_INIT;
	for (int i = 0; i < st->nframes; i++)
		h = site_hash_add(h, st->frames[i].module,
				  st->frames[i].module ? st->frames[i].offset : st->frames[i].ip);
	return h;
}

static int add(struct plan *p, const struct target *t)
{
	struct target *more = realloc(p->targets, (p->n + 1) * sizeof *more);
	if (!more)
		return -1;
	p->targets = more;
	p->targets[p->n++] = *t;
	return 0;
}

int sweep_plan(struct plan *p, const char *clean_dir, int by_site, struct symbolizer *symbols)
{
	struct reader r;
	struct map seen = {0}; /* (call, site) already planned */
	char *paths[] = {(char *)clean_dir};
	*p = (struct plan){0};
	reader_quiet(1); /* the clean run's report read these files just before, and said what was wrong */
	if (reader_open(&r, paths, 1) != 0) {
		reader_close(&r);
		reader_quiet(0);
		return -1;
	}
	struct trace_file *file;
	struct record rec;
	while (reader_next(&r, &rec, &file)) {
		int call = rec.is_call ? call_by_name(rec.call.call) : -1;
		struct stack *stack = rec.stack;
		if (call >= 0) {
			struct target t = {call, ++p->calls[call], site_of(stack), 0, {0}};
			unsigned long cmd = 0;
			if (xlat_value(xlat_shmctl_cmds, rec.call.cmd, &cmd) == 0)
				t.shmctl_cmd = (int)cmd;
			p->total++;
			uint64_t key = t.site * CALL_COUNT + (uint64_t)call + 1;
			if (!by_site || (t.site && !map_get(&seen, key))) {
				if (by_site)
					map_put(&seen, key, (void *)1);
				t.stack = symbolize_backtrace(symbols, stack);
				if (add(p, &t) != 0)
					backtrace_free(&t.stack);
			}
		}
		json_decref(rec.json);
	}
	map_free(&seen);
	reader_close(&r);
	reader_quiet(0);
	return 0;
}

void sweep_plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		backtrace_free(&p->targets[i].stack);
	free(p->targets);
}

int sweep_injected_call(const char *dir, struct symbolizer *symbols, struct injected_call *out)
{
	struct reader r;
	char *paths[] = {(char *)dir};
	int found = 0;
	struct trace_file *file;
	struct record rec;
	reader_quiet(1); /* the run's report read these files just before, and said what was wrong */
	if (reader_open(&r, paths, 1) == 0)
		while (!found && reader_next(&r, &rec, &file)) {
			if (rec.is_call && rec.call.injected) {
				snprintf(out->errno_name, sizeof out->errno_name, "%s", rec.call.errno_name);
				out->stack = symbolize_backtrace(symbols, rec.stack);
				found = 1;
			}
			json_decref(rec.json);
		}
	reader_close(&r);
	reader_quiet(0);
	return found;
}
