#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/bytestext.h"
#include "../common/trace_format.h"
#include "printable.h"
#include "reader_files.h"

#define MAX_WARNINGS_SHOWN 50

static int quiet;

void reader_quiet(int on)
{
	quiet = on;
}

void reader_warn(struct reader *r, const struct trace_file *f, long line, const char *fmt, ...)
{
	va_list ap;
	if (++r->warnings > MAX_WARNINGS_SHOWN || quiet) {
		if (quiet)
			return;
		if (r->warnings == MAX_WARNINGS_SHOWN + 1)
			fprintf(stderr, "shmtrace: report: more warnings not shown\n");
		return;
	}
	/* A planted file name, and what jansson quotes of a line ("near
	 * '\x1b'"), may hold escapes: the whole line through printable(). */
	char text[4096];
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%ld: warning: %s\n", printable(f->path), line, printable(text));
}

/* Counted once per file, whatever says so. */
void reader_mark_incomplete(struct reader *r, struct trace_file *f)
{
	if (!f->cut_short)
		r->incomplete_files++;
	f->cut_short = 1;
}

static int header_ok(struct reader *r, struct trace_file *f, const json_t *rec)
{
	const char *format = json_string_value(json_object_get(rec, "format"));
	json_int_t version = json_integer_value(json_object_get(rec, "version"));
	if (!format || strcmp(format, TRACE_FORMAT_NAME) != 0) {
		reader_warn(r, f, f->line, "not a shmtrace trace (format %s): file skipped",
			    format ? printable(format) : "missing");
		return 0;
	}
	if (version != TRACE_FORMAT_VERSION) {
		reader_warn(r, f, f->line, "trace format version %lld, this shmtrace reads version %d: file skipped",
			    (long long)version, TRACE_FORMAT_VERSION);
		return 0;
	}
	return 1;
}

static void skip_file(struct trace_file *f)
{
	f->done = 1;
	f->has_next = 0;
}

static struct stack *call_stack(struct reader *r, struct trace_file *f, const json_t *stack);

void record_copy(struct record *dst, const struct record *src)
{
	size_t used = offsetof(struct record, call) + offsetof(struct call_rec, name);
	memcpy(dst, src, used);
	strcpy(dst->call.name, src->call.name);
}

/* The record goes into the merge: it has a timestamp. */
static void hold(struct trace_file *f, const struct record *rec)
{
	record_copy(&f->next, rec);
	f->has_next = 1;
	f->next_line = f->line;
}

/* A copy of the line with each byte that is not UTF-8 written as the
 * trace's text writes it, \xHH (JSON "\\xHH"); NULL if there is none.
 * Libraries before that rule wrote such bytes of names and paths raw, and
 * no JSON parser takes them. */
