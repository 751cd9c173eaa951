/* The one reader of call records: a strict JSON scanner driven by
 * common/call_table.h, reading each field the table describes straight
 * into a struct call_rec (common/call_record.h) -- jansson's DOM costs
 * ~5 us a line, and call records are almost all of a trace.  It reads any
 * valid JSON call record in any order of fields, sizes past 2^63 included;
 * unknown fields are skipped, a known field given twice or of the wrong
 * kind makes the record bad.  Inline stacks are left to the reader as
 * text. */
#ifndef SHMTRACE_SCAN_H
#define SHMTRACE_SCAN_H

#include <jansson.h>
#include <stddef.h>

#include "../common/call_record.h"

enum {
	SCAN_CALL = 0,   /* *out is the call */
	SCAN_OTHER = -1, /* no call record, or not JSON: the caller asks jansson */
	SCAN_BAD = -2,   /* a call record of the wrong shape: why says how */
};

/* why: SCAN_WHY_CAP bytes, what follows "call record" in a warning, "" unless SCAN_BAD (or SCAN_OTHER after a shape
 * error seen before "event"). */
#define SCAN_WHY_CAP 96
int scan_call(const char *s, size_t len, struct call_rec *out, char *why);

/* What the scanner knows of each field, from the table. */
enum scan_place { TOP, ARGS };
#define SCAN_KINDS(X) \
	X(K_EVENT) X(K_CALLNAME) X(K_INT) X(K_UINT) X(K_HEX) X(K_HEX32) X(K_OCT) X(K_FLAGS) X(K_CMD) \
	X(K_TEXT) X(K_STR) X(K_BOOL) X(K_TRIBOOL) X(K_ERRNO) X(K_DS) X(K_STACK) X(K_ARGS) X(K_END) \
	X(K_SEMBUF) X(K_TIMESPEC)
enum scan_kind {
#define SCAN_KIND_ENUM(K) K,
	SCAN_KINDS(SCAN_KIND_ENUM)
#undef SCAN_KIND_ENUM
};
struct scan_field {
	const char *json;
	unsigned char len, place, kind;
	int member; /* offset in struct call_rec, or -1 */
	size_t cap; /* of a string member */
};
extern const struct scan_field scan_fields[F_COUNT];

/* A line parsed with jansson.  jansson holds integers as signed 64-bit and
 * refuses larger ones; a line that has some is parsed again with each of
 * them as a string of its digits. */
json_t *record_from_line(const char *line, size_t len, json_error_t *err);

#endif
