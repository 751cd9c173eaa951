/* A JSON writer into a caller's fixed buffer: no malloc, no stdio, no locale,
 * so it is safe inside any intercepted call and in a signal handler.
 *
 * Commas are placed by looking at the last byte written: after '{', '[' or
 * ':' a value needs none.  When the buffer is full the writer stops and sets
 * `full`; callers size their buffers so that this never happens, and the
 * output layer drops a full record rather than write half a line. */
#ifndef SHMTRACE_JSONW_H
#define SHMTRACE_JSONW_H

#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t cap;
	size_t len;
	int full;
};

void jw_init(struct jw *w, char *buf, size_t cap);
size_t jw_room(const struct jw *w);

void jw_open(struct jw *w, char brace);  /* '{' or '[' */
void jw_close(struct jw *w, char brace); /* '}' or ']' */

void jw_str(struct jw *w, const char *s, size_t max); /* escaped, at most max bytes of s */
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_hex(struct jw *w, unsigned long long v);      /* "0x1f" */
void jw_hex32(struct jw *w, unsigned int v);          /* "0x0000001f", as ipcs prints keys */
void jw_oct(struct jw *w, unsigned int v);            /* "0644" */

/* Without a separator: for writers that put commas in their constant
 * bytes (record.c).  jw_put: N bytes of S (a constant N inlines). */
static inline void jw_put(struct jw *w, const char *s, size_t n)
{
	if (__builtin_expect(n > w->cap - w->len, 0)) {
		w->full = 1;
		return;
	}
	__builtin_memcpy(w->buf + w->len, s, n);
	w->len += n;
}
#define jw_put_lit(w, lit) jw_put((w), (lit), sizeof(lit) - 1)
/* Numbers: with room, whole words are stored, and bytes past the new
 * w->len, up to 24 past the old, may change (they are not the record's). */
void jw_put_udec(struct jw *w, unsigned long long v);
void jw_put_dec(struct jw *w, long long v);
/* "0x" and at least MIN_DIGITS lower-case hex digits, quoted. */
void jw_put_hex(struct jw *w, unsigned long long v, int min_digits);
void jw_put_oct(struct jw *w, unsigned v); /* "0644" */
void jw_put_text(struct jw *w, const char *s, size_t max); /* jw_str's string */

/* A comma unless the value starts a record, an object or an array, or
 * follows a key. */
void jw_sep(struct jw *w);

/* Keys are our own constants: nothing in them to escape.  Inline, so that
 * a constant's length is known when compiled. */
static inline void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	jw_put(w, "\"", 1);
	jw_put(w, key, __builtin_strlen(key));
	jw_put(w, "\":", 2);
}

static inline void jw_lit(struct jw *w, const char *literal) /* true, false, null */
{
	jw_sep(w);
	jw_put(w, literal, __builtin_strlen(literal));
}

/* Ends the record with a newline.  Returns its length, or 0 if it did not fit. */
size_t jw_finish(struct jw *w);

#endif