static char *utf8_repaired(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, seq = 0; /* set before each use; gcc -O1 cannot tell */
	for (uint64_t w; i + 8 <= len; i += 8) /* ASCII, 8 bytes at a time: most lines are */
		if (memcpy(&w, s + i, 8), w & 0x8080808080808080ull)
			break;
	while (i < len && (u[i] < 0x80 || (seq = utf8_sequence(u + i, len - i))))
		i += u[i] < 0x80 ? 1 : seq;
	if (i == len)
		return NULL;
	char *out = malloc(len * 5 + 1), *o = out;
	if (!out)
		return NULL;
	memcpy(o, s, i);
	o += i;
	while (i < len) {
		seq = utf8_sequence(u + i, len - i);
		if (seq) {
			memcpy(o, s + i, seq);
			o += seq, i += seq;
		} else {
			o += sprintf(o, "\\\\x%02x", u[i++]);
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

/* Reads lines until a record that goes into the merge (it has "ts"). */
static void advance(struct reader *r, struct trace_file *f)
{
	char *line = r->line; /* kept from call to call: no allocation per line */
	size_t cap = r->line_cap;
	ssize_t len;
	int too_long;
	f->has_next = 0;
	if (f->done || reader_reopen(r, f) != 0)
		return;
	while ((len = reader_read_line(f, &line, &cap, &too_long)) > 0) {
		f->line++;
		if (too_long) {
			reader_warn(r, f, f->line, "line of %zd bytes, longer than any record (%u bytes at most): ignored",
				    len, READER_MAX_LINE);
			continue;
		}
		if (line[len - 1] != '\n') {
			reader_mark_incomplete(r, f);
			reader_warn(r, f, f->line, "last line cut short (the process was killed while writing?): ignored");
			break;
		}
		/* Room filled with NUL bytes (a file system that gave zeroed room,
		 * an older library): what follows the last of them is the next
		 * record, what precedes the first a record cut short. */
		char *start = line;
		char *nul = memchr(line, '\0', (size_t)len);
		if (nul) {
			if (nul > line) {
				reader_mark_incomplete(r, f);
				reader_warn(r, f, f->line, "record cut short (its process was killed while writing it): ignored");
			}
			start = memrchr(line, '\0', (size_t)len) + 1;
			len -= start - line;
		}
		if (strspn(start, " \t\r\n") == (size_t)len)
			continue; /* blank: room the writer had not used yet */
		size_t fixed_len;
		char *fixed = utf8_repaired(start, (size_t)len, &fixed_len);
		if (fixed) {
			free(line);
			line = start = fixed;
			len = (ssize_t)fixed_len;
			cap = fixed_len + 1;
		}
		struct record fast; /* not cleared whole: scan_call clears the call */
		char why[SCAN_WHY_CAP];
		fast.is_call = 1, fast.json = NULL, fast.stack = NULL;
		if (scan_call(start, (size_t)len, &fast.call, why) == SCAN_CALL) {
			r->records++;
			fast.ts = fast.call.ts;
			if (fast.call.stack_id) {
				fast.stack = map_get(&f->stack_ids, (uint64_t)fast.call.stack_id);
				if (!fast.stack)
					reader_warn(r, f, f->line, "call refers to stack %lld, which the file does not define",
						    fast.call.stack_id);
			} else if (fast.call.stack_text) {
				json_t *frames = json_loadb(fast.call.stack_text, fast.call.stack_len, 0, NULL);
				fast.stack = frames ? call_stack(r, f, frames) : NULL;
				if (!frames)
					reader_warn(r, f, f->line, "malformed inline stack: ignored");
				json_decref(frames);
			}
			fast.call.stack_text = NULL; /* it pointed into this line */
			hold(f, &fast);
			break;
		}
		/* Not a call record, or a bad one: jansson says which, and what
		 * is wrong with a line that is no JSON at all. */
		while (len > 0 && strchr(" \t\r\n", start[len - 1]))
			len--; /* so that a cut record ends the input, not a string */
		json_error_t err;
		json_t *rec = record_from_line(start, (size_t)len, &err);
		if (!rec && json_error_code(&err) == json_error_premature_end_of_input) {
			/* In a mapped file, room is newlines until a record is
			 * copied in: a writer killed mid-copy leaves the start
			 * of its record on a line of its own. */
			reader_mark_incomplete(r, f);
			reader_warn(r, f, f->line, "record cut short (its process was killed while writing it): ignored");
			continue;
		}
		if (!rec || !json_is_object(rec)) {
			reader_warn(r, f, f->line, "not a JSON object%s%s: line ignored", rec ? "" : ": ", rec ? "" : err.text);
			json_decref(rec);
			continue;
		}
		r->records++;
		const char *event = json_string_value(json_object_get(rec, "event"));
		json_t *ts = json_object_get(rec, "ts");
		if (!event) {
			reader_warn(r, f, f->line, "record without \"event\": ignored");
		} else if (strcmp(event, EV_HEADER) == 0) {
			if (!header_ok(r, f, rec)) {
				json_decref(rec);
				skip_file(f);
				break;
			}
			r->traces++;
		} else if (strcmp(event, EV_STACK) == 0) {
			int bad;
			json_int_t id = json_integer_value(json_object_get(rec, "id"));
			struct stack *st = stacks_intern(&r->stacks, json_object_get(rec, "frames"), &bad);
			if (bad || id <= 0)
				reader_warn(r, f, f->line, "malformed stack record: ignored");
			else if (st)
				map_put(&f->stack_ids, (uint64_t)id, st);
		} else if (strcmp(event, EV_CALL) == 0) {
			reader_warn(r, f, f->line, "call record%s: ignored", why[0] ? why : ": not read");
		} else if (json_is_integer(ts) && json_integer_value(ts) >= 0) {
			struct record other;
			other.is_call = 0, other.json = rec, other.stack = NULL;
			other.ts = (uint64_t)json_integer_value(ts);
			other.call.name[0] = '\0';
			hold(f, &other);
			break;
		} else {
			reader_warn(r, f, f->line, "\"%s\" record without a valid \"ts\": ignored", printable(event));
		}
		json_decref(rec);
	}
	r->line = line, r->line_cap = cap;
	if (!f->has_next)
		f->done = 1;
	if (f->done && f->f) { /* its descriptor goes to the next file */
		fclose(f->f);
		f->f = NULL;
		free(f->buf);
		f->buf = NULL;
		r->open_files--;
	}
}

/* A binary min-heap of files by next_ts; ties keep file order. */
static int before(struct reader *r, size_t a, size_t b)
{
	uint64_t ta = r->files[a].next.ts, tb = r->files[b].next.ts;
	return ta < tb || (ta == tb && a < b);
}

static void sift_down(struct reader *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < r->heap_len && before(r, r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->heap_len && before(r, r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = r->heap[i];
		r->heap[i] = r->heap[m];
		r->heap[m] = t;
		i = m;
	}
}

/* A run's kernel.jsonl says what the kernel held before and after it and
 * which processes were its own: the report weighs every trace against one
 * run's, and two runs given together (report traces/a traces/b) would have the
 * second's tables judge the first's leaks, and pass it. */
static int one_run_only(const struct reader *r)
{
	const struct trace_file *first = NULL;
	for (size_t i = 0; i < r->nfiles; i++) {
		if (!r->files[i].from_run)
			continue;
		if (first) {
			fprintf(stderr, "shmtrace: report: %s and %s are two runs: the report reads one run at a time "
					"(report each directory on its own)\n",
				printable(first->path), printable(r->files[i].path));
			return -1;
		}
		first = &r->files[i];
	}
	return 0;
}

int reader_open(struct reader *r, char *const *paths, int npaths)
{
	*r = (struct reader){0};
	struct rlimit nofile;
	r->max_open = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY
			      ? (size_t)nofile.rlim_cur * 3 / 4
			      : 768;
	if (r->max_open < READER_MIN_OPEN)
		r->max_open = READER_MIN_OPEN;
	int failed = 0;
	for (int i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) != 0) {
			fprintf(stderr, "shmtrace: report: %s: %s\n", printable(paths[i]), strerror(errno));
			failed = 1;
		} else if (S_ISDIR(st.st_mode)) {
			failed |= reader_add_directory(r, paths[i]) != 0;
		} else {
			failed |= reader_add_file(r, paths[i], 0) != 0;
		}
	}
	if (failed || one_run_only(r) != 0)
		return -1;
	r->heap = calloc(r->nfiles + 1, sizeof *r->heap);
	if (!r->heap)
		return -1;
	for (size_t i = 0; i < r->nfiles; i++) {
		advance(r, &r->files[i]);
		if (r->files[i].has_next)
			r->heap[r->heap_len++] = i;
	}
	for (size_t i = r->heap_len / 2; i-- > 0;)
		sift_down(r, i);
	return 0;
}

static struct stack *call_stack(struct reader *r, struct trace_file *f, const json_t *stack)
{
	if (!stack)
		return NULL;
	if (json_is_integer(stack)) {
		struct stack *st = map_get(&f->stack_ids, (uint64_t)json_integer_value(stack));
		if (!st)
			reader_warn(r, f, f->line, "call refers to stack %lld, which the file does not define",
				    (long long)json_integer_value(stack));
		return st;
	}
	int bad;
	struct stack *st = stacks_intern(&r->stacks, stack, &bad);
	if (bad)
		reader_warn(r, f, f->line, "malformed inline stack: ignored");
	return st;
}

int reader_next(struct reader *r, struct record *rec, struct trace_file **from)
{
	if (r->heap_len == 0)
		return 0;
	struct trace_file *f = &r->files[r->heap[0]];
	record_copy(rec, &f->next);
	*from = f;
	f->record_line = f->next_line;
	advance(r, f);
	if (!f->has_next)
		r->heap[0] = r->heap[--r->heap_len];
	sift_down(r, 0);
	return 1;
}

void reader_close(struct reader *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		struct trace_file *f = &r->files[i];
		if (f->has_next)
			json_decref(f->next.json);
		if (f->f)
			fclose(f->f);
		free(f->buf);
		map_free(&f->stack_ids);
		free(f->path);
	}
	free(r->files);
	free(r->heap), free(r->line);
	stacks_free(&r->stacks);
}
