/* Reading a run's traces: every *.jsonl file under the given paths, each
 * line parsed with jansson and checked, the files merged into one stream of
 * records in timestamp order.  Header and stack records are consumed here;
 * the caller sees calls and process and kernel records, with the call's
 * backtrace resolved to an interned struct stack.
 *
 * Bad input never stops the reading: each problem is one warning naming the
 * file and line, and the rest is read. */
#ifndef SHMTRACE_READER_H
#define SHMTRACE_READER_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../common/trace_format.h"
#include "map.h"
#include "scan.h"
#include "stacks.h"

/* A record handed out by the reader: a call, scanned into a struct, or any
 * other record as parsed JSON. */
struct record {
	int is_call;
	json_t *json; /* NULL for calls */
	uint64_t ts;
	struct stack *stack; /* a call's backtrace, NULL if none */
	struct call_rec call; /* last: its name is large, and copied only as far as used */
};

/* *dst = *src, without the unused part of the call's name. */
void record_copy(struct record *dst, const struct record *src);

struct trace_file {
	char *path;
	FILE *f;            /* NULL while closed: at most max_open files are open */
	off_t pos;          /* of the next byte not yet read into a line */
	char *buf;          /* what was read from the file past pos, while it is open */
	size_t start, end;  /* of those bytes in buf */
	dev_t dev;          /* the file first opened: reopened only if it is still it */
	ino_t ino;
	unsigned long long used; /* when last read, to close the least recently used */
	int done;           /* read to its end, or skipped */
	long line;          /* of the last line read */
	long next_line;     /* of `next` */
	long record_line;   /* of the record last handed out by reader_next */
	struct map stack_ids; /* the file's stack ids -> struct stack */
	int has_next;
	struct record next; /* the record to hand out next */
	int cut_short;      /* incomplete: its last line cut, or its writer failed */
	int from_run;       /* kernel.jsonl, written by shmtrace run, not by a traced process */
	int sparse;         /* it has holes: skipped, not read as zeros */
};

/* Why untraced.txt names a process (shim/output.c, shim/exec.c). */
enum untraced {
	UNTRACED_NOT,    /* it does not */
	UNTRACED_NO_FILE, /* "pid N: ERRNO": it could not create its trace file */
	UNTRACED_SECURE, /* "pid N: secure-execution": the loader ignored LD_PRELOAD */
	UNTRACED_CUT,    /* "pid N: cut": its trace was cut, and it could not mark the file so */
	UNTRACED_LOADER, /* "pid N: static", "32-bit", "foreign-loader": no LD_PRELOAD of ours there */
};

struct reader {
	struct trace_file *files;
	size_t nfiles;
	size_t *heap; /* indexes of files with a record, by next_ts */
	size_t heap_len;
	struct stacks stacks;
	long warnings;
	long records;
	long incomplete_files;
	long traces; /* files with a shmtrace header: the input holds a trace at all */
	long skipped_files; /* not regular files: never read */
	size_t open_files, max_open;
	unsigned long long clock;
	char *line; /* the line being read, and its room */
	size_t line_cap;
	struct {
		int pid;
		enum untraced why;
	} untraced[UNTRACED_FILE_ROOM / 8]; /* the processes run's untraced.txt names ("pid N: E..." is 8 bytes or more) */
	size_t nuntraced;
};

/* However many files a run has (a server makes thousands of processes),
 * the report holds at most three quarters of its descriptor limit
 * (RLIMIT_NOFILE) for them, and never fewer than this many: the rest is
 * for libdw's modules and the report's own files. */
#define READER_MIN_OPEN 16
/* A longer line is no record the library writes: skipped, never held whole. */
#define READER_MAX_LINE (16u << 20)
/* Read ahead per open file. */
#define READER_BUFFER (16u << 10)

/* Opens the *.jsonl files of each path (a directory or a file): regular
 * files only (a FIFO would hang the report, a device feed it forever), and
 * in a directory no symbolic link; each other one is skipped and said so.
 * Returns 0, or -1 after printing why a path cannot be read at all. */
int reader_open(struct reader *r, char *const *paths, int npaths);

/* The next record by timestamp into *rec (whose json the caller then
 * json_decref()s); 0 at the end.  *from is its file. */
int reader_next(struct reader *r, struct record *rec, struct trace_file **from);

/* "file:line: warning: message" on stderr, counted. */
void reader_warn(struct reader *r, const struct trace_file *f, long line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* While ON, warnings are counted, not printed: a second reading of files
 * already read and warned about (sweep). */
void reader_quiet(int on);

/* F's evidence is known to be incomplete (counted once per file). */
void reader_mark_incomplete(struct reader *r, struct trace_file *f);

/* Whether run's untraced.txt names PID, a process of the run (an image of
 * it), and why it went untraced (reader_files.c): UNTRACED_NOT if it does
 * not. */
enum untraced reader_untraced(const struct reader *r, int pid);

void reader_close(struct reader *r);

#endif
