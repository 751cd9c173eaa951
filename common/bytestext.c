#include "bytestext.h"

size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
	if (n == 0 || s[0] < 0x80)
		return n ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0; /* overlong */
		if (s[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90; /* overlong */
		if (s[0] == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int hex_number(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x')
		return -1;
	for (size_t i = 2; i < n; i++) {
		int d = hex_digit(s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

long text_to_bytes(const char *text, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = text; *p; p++) {
		char b = *p;
		if (b == '\\') {
			if (p[1] == '\\') {
				p++;
			} else if (p[1] == 'x' && hex_digit(p[2]) >= 0 && hex_digit(p[3]) >= 0) {
				b = (char)(hex_digit(p[2]) << 4 | hex_digit(p[3]));
				p += 3;
			} else {
				return -1;
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = b;
	}
	if (cap == 0)
		return -1;
	out[n] = '\0';
	return (long)n;
}
