#include "jsonw.h"

#include <string.h>

#include "../common/bytestext.h"
#include "../common/xlat.h"

void jw_init(struct jw *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->full = 0;
}

size_t jw_room(const struct jw *w)
{
	return w->full ? 0 : w->cap - w->len;
}

#define put jw_put

static void putc1(struct jw *w, char c)
{
	put(w, &c, 1);
}

/* A comma unless this value starts a record, an object or an array, or
 * follows a key.  (One buffer may hold several records, one per line.) */
void jw_sep(struct jw *w)
{
	if (w->len == 0 || w->full)
		return;
	char last = w->buf[w->len - 1];
	if (last != '{' && last != '[' && last != ':' && last != '\n')
		putc1(w, ',');
}

void jw_open(struct jw *w, char brace)
{
	jw_sep(w);
	putc1(w, brace);
}

void jw_close(struct jw *w, char brace)
{
	putc1(w, brace);
}

static int plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* The text of the bytes (common/bytestext.h), JSON-escaped: valid UTF-8 is
 * copied, a byte outside it becomes \xHH and a backslash \\ (in the file:
 * "\\xff", "\\\\"), control characters \u00HH.  Runs of plain bytes are
 * copied whole. */
static void put_escaped(struct jw *w, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	putc1(w, '"');
	for (size_t i = 0; i < max && s[i];) {
		size_t run = i;
		while (run < max && s[run] && plain(u[run]))
			run++;
		put(w, s + i, run - i);
		if (run >= max || !s[run])
			break;
		unsigned char c = u[run];
		size_t seq = c >= 0x80 ? utf8_sequence(u + run, max - run < 4 ? max - run : 4) : 0;
		if (seq) {
			put(w, s + run, seq);
			i = run + seq;
			continue;
		}
		if (c == '"') {
			put(w, "\\\"", 2);
		} else if (c == '\\') {
			put(w, "\\\\\\\\", 4);
		} else if (c >= 0x80) {
			char e[5] = {'\\', '\\', 'x', hex[c >> 4], hex[c & 15]};
			put(w, e, 5);
		} else {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(w, e, 6);
		}
		i = run + 1;
	}
	putc1(w, '"');
}

void jw_str(struct jw *w, const char *s, size_t max)
{
	jw_sep(w);
	put_escaped(w, s, max);
}

void jw_put_text(struct jw *w, const char *s, size_t max)
{
	put_escaped(w, s, max);
}

/* Two digits at a time: half the divisions, by a constant (a multiply). */
static const char two_digits[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";

/* Digits of v: from its bit length, one comparison (no loop). */
static int decimal_digits(unsigned long long v)
{
	static const unsigned long long pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
		1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
		1000000000000000000ull, 10000000000000000000ull};
	int t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12; /* 1233 / 4096 ~ log10(2) */
	return t + (t < 20 && (v | 1) >= pow10[t]);
}

/* Written in place, from the last digit back, two at a time: the divisions
 * are by a constant (multiplies), in 32 bits once the number fits them. */
void jw_put_udec(struct jw *w, unsigned long long v)
{
	int n = decimal_digits(v);
	if ((size_t)n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	char *p = w->buf + w->len + n;
	w->len += (size_t)n;
	while (v > 0xffffffffull) {
		p -= 2;
		memcpy(p, two_digits + 2 * (v % 100), 2);
		v /= 100;
	}
	unsigned u = (unsigned)v;
	while (u >= 100) {
		p -= 2;
		memcpy(p, two_digits + 2 * (u % 100), 2);
		u /= 100;
	}
	if (u >= 10)
		memcpy(p - 2, two_digits + 2 * u, 2);
	else
		p[-1] = (char)('0' + u);
}

void jw_put_dec(struct jw *w, long long v)
{
	if (v < 0) {
		putc1(w, '-');
		jw_put_udec(w, 0ull - (unsigned long long)v);
	} else {
		jw_put_udec(w, (unsigned long long)v);
	}
}

void jw_int(struct jw *w, long long v)
{
	jw_sep(w);
	jw_put_dec(w, v);
}

void jw_uint(struct jw *w, unsigned long long v)
{
	jw_sep(w);
	jw_put_udec(w, v);
}

/* Digits from the bit length, written in place: no divisions. */
static void put_radix(struct jw *w, unsigned long long v, unsigned shift, int min_digits)
{
	static const char digits[] = "0123456789abcdef";
	int bits = 64 - __builtin_clzll(v | 1), n = (bits + (int)shift - 1) / (int)shift;
	if (n < min_digits)
		n = min_digits;
	if ((size_t)n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	char *d = w->buf + w->len;
	w->len += (size_t)n;
	for (int i = n - 1; i >= 0; i--, v >>= shift)
		d[i] = digits[v & ((1u << shift) - 1)];
}

void jw_put_hex(struct jw *w, unsigned long long v, int min_digits)
{
	jw_put(w, "\"0x", 3);
	put_radix(w, v, 4, min_digits);
	putc1(w, '"');
}

void jw_put_oct(struct jw *w, unsigned v)
{
	jw_put(w, "\"0", 2);
	put_radix(w, v, 3, 3);
	putc1(w, '"');
}

void jw_hex(struct jw *w, unsigned long long v)
{
	jw_sep(w);
	jw_put_hex(w, v, 1);
}

void jw_hex32(struct jw *w, unsigned int v)
{
	jw_sep(w);
	jw_put_hex(w, v, 8);
}

void jw_oct(struct jw *w, unsigned int v)
{
	jw_sep(w);
	jw_put_oct(w, v);
}

void jw_flags(struct jw *w, const struct xlat *t, unsigned long v)
{
	jw_open(w, '[');
	for (; t->name; t++)
		/* A field's zero value (O_RDONLY) has a name; a zero bit has none. */
		if ((t->val || t->mask != t->val) && (v & t->mask) == t->val) {
			jw_str(w, t->name, (size_t)-1);
			v &= ~t->mask;
		}
	if (v)
		jw_hex(w, v);
	jw_close(w, ']');
}

size_t jw_finish(struct jw *w)
{
	putc1(w, '\n');
	return w->full ? 0 : w->len;
}
