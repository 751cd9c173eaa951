/* Call records are almost all of a trace, and jansson's DOM costs ~5 us a
 * line here.  This strict scanner reads the fields the model needs from a
 * call record straight into a struct.  Whatever it does not expect -- other
 * records, fields out of their order or shape, bad JSON -- it hands back
 * (SCAN_OTHER), and the reader parses the line with jansson, which also
 * gives the exact error for bad input.  It reads every call record the shim
 * writes, including sizes past 2^63 that jansson cannot hold, and leaves
 * inline stacks to the reader as text. */
#ifndef SHMTRACE_SCAN_H
#define SHMTRACE_SCAN_H

#include <jansson.h>
#include <stddef.h>

struct call_rec {
	char call[16];
	long long pid;
	long long tid;       /* 0 if absent */
	unsigned long long ts;
	unsigned long long dur; /* ns the real call took; 0 if absent */
	int failed;          /* errno not null */
	char errno_name[24]; /* "unknown" for a number */
	int injected;
	int created;         /* 1, 0, or -1 for null or absent */
	long long ret;
	unsigned long long ret_addr; /* shmat */
	int has_key;
	unsigned key;
	unsigned long long size;
	int has_shmid;
	long long shmid;
	int has_shmaddr;
	unsigned long long shmaddr;
	char cmd[24];        /* shmctl; "" if absent or a number */
	long long cmd_raw;   /* shmctl */
	int has_flags;
	long long flags_raw; /* shmget, shmat: shmflg; shm_open: oflag */
	long long id;        /* ftok */
	int has_file_id;     /* ftok: the file's device and inode */
	unsigned long long dev, ino;
	int has_ftok_key;
	unsigned ftok_key;   /* ftok's result */
	long long stack_id;  /* 0: none */
	const char *stack_text; /* inline frames: the JSON array in the line read */
	size_t stack_len;
	int has_ts, has_args;
	/* shm_open, shm_unlink: the name; ftok: the path.  As text
	 * (common/bytestext.h), cut to fit.  Last: only name[0] is cleared. */
	char name[4104];
};

enum { SCAN_CALL = 0, SCAN_OTHER = -1 };

int scan_call(const char *s, size_t len, struct call_rec *out);

/* The same struct from a call record jansson parsed; -1 if a field the
 * model needs is missing or of the wrong type. */
int call_from_json(const json_t *rec, struct call_rec *out);

/* A line parsed with jansson.  jansson holds integers as signed 64-bit and
 * refuses larger ones; a line that has some is parsed again with each of
 * them as a string of its digits, which call_from_json reads back. */
json_t *record_from_line(const char *line, size_t len, json_error_t *err);

#endif
