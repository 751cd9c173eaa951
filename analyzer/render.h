/* The report's outputs.  The model builds one JSON object (the --format
 * json schema, docs/report-format.md); the text and SARIF outputs are
 * views of it. */
#ifndef SHMTRACE_RENDER_H
#define SHMTRACE_RENDER_H

#include <jansson.h>
#include <stdio.h>

/* Each returns 0, or -1 if writing failed. */
int render_json(FILE *out, const json_t *report);
int render_text(FILE *out, const json_t *report);
int render_sarif(FILE *out, const json_t *report);

/* PATH relative to the working directory when it lies below it. */
const char *relative_path(const char *path);

#endif
