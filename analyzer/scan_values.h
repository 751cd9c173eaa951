/* The JSON value primitives of the call-record scanner (scan_values.c),
 * shared by scan_values.c and scan.c alone: nothing else includes this. */
#ifndef SHMTRACE_SCAN_VALUES_H
#define SHMTRACE_SCAN_VALUES_H

#include <stddef.h>
#include <string.h>

/* Where the scanner is in the line: each primitive reads from p, moves p past
 * what it read, and never reads at or past end. */
struct cursor {
	const char *p, *end;
};

/* Why a value was refused: not JSON at all (the caller asks jansson), or
 * JSON of another kind than the field's. */
enum { BAD_JSON = -1, BAD_KIND = -2, BAD_RANGE = -3, BAD_LONG = -4 };

/* Inline: called between every two tokens of every line. */
static inline void scan_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* WORD (true, false, null) at the cursor, or BAD_JSON.  Inline: WORD is
 * a constant, and its length with it. */
static inline int scan_literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return BAD_JSON;
	c->p += n;
	return 0;
}

/* A JSON string into buf (cap bytes, NUL-terminated), or only checked when
 * buf is NULL: -1 if jansson would not take it, -2 if cut short (unless CUT). */
int scan_string(struct cursor *c, char *buf, size_t cap, int cut);
/* Integers as the format writes them, and BAD_* when they are not. */
int scan_integer(struct cursor *c, long long *out);
int scan_uinteger(struct cursor *c, unsigned long long *out);
/* A string of hex (BASE 16, "0x...") or octal (BASE 8, "0...") digits. */
int scan_radix_string(struct cursor *c, unsigned long long *out, int base);

/* Calls fn for each member of an object, the cursor at its value. */
typedef int (*member_fn)(struct cursor *c, const char *key, size_t len, void *ctx);
int scan_object(struct cursor *c, member_fn fn, void *ctx);
/* Calls fn for each element of an array, the cursor at it. */
typedef int (*element_fn)(struct cursor *c, void *ctx);
int scan_array(struct cursor *c, element_fn fn, void *ctx);
/* Any JSON value, its shape checked, nothing kept; DEPTH: how deep it is. */
int scan_skip_value(struct cursor *c, int depth);

#endif
