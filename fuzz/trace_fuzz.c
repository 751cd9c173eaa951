/* libFuzzer target: any bytes as a trace file, through the whole report
 * (reader, scanner, jansson, model, summary, the three renderers).  It must never crash, hang
 * or leak; bad input is only ever a warning. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analyzer/model.h"
#include "../analyzer/render.h"
#include "../analyzer/symbolize.h"

static char dir[64], file[128];
static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/shmtrace-fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof file, "%s/shmtrace.1.jsonl", dir);
		if (!(sink = fopen("/dev/null", "w")))
			abort();
	}
	FILE *f = fopen(file, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	struct symbolizer symbols = {0};
	char *paths[] = {dir};
	struct findings *report = report_analyze(paths, 1, 0, &symbols);
	if (report) {
		render_json(sink, report);
		render_text(sink, report);
		render_sarif(sink, report);
	}
	findings_free(report);
	symbolizer_free(&symbols);
	return 0;
}
