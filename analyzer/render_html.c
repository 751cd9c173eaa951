/* report --format html: one self-contained page.  The template, its style
 * and its script are analyzer/html/page.{html,css,js}, built into the
 * program (scripts/embed); the run comes in as two JSON documents -- the
 * timeline (timeline_json.c) and the report --format json prints -- which
 * the script draws.  Nothing from the trace is ever written as HTML: it
 * is data inside <script type="application/json">, with every <, > and &
 * escaped as \u003c, \u003e, \u0026 (a name may hold "</script>" or
 * "<!--"), and the script puts it on the page as text only. */
#include <stdlib.h>
#include <string.h>

#include "pictures.h"
#include "render.h"
#include "timeline_json.h"

extern const char page_html[], page_css[], page_js[];

/* JSON text made safe inside a script element: the three characters can
 * occur only inside strings, where \uXXXX means the same. */
static int put_script_json(FILE *out, const char *json)
{
	for (const char *p = json; *p; p++) {
		const char *esc = *p == '<' ? "\\u003c" : *p == '>' ? "\\u003e" : *p == '&' ? "\\u0026" : NULL;
		if (esc ? fputs(esc, out) < 0 : putc(*p, out) == EOF)
			return -1;
	}
	return 0;
}

static int put_data(FILE *out, const char *id, const char *json)
{
	if (fprintf(out, "<script type=\"application/json\" id=\"%s\">", id) < 0 || put_script_json(out, json) ||
	    fputs("</script>\n", out) < 0)
		return -1;
	return 0;
}

int render_html(FILE *out, struct timeline *t, struct symbolizer *symbols, const char *findings_json)
{
	json_t *data = timeline_json(t, symbols);
	char *timeline = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	if (!timeline)
		return -1;
	/* The template's placeholders, each alone on its line. */
	int failed = 0;
	for (const char *line = page_html; *line && !failed;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
		if (strncmp(line, "@STYLE@\n", len) == 0)
			failed = fputs(page_css, out) < 0;
		else if (strncmp(line, "@SCRIPT@\n", len) == 0)
			failed = fputs(page_js, out) < 0;
		else if (strncmp(line, "@DATA@\n", len) == 0)
			failed = put_data(out, "timeline-data", timeline) || put_data(out, "findings-data", findings_json);
		else
			failed = fwrite(line, 1, len, out) != len;
		line += len;
	}
	free(timeline);
	return failed ? -1 : 0;
}

int render_html_report(FILE *out, struct timeline *t, struct symbolizer *symbols, const struct findings *report)
{
	char *findings = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&findings, &len);
	int failed = !mem || render_json(mem, report) != 0;
	if (mem && fclose(mem) != 0)
		failed = 1;
	failed = failed || render_html(out, t, symbols, findings) != 0;
	free(findings);
	return failed ? -1 : 0;
}
