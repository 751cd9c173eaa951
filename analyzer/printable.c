/* Strings from traces made safe for a terminal (issue 13 item 9): a
 * control character (C0, DEL, C1) or a byte that is not UTF-8 becomes
 * \xHH, so that no name, path or argv from a trace can move the cursor or
 * erase report lines.  Backslashes are left: trace strings have theirs
 * doubled already (common/bytestext.h), so the result reads as the same
 * text.  Into one of a few rotating buffers: a printf may show several. */
#include "printable.h"

#include <stdio.h>
#include <string.h>

#include "../common/bytestext.h"

const char *printable(const char *text)
{
	static char ring[8][8192];
	static unsigned next;
	char *out = ring[next++ % 8];
	size_t n = 0, cap = sizeof ring[0];
	const unsigned char *u = (const unsigned char *)text;
	for (size_t i = 0; u[i] && n + 9 < cap;) {
		size_t len = utf8_sequence(u + i, strnlen(text + i, 4));
		int c1 = len == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0;
		if (len && u[i] >= 0x20 && u[i] != 0x7f && !c1) {
			memcpy(out + n, text + i, len);
			n += len, i += len;
			continue;
		}
		for (size_t k = 0; k < (len ? len : 1); k++)
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", u[i + k]);
		i += len ? len : 1;
	}
	out[n] = '\0';
	return out;
}
