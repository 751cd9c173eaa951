#include "jsonw.h"

#include <string.h>

#include "../common/bytestext.h"

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

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "eight_digits() builds its bytes in a little-endian word"
#endif

/* Eight decimal digits of v < 10^8, most significant first, as the bytes
 * of a little-endian word: no division, no loop.  Each step splits every
 * lane of the word at once, dividing by a constant with a multiply and a
 * shift that are exact in the lane's range (v / 100 = v * 10486 >> 20 for
 * v < 10^4, v / 10 = v * 103 >> 10 for v < 100): the SWAR ("SIMD within
 * a register") way of fast integer formatters. */
static inline __attribute__((always_inline)) uint64_t eight_digits(uint32_t v)
{
	uint64_t x = v / 10000 | (uint64_t)(v % 10000) << 32;         /* 4 + 4 */
	uint64_t hi = ((x * 10486) >> 20) & 0x0000007f0000007full;     /* 2 + 2 + 2 + 2 */
	x = hi | (x - hi * 100) << 16;
	hi = ((x * 103) >> 10) & 0x000f000f000f000full;                /* 1 each */
	x = hi | (x - hi * 10) << 8;
	return x + 0x3030303030303030ull;
}

/* Numbers below 100 (most stack ids, flags, errno numbers) from a table. */
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

/* Four digits of v < 10^4, as the bytes of a little-endian word: two
 * pairs from the table (v / 100 = v * 5243 >> 19 in this range). */
static inline __attribute__((always_inline)) uint32_t four_digits(uint32_t v)
{
	uint32_t hi = (v * 5243) >> 19, lo = v - hi * 100, a, b;
	memcpy(&a, two_digits + 2 * hi, 2);
	memcpy(&b, two_digits + 2 * lo, 2);
	return (a & 0xffff) | b << 16;
}

static __attribute__((noinline)) void put_udec_short_of_room(struct jw *w, unsigned long long v)
{
	char tmp[24];
	struct jw t = {tmp, sizeof tmp, 0, 0};
	jw_put_udec(&t, v);
	jw_put(w, tmp, t.len);
}

/* v with no loop: below 10^8 in groups of four digits, above in groups of
 * eight, the first group's leading zeros dropped.  With 24 bytes of room
 * each group is one store of a whole word, past the number's end where it
 * is shorter: the bytes after w->len are not the record's. */
void jw_put_udec(struct jw *w, unsigned long long v)
{
	if (__builtin_expect(w->cap - w->len < 24, 0)) {
		put_udec_short_of_room(w, v);
		return;
	}
	char *p = w->buf + w->len;
	if (v < 100) { /* "7" is the second byte of "07" */
		memcpy(p, two_digits + 2 * v + (v < 10), 2);
		w->len += 1 + (v >= 10);
		return;
	}
	int n = decimal_digits(v);
	w->len += (size_t)n;
	if (n <= 4) {
		uint32_t d = four_digits((uint32_t)v) >> 8 * (4 - n);
		memcpy(p, &d, 4);
		return;
	}
	if (n <= 8) {
		uint32_t hi = (uint32_t)v / 10000;
		uint32_t d = four_digits(hi) >> 8 * (8 - n), e = four_digits((uint32_t)v - hi * 10000);
		memcpy(p, &d, 4);
		memcpy(p + n - 4, &e, 4);
		return;
	}
	uint64_t d;
	if (n > 16) {
		unsigned long long top = v / 10000000000000000ull;
		v %= 10000000000000000ull;
		d = eight_digits((uint32_t)top) >> 8 * (24 - n);
		memcpy(p, &d, 8);
		p += n - 16;
		n = 16;
	}
	d = eight_digits((uint32_t)(v / 100000000)) >> 8 * (16 - n);
	memcpy(p, &d, 8);
	p += n - 8;
	d = eight_digits((uint32_t)(v % 100000000));
	memcpy(p, &d, 8);
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

/* Eight hex digits of v, most significant first, as the bytes of a
 * little-endian word: each nibble spread to a byte of its own (three
 * shifts and masks), then made a digit or a letter, all bytes at once. */
static inline __attribute__((always_inline)) uint64_t eight_hex_digits(uint32_t v)
{
	uint64_t x = v;
	x = (x | x << 16) & 0x0000ffff0000ffffull;
	x = (x | x << 8) & 0x00ff00ff00ff00ffull;
	x = (x | x << 4) & 0x0f0f0f0f0f0f0f0full;
	x = __builtin_bswap64(x);
	uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull; /* nibbles >= 10 */
	return x + 0x3030303030303030ull + letters * ('a' - '0' - 10);
}

void jw_put_hex(struct jw *w, unsigned long long v, int min_digits)
{
	int n = (64 - __builtin_clzll(v | 1) + 3) / 4;
	if (n < min_digits)
		n = min_digits;
	if (__builtin_expect(w->cap - w->len < 24 || n > 16, 0)) {
		jw_put(w, "\"0x", 3);
		put_radix(w, v, 4, min_digits);
		putc1(w, '"');
		return;
	}
	/* With 24 bytes of room, whole words are stored, as in jw_put_udec. */
	char *p = w->buf + w->len;
	uint64_t d;
	memcpy(p, "\"0x", 3);
	p += 3;
	if (n > 8) {
		d = eight_hex_digits((uint32_t)(v >> 32)) >> 8 * (16 - n);
		memcpy(p, &d, 8);
		p += n - 8;
		n = 8;
	}
	d = eight_hex_digits((uint32_t)v) >> 8 * (8 - n);
	memcpy(p, &d, 8);
	p[n] = '"';
	w->len = (size_t)(p + n + 1 - w->buf);
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

size_t jw_finish(struct jw *w)
{
	putc1(w, '\n');
	return w->full ? 0 : w->len;
}
