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
	/* run writes "after" and "processes" last, once the program ended: a
	 * kernel.jsonl without them was cut short (a full disk, run killed),
	 * and the table that shows leaks is missing. */
	for (size_t i = 0; i < r->nfiles; i++)
		if (r->files[i].from_run && m.kernel_before && (!m.kernel_after || !m.run_processes)) {
			reader_mark_incomplete(r, &r->files[i]);
			reader_warn(r, &r->files[i], r->files[i].line,
				    "incomplete: no kernel table after the run or no processes record (written last by "
				    "run: disk full? run killed?)");
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
