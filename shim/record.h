/* The writer of call records, generated from common/call_table.h: one
 * straight-line function per call, whose keys and punctuation are constant
 * bytes.  No shim state (only a per-thread copy of its pid and tid bytes),
 * so tests link it with the real reader. */
#ifndef SHMTRACE_RECORD_H
#define SHMTRACE_RECORD_H

#include "../common/call_record.h"
#include "jsonw.h"

/* Bytes kept after a K_TEXT argument for the rest of the record: the other
 * arguments, the result, the injected rule, and a stack (an interned one;
 * an inline one is cut to what is left). */
#define RECORD_TAIL (256 * 6 + 512)

/* The record of call ID from its opening brace to the field before
 * "stack"; the caller adds the stack and closes it. */
void record_write(struct jw *w, enum call_id id, const struct call_args *a);

#endif
