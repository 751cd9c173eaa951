/* The JSON values of a call record, read at a cursor: strings (unescaped,
 * UTF-8 checked), integers signed and unsigned, hex and octal strings,
 * literals, objects member by member, and any value skipped with its
 * shape checked.  Each refuses what jansson would refuse, so that a line
 * this scanner calls bad is bad for jansson too; which field a value is,
 * and where it goes, is scan.c's business (the table-driven dispatch). */
#include "scan_values.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bytestext.h"

static int eat(struct cursor *c, char ch)
{
	scan_space(c);
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
int scan_string(struct cursor *c, char *buf, size_t cap, int cut)
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

/* An integer the format writes: no fraction or exponent; -1 after a
 * number of another form. */
static int integer_form(struct cursor *c)
{
	return c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E') ? BAD_KIND : 0;
}

int scan_integer(struct cursor *c, long long *out)
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
int scan_uinteger(struct cursor *c, unsigned long long *out)
{
	int big;
	if (c->p < c->end && *c->p == '-')
		return skip_number(c) ? BAD_JSON : BAD_RANGE;
	if (digits(c, out, &big))
		return BAD_JSON;
	return integer_form(c) ? BAD_KIND : big ? BAD_RANGE : 0;
}

/* "0x" and 1 to 16 lower-case hex digits, as the shim writes them (BASE
 * 16: common/bytestext.h's hex_number); or "0" and octal digits (BASE 8). */
int scan_radix_string(struct cursor *c, unsigned long long *out, int base)
{
	char buf[24];
	int rc = scan_string(c, buf, sizeof buf, 0);
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

/* After a member or an element: 1 when a comma says another follows, 0
 * after the closing CLOSE, BAD_JSON otherwise. */
static int next_or_end(struct cursor *c, char close)
{
	scan_space(c);
	if (c->p < c->end && *c->p == ',') {
		c->p++;
		return 1;
	}
	return eat(c, close) ? BAD_JSON : 0;
}

int scan_object(struct cursor *c, member_fn fn, void *ctx)
{
	char key[32];
	if (eat(c, '{'))
		return BAD_JSON;
	scan_space(c);
	if (c->p < c->end && *c->p == '}')
		return c->p++, 0;
	for (;;) {
		int rc = 0;
		const char *k = key;
		size_t len;
		scan_space(c);
		/* Our keys are plain ASCII: taken where they are, not copied. */
		const char *q = c->p + 1;
		while (q < c->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x80)
			q++;
		if (c->p < c->end && *c->p == '"' && q < c->end && *q == '"') {
			k = c->p + 1, len = (size_t)(q - k);
			c->p = q + 1;
		} else {
			rc = scan_string(c, key, sizeof key, 0);
			len = rc ? 0 : strlen(key); /* a key longer than any of ours is no field of ours */
		}
		if (rc == -1 || eat(c, ':'))
			return BAD_JSON;
		scan_space(c);
		if ((rc = fn(c, k, len, ctx)) || (rc = next_or_end(c, '}')) <= 0)
			return rc;
	}
}

static int skip_member(struct cursor *c, const char *key, size_t len, void *depth)
{
	(void)key, (void)len;
	return scan_skip_value(c, *(int *)depth);
}

int scan_array(struct cursor *c, element_fn fn, void *ctx)
{
	if (eat(c, '['))
		return BAD_JSON;
	scan_space(c);
	if (c->p < c->end && *c->p == ']')
		return c->p++, 0;
	for (;;) {
		int rc;
		scan_space(c);
		if ((rc = fn(c, ctx)) || (rc = next_or_end(c, ']')) <= 0)
			return rc;
	}
}

static int skip_element(struct cursor *c, void *depth)
{
	return scan_skip_value(c, *(int *)depth);
}

int scan_skip_value(struct cursor *c, int depth)
{
	scan_space(c);
	if (c->p >= c->end)
		return BAD_JSON;
	if (depth > 32)
		return BAD_LONG; /* deeper than anything of ours */
	switch (*c->p) {
	case '"':
		return scan_string(c, NULL, 0, 1) ? BAD_JSON : 0;
	case '{': {
		int inner = depth + 1;
		return scan_object(c, skip_member, &inner);
	}
	case '[': {
		int inner = depth + 1;
		return scan_array(c, skip_element, &inner);
	}
	case 't':
		return scan_literal(c, "true");
	case 'f':
		return scan_literal(c, "false");
	case 'n':
		return scan_literal(c, "null");
	default:
		return skip_number(c) ? BAD_JSON : 0;
	}
}
