#include "scan.h"

#include <stddef.h>
#include <stdint.h>
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

static const unsigned char class_of[256] = {
	['"'] = V_STRING, ['n'] = V_NULL, ['t'] = V_BOOL, ['f'] = V_BOOL, ['['] = V_ARRAY, ['{'] = V_OBJECT,
	['-'] = V_NUMBER, ['0'] = V_NUMBER, ['1'] = V_NUMBER, ['2'] = V_NUMBER, ['3'] = V_NUMBER, ['4'] = V_NUMBER,
	['5'] = V_NUMBER, ['6'] = V_NUMBER, ['7'] = V_NUMBER, ['8'] = V_NUMBER, ['9'] = V_NUMBER,
};

static int value_class(char first)
{
	return class_of[(unsigned char)first];
}

struct scan {
	struct call_rec *r;
	enum scan_place place;
	unsigned long long seen; /* by (place, name): the first field of that name */
	char *why;
	int is_call; /* "event": "call" read */
	int not_call;
	int next; /* the field likely next: the shim writes them in table order */
};

/* Fields by a hash of their place and name, chained in table order: the
 * lookup of a key is a few compares, not a walk of the table.  (With these
 * factors today's names do not collide; a new one that does still works.) */
static signed char hash_first[256], hash_next[F_COUNT];
/* Fields of one place and name (the three "flags"), in table order: the
 * first of them, and the next. */
static signed char same_first[F_COUNT], same_next[F_COUNT];
/* Each field's "KEY": as the shim writes it, in two words, with a mask of
 * its bytes (all zero when it is longer than 16 bytes: never matched). */
static uint64_t quoted_key[F_COUNT][2], quoted_mask[F_COUNT][2];

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
	for (int i = 0; i < F_COUNT; i++) {
		const struct scan_field *f = &scan_fields[i];
		unsigned char q[16] = {0}, m[16] = {0};
		if (f->len && f->len + 3u <= sizeof q) {
			q[0] = '"', memcpy(q + 1, f->json, f->len), q[f->len + 1] = '"', q[f->len + 2] = ':';
			memset(m, 0xff, f->len + 3u);
		}
		memcpy(quoted_key[i], q, sizeof q), memcpy(quoted_mask[i], m, sizeof m);
		same_first[i] = (signed char)i, same_next[i] = -1;
		for (int j = F_COUNT - 1; j >= 0; j--)
			if (j != i && scan_fields[j].len == f->len && scan_fields[j].place == f->place &&
			    memcmp(scan_fields[j].json, f->json, f->len) == 0) {
				if (j < i)
					same_first[i] = (signed char)j;
				else
					same_next[i] = (signed char)j;
			}
	}
}

static int hashed; /* the tables above made */

/* The field named KEY at PLACE that takes a value starting with FIRST;
 * *named: the first of that name, or -1. */
static int field_for(enum scan_place place, const char *key, size_t len, char first, int *named)
{
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

static int read_object(struct cursor *c, struct scan *sc);

/* ---- semop's operations: [{"num", "op", "flags"}, ...] ---------------- */

/* A name of xlat_sem_flags, or "0x..." for bits without one. */
static int read_sop_flag(struct cursor *c, void *ctx)
{
	char name[24];
	unsigned long bit;
	unsigned long long n;
	int rc;
	if (c->p < c->end && *c->p != '"')
		return BAD_KIND; /* a number, a literal: valid JSON, not a flag */
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
	if (*c->p != '-' && (*c->p < '0' || *c->p > '9'))
		return BAD_KIND; /* a string, a literal: valid JSON, not a number (the fuzzer's find) */
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
		rc = read_object(c, sc);
		sc->place = TOP;
		return rc;
	default: /* K_FLAGS, K_STR, K_DS, K_TIMESPEC: their shape checked, nothing kept */
		return scan_skip_value(c, 1);
	}
}

/* Why field F's value was refused: RC, or WHAT when RC is 0. */
static __attribute__((cold, noinline)) int refuse(struct scan *sc, int f, int rc, const char *what)
{
	if (!rc)
		snprintf(sc->why, SCAN_WHY_CAP, ": \"%s\" %s", scan_fields[f].json, what);
	else if (!sc->why[0] && rc != BAD_JSON)
		snprintf(sc->why, SCAN_WHY_CAP, ": \"%s\" %s", scan_fields[f].json,
			 rc == BAD_RANGE ? "out of range" : rc == BAD_LONG ? "too long or too deep" : "is not of its kind");
	return rc ? rc : BAD_KIND;
}

/* The member's value, of field I (-1: none of that kind) of those named
 * like NAMED (-1: no field of ours).  Inline: once per member. */
