/* The run drawn in time: report --format html (a self-contained page) and
 * --format chrome (the Trace Event Format of Perfetto and chrome://tracing).
 * docs/report-format.md describes both. */
#ifndef SHMTRACE_PICTURES_H
#define SHMTRACE_PICTURES_H

#include <stdio.h>
#include <jansson.h>

#include "findings.h"
#include "symbolize.h"
#include "timeline.h"

/* FINDINGS_JSON: the document report --format json prints, shown on the
 * page.  Each returns 0, or -1 if writing failed. */
int render_html(FILE *out, struct timeline *t, struct symbolizer *symbols, const char *findings_json);
/* The page, with the findings of REPORT as --format json prints them. */
int render_html_report(FILE *out, struct timeline *t, struct symbolizer *symbols, const struct findings *report);
int render_chrome(FILE *out, struct timeline *t, struct symbolizer *symbols);

#endif
