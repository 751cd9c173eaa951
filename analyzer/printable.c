/* Strings from traces made safe for a terminal (issue 13 item 9): a
 * control character (C0, DEL, C1), a bidirectional control, or a byte that
 * is not UTF-8 becomes \xHH, so that no name, path or argv from a trace can
 * move the cursor, erase report lines or show its text in another order.
 * Backslashes are left: trace strings have theirs doubled already
 * (common/bytestext.h), so the result reads as the same text.  Into one of
 * a few rotating buffers: a printf may show several. */
#include "printable.h"

#include <stdio.h>
#include <string.h>

#include "../common/bytestext.h"

/* The bidirectional formatting characters (Unicode's UAX #9): embeddings
 * and overrides U+202A-U+202E, isolates U+2066-U+2069, and the marks
 * U+200E, U+200F, U+061C.  They reorder what a terminal shows (the
 * "Trojan Source" attack, CVE-2021-42574): "abc<U+202E>fed" reads "abcdef". */
static int bidi_control(const unsigned char *u, size_t len)
{
	if (len == 2)
		return u[0] == 0xd8 && u[1] == 0x9c;
	if (len != 3 || u[0] != 0xe2)
		return 0;
	return (u[1] == 0x80 && ((u[2] >= 0xaa && u[2] <= 0xae) || u[2] == 0x8e || u[2] == 0x8f)) ||
	       (u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9);
}

size_t printable_char(const unsigned char *u, size_t n)
{
	size_t len = utf8_sequence(u, n < 4 ? n : 4);
	int c1 = len == 2 && u[0] == 0xc2 && u[1] < 0xa0;
	if (!len || u[0] < 0x20 || u[0] == 0x7f || c1 || bidi_control(u, len))
		return 0;
	return len;
}

const char *printable(const char *text)
{
	static char ring[8][8192];
	static unsigned next;
	char *out = ring[next++ % 8];
	size_t n = 0, cap = sizeof ring[0];
	const unsigned char *u = (const unsigned char *)text;
	for (size_t i = 0; u[i] && n + 13 < cap;) {
		size_t len = printable_char(u + i, strnlen(text + i, 4));
		if (len) {
			memcpy(out + n, text + i, len);
			n += len, i += len;
			continue;
		}
		/* The whole sequence, when it is one (a C1 or bidi control). */
		size_t seq = utf8_sequence(u + i, strnlen(text + i, 4));
		for (size_t k = 0; k < (seq ? seq : 1); k++)
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", u[i + k]);
		i += seq ? seq : 1;
	}
	out[n] = '\0';
	return out;
}