static inline __attribute__((always_inline)) int read_found(struct cursor *c, struct scan *sc, int i, int named)
{
	if (i < 0 && named < 0)
		return scan_skip_value(c, 1); /* a field we do not know: a later version's */
	if (i < 0)
		return refuse(sc, named, 0, "is not of its kind");
	if (sc->seen & (1ull << named))
		return refuse(sc, i, 0, "given twice");
	sc->seen |= 1ull << named;
	int rc = read_value(c, sc, &scan_fields[i]);
	if (rc)
		rc = refuse(sc, i, rc, NULL);
	if (!rc)
		sc->r->present |= 1ull << i;
	sc->next = scan_fields[i].kind == K_ARGS ? F_ARGS_END + 1 : i + 1;
	/* Another record's "event": the rest is not ours to read. */
	return sc->not_call ? BAD_JSON : rc;
}

static int read_member(struct cursor *c, const char *key, size_t len, struct scan *sc)
{
	int named = -1, i = c->p < c->end ? field_for(sc->place, key, len, *c->p, &named) : -1;
	return read_found(c, sc, i, named);
}

/* A field whose key, quoted, and colon are the bytes at the cursor, if it
 * is one of the few after the last read, in table order: -1 if not.  This
 * is how the shim writes them, so most members are found with a compare
 * or two, their keys neither scanned nor looked up. */
static int field_at(struct cursor *c, const struct scan *sc)
{
	uint64_t w[2] = {0, 0};
	if (!hashed)
		hash_fields(), hashed = 1;
	/* Near the end of the line, the bytes there and zeroes, which a key's
	 * quote or colon never is. */
	if (c->end - c->p >= 16)
		memcpy(w, c->p, sizeof w);
	else
		for (int k = 0; k < c->end - c->p; k++)
			((char *)w)[k] = c->p[k];
	for (int i = sc->next; i < F_COUNT && i < sc->next + 8; i++)
		if ((w[0] & quoted_mask[i][0]) == quoted_key[i][0] && (w[1] & quoted_mask[i][1]) == quoted_key[i][1] &&
		    quoted_mask[i][0] && scan_fields[i].place == sc->place)
			return i;
	return -1;
}

/* A member found by its bytes (field_at): as field_for would find it, the
 * first of its name whose kind takes the value ("ret": a number or an
 * address). */
static int read_member_at(struct cursor *c, struct scan *sc, int i)
{
	c->p += scan_fields[i].len + 3;
	scan_space(c);
	int named = c->p < c->end ? same_first[i] : -1, take = -1;
	for (int j = named; j >= 0 && take < 0; j = same_next[j])
		if (kind_takes[scan_fields[j].kind] & value_class(*c->p))
			take = j;
	return read_found(c, sc, take, named);
}

/* The members of the record or of its args, as scan_object reads them. */
static int read_object(struct cursor *c, struct scan *sc)
{
	char key[SCAN_KEY_CAP];
	const char *k;
	size_t len;
	int rc = scan_object_open(c), i;
	while (rc > 0) {
		scan_space(c);
		if ((i = field_at(c, sc)) >= 0)
			rc = read_member_at(c, sc, i);
		else if (!(rc = scan_key(c, key, &k, &len)))
			rc = read_member(c, k, len, sc);
		if (!rc)
			rc = scan_next_or_end(c, '}');
	}
	return rc;
}

int scan_call(const char *s, size_t len, struct call_rec *out, char *why)
{
	struct cursor c = {s, s + len};
	struct scan sc = {out, TOP, 0, why, 0, 0, 0};
	why[0] = '\0';
	memset(out, 0, offsetof(struct call_rec, name) + 1);
	out->created = -1;
	int rc = read_object(&c, &sc);
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

/* A copy of the line with each integer too big for jansson quoted -- in a
 * value's place only: one where a key goes (after '{', or ',' in an
 * object) is no JSON, and quoted it would be a key (the fuzzer's find). */
static char *quote_big_integers(const char *s, size_t len, size_t *out_len)
{
	char *out = malloc(len * 3 + 1), *o = out, open[64], prev = 0;
	int in_string = 0, depth = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		if (in_string) {
			if (s[i] == '\\' && i + 1 < len)
				*o++ = s[i++];
			else if (s[i] == '"')
				in_string = 0, prev = '"';
			*o++ = s[i++];
			continue;
		}
		if (s[i] == '"')
			in_string = 1;
		else if (s[i] == '{' || s[i] == '[') {
			if (depth < (int)sizeof open)
				open[depth] = s[i];
			depth++;
		} else if ((s[i] == '}' || s[i] == ']') && depth > 0)
			depth--;
		int neg = s[i] == '-' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9';
		if (neg || (s[i] >= '0' && s[i] <= '9')) {
			size_t start = i + (size_t)neg, end = start;
			while (end < len && s[end] >= '0' && s[end] <= '9')
				end++;
			int in_array = depth > 0 && depth <= (int)sizeof open && open[depth - 1] == '[';
			int value_place = prev == ':' || (in_array && (prev == '[' || prev == ','));
			int quote = value_place && too_big(s + start, end - start, neg) &&
				    !(end < len && (s[end] == '.' || s[end] == 'e' || s[end] == 'E'));
			if (quote)
				*o++ = '"';
			memcpy(o, s + i, end - i);
			o += end - i;
			if (quote)
				*o++ = '"';
			i = end;
			prev = '0';
			continue;
		}
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			prev = s[i];
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
