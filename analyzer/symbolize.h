/* Offline symbolization with elfutils' libdw: module path + offset to
 * function and file:line, where the module (or its separate debug file)
 * has the information.  Results are cached per (module, offset). */
#ifndef SHMTRACE_SYMBOLIZE_H
#define SHMTRACE_SYMBOLIZE_H

#include <stdint.h>

#include "findings.h"
#include "map.h"

struct symbol {
	const char *function; /* NULL if unknown */
	const char *file;     /* NULL if no line information */
	int line;
};

struct symbolizer {
	struct map paths;   /* the symbolizer's own copy of each module path */
	struct map modules; /* that copy -> struct dw_module */
	struct map cache;   /* hash(module, offset) -> struct symbol */
};

/* OFFSET is the frame's offset as recorded: a return address, so the
 * calling instruction is looked up (offset - 1). */
const struct symbol *symbolize(struct symbolizer *s, const char *module, uint64_t offset);
void symbolizer_free(struct symbolizer *s);
/* --debuginfod: let libdw fetch what is not found locally from the servers
 * DEBUGINFOD_URLS names.  Off by default: the report is offline. */
void symbolize_allow_debuginfod(int yes);

struct stack;
/* The stack as the report shows it (findings.h), innermost first; empty
 * for NULL.  backtrace_free() it. */
struct backtrace symbolize_backtrace(struct symbolizer *s, const struct stack *st);

#endif
