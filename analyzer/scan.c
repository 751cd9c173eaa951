#include "scan.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/trace_format.h"
#include "../common/xlat.h"
#include "scan_values.h"

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
	[K_SEMBUF] = V_ARRAY | V_NULL, [K_TIMESPEC] = V_OBJECT | V_NULL,
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

/* ---- semop's operations: [{"num", "op", "flags"}, ...] ---------------- */

/* A name of xlat_sem_flags, or "0x..." for bits without one. */
static int read_sop_flag(struct cursor *c, void *ctx)
{
	char name[24];
	unsigned long bit;
	unsigned long long n;
	int rc;
	if (c->end - c->p > 3 && memcmp(c->p, "\"0x", 3) == 0) {
		if ((rc = scan_radix_string(c, &n, 16)))
			return rc;
		if (n > 0xffff)
			return BAD_RANGE;
		bit = (unsigned long)n;
	} else if ((rc = scan_string(c, name, sizeof name, 0)))
		return rc == -1 ? BAD_JSON : BAD_KIND;
	else if (xlat_value(xlat_sem_flags, name, &bit) != 0)
		return BAD_KIND;
	*(unsigned *)ctx |= (unsigned)bit;
	return 0;
}

static int read_sop_member(struct cursor *c, const char *key, size_t len, void *ctx)
{
	struct call_sop *op = ctx;
	long long n;
	int rc;
	if (c->p >= c->end)
		return BAD_JSON;
	if (*c->p == '[' && len == 5 && memcmp(key, "flags", 5) == 0)
		return op->flags = 0, scan_array(c, read_sop_flag, &op->flags);
	int is_num = len == 3 && memcmp(key, "num", 3) == 0, is_op = len == 2 && memcmp(key, "op", 2) == 0;
	if (!is_num && !is_op)
		return scan_skip_value(c, 3);
	if ((rc = scan_integer(c, &n)))
		return rc;
	if (is_num ? n < 0 || n > 0xffff : n < -32768 || n > 32767)
		return BAD_RANGE;
	*(is_num ? &op->num : &op->op) = (int)n;
	return 0;
}

static int read_sop(struct cursor *c, void *ctx)
{
	struct call_rec *r = ctx;
	struct call_sop spare, *op = r->sops_shown < CALL_SOPS_SHOWN ? &r->sops[r->sops_shown++] : &spare;
	if (c->p >= c->end)
		return BAD_JSON;
	if (*c->p != '{')
		return BAD_KIND;
	return scan_object(c, read_sop_member, op);
}

static int read_value(struct cursor *c, struct scan *sc, const struct scan_field *f)
{
	struct call_rec *r = sc->r;
	char *at = f->member >= 0 ? (char *)r + f->member : NULL;
	char event[8];
	unsigned long long u;
	int rc;
	switch ((enum scan_kind)f->kind) {
	case K_EVENT:
		rc = scan_string(c, event, sizeof event, 0);
		if (rc == -1)
			return BAD_JSON;
		sc->is_call = rc == 0 && strcmp(event, EV_CALL) == 0;
		sc->not_call = !sc->is_call;
		return 0;
	case K_CALLNAME: case K_CMD:
		if (*c->p != '"') {
			long long n;
			return *at = '\0', scan_integer(c, &n);
		}
		rc = scan_string(c, at, f->cap, 0);
		return rc == -2 ? BAD_LONG : rc;
	case K_TEXT:
		if (*c->p == 'n')
			return *at = '\0', scan_literal(c, "null");
		return scan_string(c, at, f->cap, 1);
	case K_INT:
		return scan_integer(c, (long long *)at);
	case K_UINT:
		return scan_uinteger(c, (unsigned long long *)at);
	case K_HEX:
		return scan_radix_string(c, (unsigned long long *)at, 16);
	case K_HEX32:
	case K_OCT:
		if ((rc = scan_radix_string(c, &u, f->kind == K_OCT ? 8 : 16)))
			return rc;
		return u > 0xffffffffu ? BAD_RANGE : (*(unsigned *)at = (unsigned)u, 0);
	case K_BOOL: case K_TRIBOOL:
		if (*c->p == 'n')
			return *(int *)at = -1, scan_literal(c, "null");
		*(int *)at = *c->p == 't';
		return scan_literal(c, *c->p == 't' ? "true" : "false");
	case K_ERRNO:
		r->failed = *c->p != 'n';
		if (*c->p == 'n')
			return scan_literal(c, "null");
		if (*c->p == '"')
			return (rc = scan_string(c, r->errno_name, sizeof r->errno_name, 0)) == -2 ? BAD_LONG : rc;
		strcpy(r->errno_name, "unknown");
		long long n;
		return scan_integer(c, &n);
	case K_STACK:
		if (*c->p == '[') {
			r->stack_text = c->p;
			if ((rc = scan_skip_value(c, 1)))
				return rc;
			r->stack_len = (size_t)(c->p - r->stack_text);
			return 0;
		}
		if (*c->p == 'n')
			return scan_literal(c, "null");
		return scan_integer(c, &r->stack_id);
	case K_SEMBUF:
		r->sops_shown = 0;
		return *c->p == 'n' ? scan_literal(c, "null") : scan_array(c, read_sop, r);
	case K_ARGS:
		sc->place = ARGS;
		rc = scan_object(c, read_member, sc);
		sc->place = TOP;
		return rc;
	default: /* K_FLAGS, K_STR, K_DS, K_TIMESPEC: their shape checked, nothing kept */
		return scan_skip_value(c, 1);
	}
}

static int read_member(struct cursor *c, const char *key, size_t len, void *ctx)
{
	struct scan *sc = ctx;
	int named = -1, i = c->p < c->end ? field_for(sc->place, key, len, *c->p, &named) : -1;
	if (i < 0 && named < 0)
		return scan_skip_value(c, 1); /* a field we do not know: a later version's */
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
	int rc = scan_object(&c, read_member, &sc);
	scan_space(&c);
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
