/* The whole analysis of a run's traces: read every record, feed the model,
 * take its findings.  report, sweep and the fuzz targets use it. */
#include <jansson.h>

#include "model.h"
#include "pictures.h"
#include "reader.h"

struct findings *analyze_reader(struct reader *r, int own_pids_only, struct symbolizer *symbols, struct timeline *tl)
{
	struct model m;
	if (model_init(&m, r, symbols) != 0) {
		model_free(&m);
		return NULL;
	}
	m.own_pids_only = own_pids_only;
	struct trace_file *file;
	struct record rec;
	while (reader_next(r, &rec, &file)) {
		model_feed(&m, &rec, file);
		if (tl)
			timeline_feed(tl, &rec);
		json_decref(rec.json);
	}
	struct findings *found = model_finish(&m);
	model_free(&m);
	return found;
}

struct findings *report_analyze(char *const *paths, int npaths, int own_pids_only, struct symbolizer *symbols)
{
	struct reader r;
	struct findings *found = NULL;
	if (reader_open(&r, paths, npaths) == 0 && (found = analyze_reader(&r, own_pids_only, symbols, NULL)))
		findings_summarize(found, &r, 0);
	reader_close(&r);
	return found;
}
