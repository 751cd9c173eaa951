#include "scan.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bytestext.h"
#include "../common/trace_format.h"
#include "../common/xlat.h"

struct cursor {
	const char *p, *end;
};

static void ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int eat(struct cursor *c, char ch)
{
	ws(c);
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
						    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

/* One escape after the backslash at c->p, as UTF-8 into u (1-4 bytes);
 * what jansson refuses (a lone surrogate, \u0000) is refused here too. */
static int escape(struct cursor *c, char u[4], size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = ++c->p < c->end ? strchr(from, *c->p) : NULL;
	if (e && *c->p) {
		c->p++;
		u[0] = to[e - from];
		return *n = 1, 0;
	}
	unsigned cp, lo;
	if (c->p >= c->end || *c->p != 'u' || c->end - c->p < 5 || hex4(c->p + 1, &cp))
		return -1;
	c->p += 5;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) || lo < 0xdc00 ||
		    lo > 0xdfff)
			return -1;
		c->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return -1;
	if (cp < 0x80)
		return u[0] = (char)cp, *n = 1, 0;
	if (cp < 0x800)
		return u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), *n = 2, 0;
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		return *n = 3, 0;
	}
	u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
	return *n = 4, 0;
}

/* A JSON string, unescaped into buf (NUL-terminated), or only checked when
 * buf is NULL: -1 if it is not one jansson would take.  When it does not
 * fit: its first cap - 1 bytes, and -2 unless `cut`. */
static int string_into(struct cursor *c, char *buf, size_t cap, int cut)
{
	size_t n = 0;
	int too_long = 0;
	if (eat(c, '"'))
		return -1;
	while (c->p < c->end && *c->p != '"') {
		const char *from = c->p;
		char u[4];
		size_t len;
		unsigned char ch = (unsigned char)*c->p;
		if (ch >= 0x20 && ch < 0x80 && ch != '\\') { /* a run of plain ASCII, copied whole */
			while (c->p < c->end && (unsigned char)*c->p >= 0x20 && (unsigned char)*c->p < 0x80 &&
			       *c->p != '"' && *c->p != '\\')
				c->p++;
			len = (size_t)(c->p - from);
		} else if (ch < 0x20) {
			return -1;
		} else if (ch == '\\') {
			if (escape(c, u, &len))
				return -1;
			from = u;
		} else {
			len = ch < 0x80 ? 1 : utf8_sequence((const unsigned char *)c->p, (size_t)(c->end - c->p));
			if (!len)
				return -1; /* jansson takes only UTF-8 */
			c->p += len;
		}
		if (!buf)
			continue;
		if (n + len >= cap) {
			too_long = 1;
			len = n + 1 < cap ? cap - 1 - n : 0;
		}
		memcpy(buf + n, from, len);
		n += len;
	}
	if (c->p >= c->end)
		return -1;
	if (buf)
		buf[n] = '\0';
	c->p++;
	return too_long && !cut ? -2 : 0;
}

/* The digits of a JSON integer, as JSON writes them (no leading zero),
 * unsigned, into *out; -1 if there are none.  *big: past 2^64 - 1. */
static int digits(struct cursor *c, unsigned long long *out, int *big)
{
	unsigned long long v = 0;
	const char *start = c->p;
	*big = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (v > (~0ull - d) / 10)
			*big = 1;
		v = v * 10 + d;
	}
	if (c->p == start || (*start == '0' && c->p - start > 1))
		return -1;
	*out = v;
	return 0;
}

/* Whether one of CHARS is among the N bytes at S. */
static int strpbrk_n(const char *s, size_t n, const char *chars)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(chars, s[i]))
			return 1;
	return 0;
}

/* Whether the real number of N bytes at S overflows a double, which
 * jansson refuses (its strtod gives HUGE_VAL). */
static int real_overflows(const char *s, size_t n)
{
	char small[64], *copy = n < sizeof small ? small : malloc(n + 1);
	if (!copy)
		return 1;
	memcpy(copy, s, n);
	copy[n] = '\0';
	double d = strtod(copy, NULL);
	if (copy != small)
		free(copy);
	return d == HUGE_VAL || d == -HUGE_VAL;
}

