/* Text safe to print on a terminal: control characters (C0, DEL, C1),
 * bidirectional controls and bytes that are not UTF-8 as \xHH.  The result
 * is valid until a few more calls. */
#ifndef SHMTRACE_PRINTABLE_H
#define SHMTRACE_PRINTABLE_H

#include <stddef.h>

const char *printable(const char *text);

/* The length of the character at U (N bytes left) when it may reach a
 * terminal as it is; 0 when it must be escaped. */
size_t printable_char(const unsigned char *u, size_t n);

#endif
