/* The timeline as compact JSON, the data of the HTML page. */
#ifndef SHMTRACE_TIMELINE_JSON_H
#define SHMTRACE_TIMELINE_JSON_H

#include <jansson.h>

#include "symbolize.h"
#include "timeline.h"

/* Symbolizes the timeline's backtraces (adding their names to its strings). */
json_t *timeline_json(struct timeline *t, struct symbolizer *symbols);

#endif
