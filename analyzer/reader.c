#include "reader.h"

#include <dirent.h>
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

#define MAX_WARNINGS_SHOWN 50

void reader_warn(struct reader *r, const struct trace_file *f, long line, const char *fmt, ...)
{
	va_list ap;
	if (++r->warnings > MAX_WARNINGS_SHOWN) {
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

static const char *file_kind(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO"
	       : S_ISCHR(mode) || S_ISBLK(mode) ? "a device"
	       : S_ISSOCK(mode)		      ? "a socket"
	       : S_ISDIR(mode)		      ? "a directory"
						      : "not a regular file";
}

static void skipped(struct reader *r, const char *path, const char *why)
{
	fprintf(stderr, "shmtrace: report: skipped %s: %s\n", printable(path), why);
	r->skipped_files++;
}

/* The least recently read of the open files is closed, its place kept. */
static void close_one(struct reader *r)
{
	struct trace_file *lru = NULL;
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i].f && (!lru || r->files[i].used < lru->used))
			lru = &r->files[i];
	if (!lru)
		return;
	fclose(lru->f); /* lru->pos is where it goes on; what it had read ahead is dropped */
	lru->f = NULL;
	free(lru->buf);
	lru->buf = NULL;
	lru->start = lru->end = 0;
	r->open_files--;
}

/* Opens PATH; out of descriptors (the limit is the user's, and other code
 * of the report holds some), closes the least recently read of ours and
 * tries again, and keeps to the number that fitted from then on: every
 * file is read, within any limit that leaves one descriptor. */
static int open_within_limit(struct reader *r, const char *path)
{
	for (;;) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || r->open_files == 0)
			return fd;
		r->max_open = r->open_files > 1 ? r->open_files - 1 : 1;
		close_one(r);
	}
}

/* F open, at where its reading stopped; -1 if it cannot be, or is no longer
 * the file first opened (replaced meanwhile): the rest of it is not read,
 * and the file counts as incomplete (the report never calls that clean). */
static int reopen(struct reader *r, struct trace_file *f)
{
	f->used = ++r->clock;
	if (f->f)
		return 0;
	if (r->open_files >= r->max_open)
		close_one(r);
	struct stat st;
	int fd = open_within_limit(r, f->path);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino ||
	    !(f->f = fdopen(fd, "r")) || fseeko(f->f, f->pos, SEEK_SET) != 0 ||
	    (!f->buf && !(f->buf = malloc(READER_BUFFER)))) {
		fprintf(stderr, "shmtrace: report: %s: %s: the rest of it is not read\n", printable(f->path),
			fd < 0 ? strerror(errno) : "replaced while it was read");
		if (f->f)
			fclose(f->f);
		else if (fd >= 0)
			close(fd);
		f->f = NULL;
		f->done = 1;
		reader_mark_incomplete(r, f);
		return -1;
	}
	setvbuf(f->f, NULL, _IONBF, 0); /* read_line has its own buffer */
	/* Fewer blocks than bytes: it has holes (a program may ftruncate its
	 * own trace to a terabyte); fill_buffer then skips them. */
	f->sparse = (off_t)st.st_blocks * 512 < st.st_size;
	r->open_files++;
	return 0;
}

/* The next bytes of F into its buffer; 0 at the end.  A hole of a sparse
 * file (holes read as zeros) comes as one NUL byte however long it is, so
 * that the line reader sees what zeroed room always meant and a terabyte
 * of nothing takes one lseek, not hours of reading.  f->pos stays the
 * offset of the next byte not yet in a line: it counts the hole, less the
 * one byte that stands for it. */
static size_t fill_buffer(struct trace_file *f)
{
	if (f->sparse) {
		int fd = fileno(f->f);
		off_t data = lseek(fd, f->pos, SEEK_DATA), end = -1;
		if (data < 0 && errno == ENXIO) /* a hole to the end, or at the end */
			data = end = lseek(fd, 0, SEEK_END);
		if (data > f->pos && fseeko(f->f, data, SEEK_SET) == 0) {
			f->buf[0] = '\0';
			f->pos += data - f->pos - 1;
			return 1;
		}
		if (end >= 0 && end <= f->pos)
			return 0;
		fseeko(f->f, f->pos, SEEK_SET); /* no hole here (or no SEEK_DATA): read on */
	}
	return fread(f->buf, 1, READER_BUFFER, f->f);
}

