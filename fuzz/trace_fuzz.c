/* libFuzzer target: any bytes as a trace file, through the whole report
 * (reader, scanner, jansson, model, summary).  It must never crash, hang
 * or leak; bad input is only ever a warning. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analyzer/model.h"
#include "../analyzer/symbolize.h"

static char dir[64], file[128];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/shmtrace-fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof file, "%s/shmtrace.1.jsonl", dir);
	}
	FILE *f = fopen(file, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	struct symbolizer symbols = {0};
	char *paths[] = {dir};
	json_t *report = report_analyze(paths, 1, 0, &symbols);
	json_decref(report);
	symbolizer_free(&symbols);
	return 0;
}
