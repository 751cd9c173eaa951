/* Bytes as text: how the trace carries names, paths and argv, which are
 * bytes to the kernel and need not be UTF-8, in JSON strings, which must be.
 *
 * The text of a byte string is the string itself where it is valid UTF-8,
 * with each byte that is not part of a valid UTF-8 sequence written as the
 * four characters \xHH (lower-case hex) and each backslash as \\, so that
 * every byte string has exactly one text and the text gives the bytes back
 * (strace -x writes bytes the same way).  JSON then escapes the text as
 * usual: byte 0xFF in a name is "\\xff" in the trace file.
 * docs/trace-format.md, "Strings". */
#ifndef SHMTRACE_BYTESTEXT_H
#define SHMTRACE_BYTESTEXT_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF) that starts s, of at most n bytes; 0
 * if there is none. */
size_t utf8_sequence(const unsigned char *s, size_t n);

/* The bytes a text stands for, NUL-terminated in out (cap bytes): returns
 * their number, or -1 if they do not fit or the text is not one we write
 * (a lone backslash, a bad \x escape). */
long text_to_bytes(const char *text, char *out, size_t cap);

/* The trace's hex, in \xHH and in numbers: a lower-case digit's value, or -1. */
int hex_digit(char c);

/* A number as the trace writes it, "0x" and 1 to 16 lower-case hex digits,
 * the whole of the N bytes at S: 0 and *out, or -1.  (One parser for the
 * library's numbers: call records, stacks.) */
int hex_number(const char *s, size_t n, unsigned long long *out);

#endif
