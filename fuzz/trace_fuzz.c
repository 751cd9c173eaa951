/* libFuzzer target: any bytes as a trace file, through the whole report
 * (reader, scanner, jansson, model, summary, the three renderers), and
 * through the pictures' timeline and its html and chrome outputs.  It must
 * never crash, hang or leak; bad input is only ever a warning. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analyzer/model.h"
#include "../analyzer/pictures.h"
#include "../analyzer/render.h"
#include "../analyzer/symbolize.h"

static char dir[64], file[128];
static FILE *sink;

/* The file's records on a timeline, drawn both ways into /dev/null. */
static void pictures(char **paths, struct symbolizer *symbols)
{
	struct reader r;
	struct timeline t;
	timeline_init(&t, 1);
	if (reader_open(&r, paths, 1) == 0) {
		struct trace_file *from;
		struct record rec;
		while (reader_next(&r, &rec, &from)) {
			timeline_feed(&t, &rec);
			json_decref(rec.json);
		}
		timeline_finish(&t);
		FILE *null = fopen("/dev/null", "w");
		if (!null)
			abort();
		render_chrome(null, &t, symbols);
		render_html(null, &t, symbols, "{}");
		fclose(null);
	}
	reader_close(&r);
	timeline_free(&t);
}

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
	pictures(paths, &symbols);
	symbolizer_free(&symbols);
	return 0;
}
