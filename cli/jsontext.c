/* jsontext.h. */
#include "jsontext.h"

#include <string.h>

#include "../common/bytestext.h"

void put_text(FILE *f, const char *name)
{
	const unsigned char *u = (const unsigned char *)name;
	size_t len = strlen(name);
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		size_t seq = u[i] < 0x80 ? 1 : utf8_sequence(u + i, len - i);
		if (!seq)
			fprintf(f, "\\\\x%02x", u[i++]);
		else if (u[i] == '"' || u[i] == '\\')
			fprintf(f, "%s", u[i++] == '"' ? "\\\"" : "\\\\\\\\");
		else if (u[i] < 0x20)
			fprintf(f, "\\u%04x", u[i++]);
		else
			fwrite(u + i, 1, seq, f), i += seq;
	}
	fputc('"', f);
}
