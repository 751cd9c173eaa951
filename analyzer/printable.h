/* Text safe to print on a terminal: control characters and bytes that are
 * not UTF-8 as \xHH.  The result is valid until a few more calls. */
#ifndef SHMTRACE_PRINTABLE_H
#define SHMTRACE_PRINTABLE_H

const char *printable(const char *text);

#endif