/* PATH, named by the user or found in a directory (then a symbolic link is
 * not followed: the directory may not be the user's). */
static int add_file(struct reader *r, const char *path, int in_directory)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (in_directory ? O_NOFOLLOW : 0));
	if (fd < 0 && errno == ELOOP && in_directory)
		return skipped(r, path, "a symbolic link"), 0;
	if (fd < 0) {
		fprintf(stderr, "shmtrace: report: cannot read %s: %s\n", printable(path), strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		fprintf(stderr, "shmtrace: report: cannot read %s: %s\n", printable(path), strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return skipped(r, path, file_kind(st.st_mode)), 0;
	}
	close(fd); /* opened again when first read, at most max_open at once */
	struct trace_file *more = realloc(r->files, (r->nfiles + 1) * sizeof *more);
	if (!more)
		return -1;
	r->files = more;
	struct trace_file *f = &r->files[r->nfiles];
	*f = (struct trace_file){.dev = st.st_dev, .ino = st.st_ino};
	f->path = strdup(path);
	if (!f->path)
		return -1;
	const char *base = strrchr(path, '/');
	f->from_run = strcmp(base ? base + 1 : path, "kernel.jsonl") == 0;
	r->nfiles++;
	char marker[4200];
	snprintf(marker, sizeof marker, "%s" TRACE_INCOMPLETE_SUFFIX, path);
	if (access(marker, F_OK) == 0) {
		reader_mark_incomplete(r, f);
		reader_warn(r, f, 0, "incomplete: the library could not write all of this process's records (disk full?)");
	}
	return 0;
}

/* One line of F into *line (with its newline, if it has one), at most
 * READER_MAX_LINE bytes: a longer one is read past and reported as too
 * long (*too_long).  Its length, or -1 at the end of the file.  The line
 * is found with memchr in a buffer of the file's, not byte by byte: this is
 * the report's inner loop. */
static ssize_t read_line(struct trace_file *f, char **line, size_t *cap, int *too_long)
{
	size_t len = 0;
	*too_long = 0;
	for (;;) {
		if (f->start == f->end) {
			size_t n = fill_buffer(f);
			f->start = 0, f->end = n;
			if (n == 0)
				break;
		}
		char *from = f->buf + f->start, *nl = memchr(from, '\n', f->end - f->start);
		size_t take = nl ? (size_t)(nl - from) + 1 : f->end - f->start;
		if (len + take > READER_MAX_LINE) {
			*too_long = 1;
		} else {
			if (len + take + 1 > *cap) {
				size_t bigger = *cap ? *cap : 4096;
				while (bigger < len + take + 1)
					bigger *= 2;
				char *more = realloc(*line, bigger);
				if (!more)
					return -1;
				*line = more, *cap = bigger;
			}
			memcpy(*line + len, from, take);
		}
		len += take;
		f->start += take;
		f->pos += (off_t)take;
		if (nl)
			break;
	}
	if (len == 0)
		return -1;
	if (!*too_long)
		(*line)[len] = '\0';
	return (ssize_t)len;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_directory(struct reader *r, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "shmtrace: report: cannot read directory %s: %s\n", printable(dir), strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len <= strlen(TRACE_FILE_SUFFIX) ||
		    strcmp(e->d_name + len - strlen(TRACE_FILE_SUFFIX), TRACE_FILE_SUFFIX) != 0)
			continue;
		char **more = realloc(names, (n + 1) * sizeof *names);
		if (!more)
			break;
		names = more;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name); /* the same order every time */
	int ok = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		ok |= add_file(r, path, 1);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		fprintf(stderr, "shmtrace: report: warning: no *%s files in %s\n", TRACE_FILE_SUFFIX, printable(dir));
	return ok;
}

/* The checks of a header; a file whose format we do not know is skipped
 * rather than misread. */
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
	if (f->done || reopen(r, f) != 0)
		return;
	while ((len = read_line(f, &line, &cap, &too_long)) > 0) {
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
			failed |= add_directory(r, paths[i]) != 0;
		} else {
			failed |= add_file(r, paths[i], 0) != 0;
		}
	}
	if (failed)
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
