/* Text for people, in the manner of valgrind and LeakSanitizer: each
 * finding with its indented stack, a summary at the end.  Headings in
 * colour on a terminal, unless NO_COLOR is set (no-color.org). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static const char *s(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? printable(v) : "?";
}

static long long n(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void stack(FILE *out, const json_t *frames)
{
	size_t i;
	json_t *f;
	if (json_array_size(frames) == 0)
		fputs("    (no backtrace)\n", out);
	json_array_foreach(frames, i, f)
	{
		fprintf(out, "    #%zu %s in %s", i, s(f, "ip"), s(f, "function"));
		if (json_is_string(json_object_get(f, "file")))
			fprintf(out, " %s:%lld\n", relative_path(s(f, "file")), n(f, "line"));
		else if (json_is_string(json_object_get(f, "module")))
			fprintf(out, " (%s+%s)\n", base(s(f, "module")), s(f, "offset"));
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
static void leak_ending(FILE *out, const json_t *l, const char *where)
{
	const json_t *live = json_object_get(l, "live");
	if (json_is_true(json_object_get(live, "present"))) {
		fprintf(out, "  still in %s now", where);
		if (json_is_integer(json_object_get(live, "nattch")))
			fprintf(out, " (nattch %lld)", n(live, "nattch"));
		if (json_is_string(json_object_get(live, "remove")))
			fprintf(out, "; remove it with: %s\n", s(live, "remove"));
		else
			fputs("; not shown how to remove it: the kernel does not confirm this run made it\n", out);
	} else if (live) {
		fprintf(out, "  gone from %s now\n", where);
	}
	if (json_is_string(json_object_get(l, "suppression")))
		fprintf(out, "  suppress with: %s\n", s(l, "suppression"));
	fputc('\n', out);
}

static void leaks(FILE *out, const json_t *list)
{
	size_t i, j;
	json_t *l, *a;
	json_array_foreach(list, i, l)
	{
		fprintf(out, "%sLEAK:%s segment %lld (key %s, %lld bytes) created by pid %lld (%s), never removed%s:\n",
			red, off, n(l, "shmid"), s(l, "key"), n(l, "size"), n(l, "pid"),
			json_is_string(json_object_get(l, "program")) ? base(s(l, "program")) : "untraced",
			json_is_true(json_object_get(l, "seen_by_trace")) ? "" : " -- no traced call created it");
		if (json_is_string(json_object_get(l, "note")))
			fprintf(out, "    %s\n", s(l, "note"));
		stack(out, json_object_get(l, "stack"));
		json_array_foreach(json_object_get(l, "attached"), j, a)
		{
			if (json_is_string(json_object_get(a, "killed_by")))
				fprintf(out, "  attached when %s killed it: pid %lld (%s) at %s\n", s(a, "killed_by"),
					n(a, "pid"), base(s(a, "program")), s(a, "addr"));
			else
				fprintf(out, "  still attached: pid %lld (%s) at %s\n", n(a, "pid"),
					base(s(a, "program")), s(a, "addr"));
		}
		leak_ending(out, l, "the kernel");
	}
}

static void posix_leaks(FILE *out, const json_t *list)
{
	size_t i;
	json_t *l;
	json_array_foreach(list, i, l)
	{
		fprintf(out, "%sLEAK:%s POSIX shared memory %s created by pid %lld (%s), never unlinked:\n", red, off, s(l, "name"),
			n(l, "pid"), base(s(l, "program")));
		stack(out, json_object_get(l, "stack"));
		leak_ending(out, l, "/dev/shm");
	}
}

static void undetached(FILE *out, const json_t *list)
{
	size_t i;
	json_t *u;
	json_array_foreach(list, i, u)
	{
		fprintf(out, "%sWARNING:%s pid %lld (%s) attached segment %lld (key %s) at %s and never detached it (%s)%s:\n",
			yellow, off, n(u, "pid"), base(s(u, "program")), n(u, "shmid"), s(u, "key"), s(u, "addr"), s(u, "ended_by"),
			times(n(u, "count")));
		stack(out, json_object_get(u, "stack"));
		fputc('\n', out);
	}
}

static void misuse(FILE *out, const json_t *list)
{
	size_t i;
	json_t *m;
	json_array_foreach(list, i, m)
	{
		fprintf(out, "%sMISUSE%s (%s): %s, pid %lld (%s)", magenta, off, s(m, "kind"), s(m, "message"), n(m, "pid"),
			base(s(m, "program")));
		if (json_object_get(m, "shmid"))
			fprintf(out, ", segment %lld", n(m, "shmid"));
		if (json_object_get(m, "first_ftok")) {
			const json_t *first = json_object_get(m, "first_ftok"), *then = json_object_get(m, "ftok");
			fprintf(out, ": key %s from %s id %lld (last used by pid %lld), and from %s id %lld %.6f s after, while the first was in use",
				s(m, "key"), s(first, "path"), n(first, "id"), n(first, "pid"), s(then, "path"), n(then, "id"),
				(double)(n(then, "first_ts") - n(first, "last_ts")) / 1e9);
		}
		if (n(m, "injected"))
			fprintf(out, ", %lld injected", n(m, "injected"));
		fprintf(out, "%s:\n", times(n(m, "count")));
		stack(out, json_object_get(m, "stack"));
		fputc('\n', out);
	}
}

static void counts(FILE *out, const json_t *obj)
{
	const char *key;
	json_t *v;
	int first = 1;
	json_object_foreach((json_t *)obj, key, v)
	{
		fprintf(out, "%s%s %lld", first ? "" : ", ", printable(key), (long long)json_integer_value(v));
		first = 0;
	}
	if (first)
		fputs("none", out);
}

/* Segments made during the run by processes not of the run: never its
 * leaks, but seen; the first few. */