/* A JSON number of any form: -1 if it is none, or one jansson refuses. */
static int skip_number(struct cursor *c)
{
	const char *number = c->p;
	unsigned long long v;
	int big;
	c->p += c->p < c->end && *c->p == '-';
	if (digits(c, &v, &big))
		return -1;
	if (c->p < c->end && *c->p == '.') {
		const char *start = ++c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return -1;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		const char *start = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return -1;
	}
	/* An integer too big for jansson is read as its digits
	 * (record_from_line); a real too big is refused. */
	if (strpbrk_n(number, (size_t)(c->p - number), ".eE"))
		return real_overflows(number, (size_t)(c->p - number)) ? -1 : 0;
	return 0;
}

/* Why a value was refused: not JSON at all (the caller asks jansson), or
 * JSON of another kind than the field's. */
enum { BAD_JSON = -1, BAD_KIND = -2, BAD_RANGE = -3, BAD_LONG = -4 };

/* An integer the format writes: no fraction or exponent; -1 after a
 * number of another form. */
static int integer_form(struct cursor *c)
{
	return c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E') ? BAD_KIND : 0;
}

static int integer(struct cursor *c, long long *out)
{
	unsigned long long v;
	int big;
	int neg = c->p < c->end && *c->p == '-';
	c->p += neg;
	if (digits(c, &v, &big))
		return BAD_JSON;
	if (integer_form(c))
		return BAD_KIND;
	if (big || v > (neg ? 1ull << 63 : (1ull << 63) - 1))
		return BAD_RANGE;
	*out = neg ? (long long)(0ull - v) : (long long)v;
	return 0;
}

/* Up to 2^64 - 1: a size the shim wrote as the size_t it was (stress-ng
 * asks shmget for 2^64 - 16 MiB). */
static int uinteger(struct cursor *c, unsigned long long *out)
{
	int big;
	if (c->p < c->end && *c->p == '-')
		return skip_number(c) ? BAD_JSON : BAD_RANGE;
	if (digits(c, out, &big))
		return BAD_JSON;
	return integer_form(c) ? BAD_KIND : big ? BAD_RANGE : 0;
}

static int literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return BAD_JSON;
	c->p += n;
	return 0;
}

/* "0x" and 1 to 16 lower-case hex digits, as the shim writes them (BASE
 * 16: common/bytestext.h's hex_number); or "0" and octal digits (BASE 8). */
