/* Names as run writes them into kernel.jsonl (jsontext.c). */
#ifndef SHMTRACE_JSONTEXT_H
#define SHMTRACE_JSONTEXT_H

#include <stdio.h>

/* NAME, bytes, as text (common/bytestext.h) in a JSON string. */
void put_text(FILE *f, const char *name);

#endif