static void others(FILE *out, const json_t *list)
{
	enum { SHOWN = 5 };
	size_t i, total = json_array_size(list);
	json_t *o;
	if (!total)
		return;
	fprintf(out, "  not this run's: %zu segment(s) made during it by other processes:", total);
	json_array_foreach(list, i, o)
	{
		if (i == SHOWN) {
			fprintf(out, " and %zu more", total - SHOWN);
			break;
		}
		fprintf(out, "%s %lld (key %s, by pid %lld, uid %lld)", i ? "," : "", n(o, "shmid"), s(o, "key"),
			n(o, "cpid"), n(o, "uid"));
	}
	fputc('\n', out);
}

/* The processes a signal killed, as run collected them: the first few. */
static void killed(FILE *out, const json_t *list)
{
	enum { SHOWN = 5 };
	size_t i, total = json_array_size(list);
	json_t *k;
	if (!total)
		return;
	fprintf(out, "  killed by a signal: %zu process(es):", total);
	json_array_foreach(list, i, k)
	{
		if (i == SHOWN) {
			fprintf(out, " and %zu more", total - SHOWN);
			break;
		}
		fprintf(out, "%s pid %lld (%s) by %s%s", i ? "," : "", n(k, "pid"), base(s(k, "program")),
			s(k, "signal"), json_is_true(json_object_get(k, "core")) ? " (core dumped)" : "");
	}
	fputc('\n', out);
}

static int text_of(FILE *out, const json_t *report)
{
	const json_t *sum = json_object_get(report, "summary");
	choose_colours(out);
	leaks(out, json_object_get(report, "leaked_segments"));
	posix_leaks(out, json_object_get(report, "posix_names_never_unlinked"));
	undetached(out, json_object_get(report, "undetached_attachments"));
	misuse(out, json_object_get(report, "misuse"));
	fprintf(out, "%sSUMMARY:%s %lld leaked segment(s) (%lld bytes), %lld unremoved key(s), %lld undetached attachment(s), %lld misuse\n",
		bold, off, n(sum, "leaked_segments"), n(sum, "leaked_bytes"), n(sum, "unremoved_keys"),
		n(sum, "undetached_attachments"), n(sum, "misuse"));
	if (n(sum, "posix_names_never_unlinked"))
		fprintf(out, "  %lld POSIX shared memory name(s) never unlinked\n", n(sum, "posix_names_never_unlinked"));
	fprintf(out, "  %lld process(es), calls: ", n(sum, "processes"));
	counts(out, json_object_get(sum, "calls"));
	fputs("; failures: ", out);
	counts(out, json_object_get(sum, "failures"));
	fprintf(out, "; injected: %lld\n", n(sum, "injected"));
	const json_t *peak = json_object_get(sum, "peak");
	if (n(peak, "segments"))
		fprintf(out, "  peak: %lld segment(s), %lld bytes, alive at once\n", n(peak, "segments"),
			n(peak, "bytes"));
	killed(out, json_object_get(report, "killed_processes"));
	others(out, json_object_get(report, "other_segments"));
	if (n(sum, "suppressed"))
		fprintf(out, "  suppressed: %lld\n", n(sum, "suppressed"));
	if (n(sum, "removed_outside_trace"))
		fprintf(out, "  removed outside the trace: %lld segment(s)\n", n(sum, "removed_outside_trace"));
	if (n(sum, "gone_with_namespace"))
		fprintf(out, "  gone with their IPC namespace: %lld segment(s)\n", n(sum, "gone_with_namespace"));
	if (n(sum, "warnings"))
		fprintf(out, "  the trace had %lld problem(s), see the warnings above%s\n", n(sum, "warnings"),
			n(sum, "incomplete_files") ? "; it is incomplete" : "");
	return ferror(out) ? -1 : 0;
}

/* Of the JSON document for now. */
int render_text(FILE *out, const struct findings *f)
{
	json_t *doc = findings_json(f);
	int ret = text_of(out, doc);
	json_decref(doc);
	return ret;
}