static int radix_string(struct cursor *c, unsigned long long *out, int base)
{
	char buf[24];
	int rc = string_into(c, buf, sizeof buf, 0);
	if (rc)
		return rc == -2 ? BAD_RANGE : BAD_JSON;
	if (base == 16)
		return hex_number(buf, strlen(buf), out) ? BAD_KIND : 0;
	unsigned long long v = 0;
	if (buf[0] != '0' || !buf[1] || strlen(buf) > 12)
		return BAD_KIND;
	for (const char *s = buf + 1; *s; s++) {
		if (*s < '0' || *s > '7')
			return BAD_KIND;
		v = v << 3 | (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

static int skip_value(struct cursor *c, int depth);

/* After a member or an element: 1 when a comma says another follows, 0
 * after the closing CLOSE, BAD_JSON otherwise. */
static int next_or_end(struct cursor *c, char close)
{
	ws(c);
	if (c->p < c->end && *c->p == ',') {
		c->p++;
		return 1;
	}
	return eat(c, close) ? BAD_JSON : 0;
}

/* Calls fn for each member of an object, the cursor at its value. */
typedef int (*member_fn)(struct cursor *c, const char *key, size_t len, void *ctx);

static int object(struct cursor *c, member_fn fn, void *ctx)
{
	char key[32];
	if (eat(c, '{'))
		return BAD_JSON;
	ws(c);
	if (c->p < c->end && *c->p == '}')
		return c->p++, 0;
	for (;;) {
		int rc = 0;
		const char *k = key;
		size_t len;
		ws(c);
		/* Our keys are plain ASCII: taken where they are, not copied. */
		const char *q = c->p + 1;
		while (q < c->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80)
			q++;
		if (c->p < c->end && *c->p == '"' && q < c->end && *q == '"') {
			k = c->p + 1, len = (size_t)(q - k);
			c->p = q + 1;
		} else {
			rc = string_into(c, key, sizeof key, 0);
			len = rc ? 0 : strlen(key); /* a key longer than any of ours is no field of ours */
		}
		if (rc == -1 || eat(c, ':'))
			return BAD_JSON;
		ws(c);
		if ((rc = fn(c, k, len, ctx)) || (rc = next_or_end(c, '}')) <= 0)
			return rc;
	}
}

static int skip_member(struct cursor *c, const char *key, size_t len, void *depth)
{
	(void)key, (void)len;
	return skip_value(c, *(int *)depth);
}

static int skip_value(struct cursor *c, int depth)
{
	ws(c);
	if (c->p >= c->end)
		return BAD_JSON;
	if (depth > 32)
		return BAD_LONG; /* deeper than anything of ours */
	switch (*c->p) {
	case '"':
		return string_into(c, NULL, 0, 1) ? BAD_JSON : 0;
	case '{': {
		int inner = depth + 1;
		return object(c, skip_member, &inner);
	}
	case '[':
		c->p++;
		ws(c);
		if (c->p < c->end && *c->p == ']')
			return c->p++, 0;
		for (;;) {
			int rc = skip_value(c, depth + 1);
			if (rc || (rc = next_or_end(c, ']')) <= 0)
				return rc;
		}
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		return skip_number(c) ? BAD_JSON : 0;
	}
}

/* ---- the fields, from the table ------------------------------------- */

#define OFF_D(M) (int)offsetof(struct call_rec, M), sizeof(((struct call_rec *)0)->M)
#define OFF_S(M) OFF_D(M)
#define OFF_W(M) -1, 0
#define OFF_WS(M) -1, 0
#define OFF_N(M) -1, 0
const struct scan_field scan_fields[F_COUNT] = {
#define FIELD(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) \
	[F_##ID] = {JSON, sizeof JSON - 1, PLACE, KIND, OFF_##DECL(M)},
	CALL_FIELDS(FIELD, _)
#undef FIELD
};

/* Which kinds of value a kind of field takes, by the value's first byte:
 * a mask of classes per kind, so that the test is one AND. */
enum { V_STRING = 1, V_NUMBER = 2, V_NULL = 4, V_BOOL = 8, V_ARRAY = 16, V_OBJECT = 32 };
static const unsigned char kind_takes[] = {
	[K_EVENT] = V_STRING, [K_CALLNAME] = V_STRING, [K_INT] = V_NUMBER, [K_UINT] = V_NUMBER,
	[K_HEX] = V_STRING, [K_HEX32] = V_STRING, [K_OCT] = V_STRING, [K_FLAGS] = V_ARRAY,
	[K_CMD] = V_STRING | V_NUMBER, [K_TEXT] = V_STRING | V_NULL, [K_STR] = V_STRING, [K_BOOL] = V_BOOL,
	[K_TRIBOOL] = V_BOOL | V_NULL, [K_ERRNO] = V_STRING | V_NUMBER | V_NULL, [K_DS] = V_OBJECT,
	[K_STACK] = V_NUMBER | V_NULL | V_ARRAY, [K_ARGS] = V_OBJECT, [K_END] = 0,
};

static int value_class(char first)
{
	switch (first) {
	case '"': return V_STRING;
	case 'n': return V_NULL;
	case 't': case 'f': return V_BOOL;
	case '[': return V_ARRAY;
	case '{': return V_OBJECT;
	default: return first == '-' || (first >= '0' && first <= '9') ? V_NUMBER : 0;
	}
}

struct scan {
	struct call_rec *r;
	enum scan_place place;
	unsigned long long seen; /* by (place, name): the first field of that name */
	char *why;
	int is_call; /* "event": "call" read */
	int not_call;
};

/* Fields by a hash of their place and name, chained in table order: the
 * lookup of a key is a few compares, not a walk of the table.  (With these
 * factors today's names do not collide; a new one that does still works.) */
static signed char hash_first[256], hash_next[F_COUNT];

static unsigned key_hash(unsigned place, const char *key, size_t len)
{
	return ((unsigned)len * 2u + (unsigned char)key[0] * 10u + (unsigned char)key[len - 1] + place * 15u) & 255u;
}

static void hash_fields(void)
{
	memset(hash_first, -1, sizeof hash_first);
	for (int i = F_COUNT - 1; i >= 0; i--)
		if (scan_fields[i].len) {
			unsigned h = key_hash(scan_fields[i].place, scan_fields[i].json, scan_fields[i].len);
			hash_next[i] = hash_first[h];
			hash_first[h] = (signed char)i;
		}
}

/* The field named KEY at PLACE that takes a value starting with FIRST;
 * *named: the first of that name, or -1. */
static int field_for(enum scan_place place, const char *key, size_t len, char first, int *named)
{
	static int hashed;
	*named = -1;
	if (!len)
		return -1;
	if (!hashed)
		hash_fields(), hashed = 1;
	for (int i = hash_first[key_hash(place, key, len)]; i >= 0; i = hash_next[i]) {
		const struct scan_field *f = &scan_fields[i];
		if (f->len != len || f->place != place || memcmp(f->json, key, len) != 0)
			continue;
		if (*named < 0)
			*named = i;
		if (kind_takes[f->kind] & value_class(first))
			return i;
	}
	return -1;
}

static int read_member(struct cursor *c, const char *key, size_t len, void *ctx);

static int read_value(struct cursor *c, struct scan *sc, const struct scan_field *f)
{
	struct call_rec *r = sc->r;
	char *at = f->member >= 0 ? (char *)r + f->member : NULL;
	char event[8];
	unsigned long long u;
	int rc;
	switch ((enum scan_kind)f->kind) {
	case K_EVENT:
		rc = string_into(c, event, sizeof event, 0);
		if (rc == -1)
			return BAD_JSON;
		sc->is_call = rc == 0 && strcmp(event, EV_CALL) == 0;
		sc->not_call = !sc->is_call;
		return 0;
	case K_CALLNAME: case K_CMD:
		if (*c->p != '"') {
			long long n;
			return *at = '\0', integer(c, &n);
		}
		rc = string_into(c, at, f->cap, 0);
		return rc == -2 ? BAD_LONG : rc;
	case K_TEXT:
		if (*c->p == 'n')
			return *at = '\0', literal(c, "null");
		return string_into(c, at, f->cap, 1);
	case K_INT:
		return integer(c, (long long *)at);
	case K_UINT:
		return uinteger(c, (unsigned long long *)at);
	case K_HEX:
		return radix_string(c, (unsigned long long *)at, 16);
	case K_HEX32:
	case K_OCT:
		if ((rc = radix_string(c, &u, f->kind == K_OCT ? 8 : 16)))
			return rc;
		return u > 0xffffffffu ? BAD_RANGE : (*(unsigned *)at = (unsigned)u, 0);
	case K_BOOL: case K_TRIBOOL:
		if (*c->p == 'n')
			return *(int *)at = -1, literal(c, "null");
		*(int *)at = *c->p == 't';
		return literal(c, *c->p == 't' ? "true" : "false");
	case K_ERRNO:
		r->failed = *c->p != 'n';
		if (*c->p == 'n')
			return literal(c, "null");
		if (*c->p == '"')
			return (rc = string_into(c, r->errno_name, sizeof r->errno_name, 0)) == -2 ? BAD_LONG : rc;
		strcpy(r->errno_name, "unknown");
		long long n;
		return integer(c, &n);
	case K_STACK:
		if (*c->p == '[') {
			r->stack_text = c->p;
			if ((rc = skip_value(c, 1)))
				return rc;
			r->stack_len = (size_t)(c->p - r->stack_text);
			return 0;
		}
		if (*c->p == 'n')
			return literal(c, "null");
		return integer(c, &r->stack_id);
	case K_ARGS:
		sc->place = ARGS;
		rc = object(c, read_member, sc);
		sc->place = TOP;
		return rc;
	default: /* K_FLAGS, K_STR, K_DS: their shape checked, nothing kept */
		return skip_value(c, 1);
	}
}

static int read_member(struct cursor *c, const char *key, size_t len, void *ctx)
{
	struct scan *sc = ctx;
	int named = -1, i = c->p < c->end ? field_for(sc->place, key, len, *c->p, &named) : -1;
	if (i < 0 && named < 0)
		return skip_value(c, 1); /* a field we do not know: a later version's */
	if (i < 0) {
		snprintf(sc->why, SCAN_WHY_CAP, ": \"%s\" is not of its kind", scan_fields[named].json);
		return BAD_KIND;
	}
	if (sc->seen & (1ull << named)) {
		snprintf(sc->why, SCAN_WHY_CAP, ": \"%s\" given twice", scan_fields[i].json);
		return BAD_KIND;
	}
	sc->seen |= 1ull << named;
	int rc = read_value(c, sc, &scan_fields[i]);
	if (rc && !sc->why[0] && rc != BAD_JSON)
		snprintf(sc->why, SCAN_WHY_CAP, ": \"%s\" %s", scan_fields[i].json,
			 rc == BAD_RANGE ? "out of range" : rc == BAD_LONG ? "too long or too deep" : "is not of its kind");
	if (!rc)
		sc->r->present |= 1ull << i;
	/* Another record's "event": the rest is not ours to read. */
	return sc->not_call ? BAD_JSON : rc;
}

int scan_call(const char *s, size_t len, struct call_rec *out, char *why)
{
	struct cursor c = {s, s + len};
	struct scan sc = {out, TOP, 0, why, 0, 0};
	why[0] = '\0';
	memset(out, 0, offsetof(struct call_rec, name) + 1);
	out->created = -1;
	int rc = object(&c, read_member, &sc);
	ws(&c);
	if (rc == 0 && c.p != c.end)
		rc = BAD_JSON;
	if (sc.not_call || rc == BAD_JSON) {
		why[0] = '\0';
		return SCAN_OTHER;
	}
	if (rc) {
		if (!why[0])
			snprintf(why, SCAN_WHY_CAP, ": a value nested deeper than any of ours");
		return sc.is_call ? SCAN_BAD : SCAN_OTHER;
	}
	if (!(out->present & FIELD_BIT(EVENT)))
		return SCAN_OTHER;
	const unsigned long long needed = FIELD_BIT(CALL) | FIELD_BIT(PID) | FIELD_BIT(TS) | FIELD_BIT(ARGS);
	if ((out->present & needed) != needed) {
		snprintf(why, SCAN_WHY_CAP, " without call, pid, ts or args");
		return SCAN_BAD;
	}
	return SCAN_CALL;
}

/* Whether the digits at p (n of them) exceed what a json_int_t holds. */
static int too_big(const char *p, size_t n, int neg)
{
	const char *max = neg ? "9223372036854775808" : "9223372036854775807";
	return n > 19 || (n == 19 && memcmp(p, max, 19) > 0);
}

/* A copy of the line with each integer too big for jansson quoted. */
static char *quote_big_integers(const char *s, size_t len, size_t *out_len)
{
	char *out = malloc(len * 3 + 1), *o = out;
	int in_string = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		if (in_string) {
			if (s[i] == '\\' && i + 1 < len)
				*o++ = s[i++];
			else if (s[i] == '"')
				in_string = 0;
			*o++ = s[i++];
			continue;
		}
		if (s[i] == '"')
			in_string = 1;
		int neg = s[i] == '-' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9';
		if (neg || (s[i] >= '0' && s[i] <= '9')) {
			size_t start = i + (size_t)neg, end = start;
			while (end < len && s[end] >= '0' && s[end] <= '9')
				end++;
			int quote = too_big(s + start, end - start, neg) &&
				    !(end < len && (s[end] == '.' || s[end] == 'e' || s[end] == 'E'));
			if (quote)
				*o++ = '"';
			memcpy(o, s + i, end - i);
			o += end - i;
			if (quote)
				*o++ = '"';
			i = end;
			continue;
		}
		*o++ = s[i++];
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

json_t *record_from_line(const char *line, size_t len, json_error_t *err)
{
	json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, err);
	if (rec || json_error_code(err) != json_error_numeric_overflow)
		return rec;
	size_t n;
	char *quoted = quote_big_integers(line, len, &n);
	if (quoted) {
		json_error_t again;
		rec = json_loadb(quoted, n, JSON_REJECT_DUPLICATES, &again);
		if (!rec)
			*err = again; /* what is wrong besides the big integers */
		free(quoted);
	}
	return rec;
}
