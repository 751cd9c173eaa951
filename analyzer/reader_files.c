/* The reader's files (reader.h): which are read, found in directories
 * and checked to be regular files, each opened when it is read, at most
 * max_open at once, and read line by line through a buffer of its own. */
#include "reader_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/trace_format.h"
#include "printable.h"

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
int reader_reopen(struct reader *r, struct trace_file *f)
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

/* "static", "32-bit" (or "64-bit") and "foreign-loader" (shim/exec.c): a
 * program the library cannot be preloaded into. */
static bool not_preloadable(const char *why)
{
	static const char *const kinds[] = {"static\n", "32-bit\n", "64-bit\n", "foreign-loader\n"};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strncmp(why, kinds[i], strlen(kinds[i])) == 0)
			return true;
	return false;
}

/* The pids of FILE's lines, "pid N: ERRNO" or "pid N: cut" (shim/output.c)
 * or "pid N: secure-execution" and the above (shim/exec.c), into r: at most a page of
 * them, the room run gave the file; anything else skipped.  How many say
 * "cut". */
static size_t read_untraced_pids(struct reader *r, const char *file)
{
	size_t cut = 0;
	char buf[UNTRACED_FILE_ROOM + 1];
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : read(fd, buf, UNTRACED_FILE_ROOM);
	if (fd >= 0)
		close(fd);
	buf[got > 0 ? got : 0] = '\0';
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *end;
		long pid = strncmp(line, "pid ", 4) == 0 ? strtol(line + 4, &end, 10) : 0;
		if (pid <= 0 || pid > INT32_MAX || *end != ':' || r->nuntraced == sizeof r->untraced / sizeof *r->untraced)
			continue;
		enum untraced why = strncmp(end, ": secure-execution", 18) == 0 ? UNTRACED_SECURE
				    : strncmp(end, ": cut", 5) == 0		? UNTRACED_CUT
				    : not_preloadable(end + 2)			? UNTRACED_LOADER
										: UNTRACED_NO_FILE;
		r->untraced[r->nuntraced].pid = (int)pid;
		r->untraced[r->nuntraced++].why = why;
		cut += why == UNTRACED_CUT;
	}
	return cut;
}

enum untraced reader_untraced(const struct reader *r, int pid)
{
	for (size_t i = 0; i < r->nuntraced; i++)
		if (r->untraced[i].pid == pid)
			return r->untraced[i].why;
	return UNTRACED_NOT;
}

/* run's DIR/UNTRACED_FILE beside KERNEL (DIR/ is its first DIRLEN bytes):
 * processes that could not create their trace file make the run's trace
 * incomplete, as a cut file does. */
static void untraced_processes(struct reader *r, struct trace_file *kernel, const char *path, size_t dirlen)
{
	char file[4200];
	struct stat st;
	snprintf(file, sizeof file, "%.*s%s", (int)dirlen, path, UNTRACED_FILE);
	if (lstat(file, &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0))
		return; /* (anything but a regular file there was put by someone else: counted) */
	size_t first = r->nuntraced, cut = S_ISREG(st.st_mode) ? read_untraced_pids(r, file) : 0;
	reader_mark_incomplete(r, kernel);
	if (cut)
		reader_warn(r, kernel, 0, "incomplete: %zu process(es) of the run could not write all their records, and could not mark their files so, having dropped privileges (%s names them)",
			    cut, UNTRACED_FILE);
	if (cut < r->nuntraced - first || !S_ISREG(st.st_mode))
		reader_warn(r, kernel, 0, "incomplete: some processes of the run ran untraced: they could not create their trace file, ran in secure-execution mode, or were programs the library cannot be preloaded into (static, 32-bit, another C library's) (%s names them)",
			    UNTRACED_FILE);
}

/* PATH, named by the user or found in a directory (then a symbolic link is
 * not followed: the directory may not be the user's). */
int reader_add_file(struct reader *r, const char *path, int in_directory)
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
	if (f->from_run)
		untraced_processes(r, f, path, base ? (size_t)(base - path) + 1 : 0);
	char marker[4200];
	snprintf(marker, sizeof marker, "%s" TRACE_INCOMPLETE_SUFFIX, path);
	if (access(marker, F_OK) == 0) {
		reader_mark_incomplete(r, f);
		reader_warn(r, f, 0, "incomplete: the library could not write all of this process's records (disk full, past its size bound, or the file size limit?)");
	}
	return 0;
}

/* One line of F into *line (with its newline, if it has one), at most
 * READER_MAX_LINE bytes: a longer one is read past and reported as too
 * long (*too_long).  Its length, or -1 at the end of the file.  The line
 * is found with memchr in a buffer of the file's, not byte by byte: this is
 * the report's inner loop. */
ssize_t reader_read_line(struct trace_file *f, char **line, size_t *cap, int *too_long)
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

int reader_add_directory(struct reader *r, const char *dir)
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
		ok |= reader_add_file(r, path, 1);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		fprintf(stderr, "shmtrace: report: warning: no *%s files in %s\n", TRACE_FILE_SUFFIX, printable(dir));
	return ok;
}

/* The checks of a header; a file whose format we do not know is skipped
 * rather than misread. */
