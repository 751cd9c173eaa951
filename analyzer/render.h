/* The report's outputs: renderers of the findings (findings.h).  JSON is
 * the documented schema (docs/report-format.md); text is for people; SARIF
 * for code-scanning views. */
#ifndef SHMTRACE_RENDER_H
#define SHMTRACE_RENDER_H

#include <jansson.h>
#include <stdio.h>

#include "findings.h"

/* Each returns 0, or -1 if writing failed. */
int render_json(FILE *out, const struct findings *f);
int render_text(FILE *out, const struct findings *f);
int render_sarif(FILE *out, const struct findings *f);

/* The --format json document, and pieces of it that sweep's output shares. */
json_t *findings_json(const struct findings *f);
json_t *backtrace_json(const struct backtrace *b);
json_t *summary_calls_json(const struct summary *s);
/* DOC indented as the report prints it, and a newline. */
int write_json(FILE *out, const json_t *doc);

/* PATH relative to the working directory when it lies below it. */
const char *relative_path(const char *path);

#endif
