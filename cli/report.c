/* shmtrace report: read a run's traces offline, follow every segment, and
 * report leaks, unremoved keys, undetached attachments and misuse.  Exit 0
 * when nothing at the --fail-on level was found, 1 when something was, 2
 * for usage errors and unreadable input (jq's main keeps such a small set). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../analyzer/live.h"
#include "../analyzer/model.h"
#include "../analyzer/pictures.h"
#include "../analyzer/printable.h"
#include "../analyzer/reader.h"
#include "../analyzer/render.h"
#include "../analyzer/suppress.h"
#include "../common/bytestext.h"
#include "cli.h"
#include "provenance.h"

enum { REPORT_CLEAN = 0, REPORT_FOUND = 1, REPORT_USAGE = 2 };

const char report_usage[] =
	"Usage: shmtrace report [OPTIONS] [PATH...]\n"
	"Audit the traces of a run (trace directories or files) offline: segments,\n"
	"semaphore sets and message queues created and never removed, POSIX names\n"
	"never unlinked, their keys, attachments never detached, misuse.\n"
	"Without PATH: the newest ./shmtrace.*.* directory, as shmtrace run names them.\n"
	"Segment ids are kept apart per IPC namespace; segments that died with their\n"
	"namespace are not leaks.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT      text (default), json, sarif, html (a page with the\n"
	"                           run on a timeline) or chrome (Trace Event Format)\n"
	"      --fail-on LIST       what makes the exit status 1: a comma list of\n"
	"                           leaks, undetached, misuse, all, none (default: leaks)\n"
	"  -s, --suppressions FILE  ignore findings matched by FILE (leak:, key:,\n"
	"                           undetached:, misuse: lines)\n"
	"      --gen-suppressions   add to each finding the line that would suppress it\n"
	"      --live               check each leak against the kernel's tables now\n"
	"      --debuginfod         fetch missing debug information from the servers\n"
	"                           DEBUGINFOD_URLS names (default: offline, never)\n"
	"  -h, --help               show this help\n"
	"\n"
	"Exit status: 0 nothing found at the --fail-on level, 1 found, 2 usage error,\n"
	"unreadable input, input that holds no trace (no file with a shmtrace\n"
	"header), or nothing found in a trace known to be incomplete (a file cut\n"
	"short or not read) or in a run that left sets or queues no traced call\n"
	"made (not attributed). See docs/report-format.md.\n";

enum { FAIL_LEAKS = 1, FAIL_UNDETACHED = 2, FAIL_MISUSE = 4 };

struct report_options {
	const char *format;
	int fail_on;
	const char *suppressions;
	int gen_suppressions;
	int live;
};

static int parse_fail_on(const char *list, int *mask)
{
	char *copy = strdup(list), *save = NULL;
	*mask = 0;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "leaks") == 0)
			*mask |= FAIL_LEAKS;
		else if (strcmp(w, "undetached") == 0)
			*mask |= FAIL_UNDETACHED;
		else if (strcmp(w, "misuse") == 0)
			*mask |= FAIL_MISUSE;
		else if (strcmp(w, "all") == 0)
			*mask |= FAIL_LEAKS | FAIL_UNDETACHED | FAIL_MISUSE;
		else if (strcmp(w, "none") != 0) {
			errorf("report: --fail-on: unknown '%s' (expected leaks, undetached, misuse, all or none)", w);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

static int parse_options(int argc, char **argv, struct report_options *o)
{
	enum { OPT_FAIL_ON = 256, OPT_GEN, OPT_LIVE, OPT_DEBUGINFOD };
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"suppressions", required_argument, NULL, 's'},
		{"gen-suppressions", no_argument, NULL, OPT_GEN},
		{"live", no_argument, NULL, OPT_LIVE},
		{"debuginfod", no_argument, NULL, OPT_DEBUGINFOD},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	*o = (struct report_options){"text", FAIL_LEAKS, NULL, 0, 0};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->format = optarg;
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "sarif") &&
			    strcmp(optarg, "html") && strcmp(optarg, "chrome")) {
				errorf("report: --format '%s': expected text, json, sarif, html or chrome", optarg);
				return -1;
			}
			break;
		case OPT_FAIL_ON:
			if (parse_fail_on(optarg, &o->fail_on) != 0)
				return -1;
			break;
		case 's':
			o->suppressions = optarg;
			break;
		case OPT_GEN:
			o->gen_suppressions = 1;
			break;
		case OPT_LIVE:
			o->live = 1;
			break;
		case OPT_DEBUGINFOD:
			symbolize_allow_debuginfod(1);
			break;
		case 'h':
			fputs(report_usage, stdout);
			exit(0);
		default:
			errorf("report: option '%s' is unknown or needs a value (see 'shmtrace report --help')",
			       argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

/* The command to remove what is left, only when the kernel confirms it is
 * the run's (live.h), shell-quoted for a person to paste. */
static void live_segment(struct leak_finding *leak, const struct sysv_segment *now, int confirmed, void *ctx)
{
	(void)ctx;
	struct live_now *live = &leak->live;
	*live = (struct live_now){.checked = 1, .present = live_same_segment(leak, now), .of_segment = 1};
	if (now && !live->present) { /* gone; its id reused since (live.h) */
		live->id_reused_by = (struct reused_id){1, now->key, now->size, now->cpid, now->uid};
	} else if (now) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "ipcrm -m %d", now->shmid);
		live->nattch = now->nattch;
		live->cpid = now->cpid;
		live->confirmed = confirmed;
		if (confirmed)
			live->remove = strdup(cmd);
	}
}

static void live_object(struct ipc_leak_finding *leak, const struct sysv_object *now, int present, int confirmed,
			void *ctx)
{
	(void)ctx;
	struct live_now *live = &leak->live;
	*live = (struct live_now){.checked = 1, .present = present};
	if (now && !present) { /* gone; its id reused since */
		live->id_reused_by = (struct reused_id){1, now->key, now->nsems, 0, now->uid};
	} else if (present) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "ipcrm -%c %d", leak->kind == SYSV_SEM ? 's' : 'q', now->id);
		live->confirmed = confirmed;
		if (confirmed)
			live->remove = strdup(cmd);
	}
}

/* The bytes of S as an argument of printf %b that holds only what
 * printable() shows as is -- every other byte (a control, C1 or bidi
 * character, a byte that is not UTF-8) as \0ooo, which bash's and dash's
 * printf %b both decode (dash knows no \xHH), a backslash as \\ -- so
 * that a command printed for a person to paste shows them plainly and
 * names exactly that file.  Returns 0 when S has no such byte (it is then
 * pasted quoted). */
static int printf_b_argument(const char *s, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), at = 0;
	int odd = 0;
	for (size_t i = 0; i < len;) {
		size_t n = printable_char(p + i, len - i);
		char esc[8];
		const char *piece = s + i;
		if (n == 0) {
			snprintf(esc, sizeof esc, "\\0%03o", p[i]);
			piece = esc, n = 1, odd = 1;
		} else if (p[i] == '\\') {
			piece = "\\\\";
		}
		size_t piece_len = piece == s + i ? n : strlen(piece);
		if (at + piece_len < cap)
			memcpy(out + at, piece, piece_len), at += piece_len;
		i += n;
	}
	out[at] = '\0';
	return odd;
}

static void live_name(struct posix_finding *leak, int dirfd, const char *name, int present, int confirmed,
		      void *ctx)
{
	(void)ctx, (void)dirfd;
	struct live_now *live = &leak->live;
	*live = (struct live_now){.checked = 1, .present = present};
	if (present) {
		char path[600], arg[2600], quoted[8000], cmd[8100];
		snprintf(path, sizeof path, "/dev/shm/%s", name);
		if (printf_b_argument(path, arg, sizeof arg))
			/* printf makes the odd bytes; the x keeps a final newline
			 * from the shell's trimming. */
			snprintf(cmd, sizeof cmd, "f=$(printf '%%bx' %s) && rm -- \"${f%%x}\"",
				 shell_quote(arg, quoted, sizeof quoted));
		else
			snprintf(cmd, sizeof cmd, "rm -- %s", shell_quote(path, quoted, sizeof quoted));
		live->confirmed = confirmed;
		if (confirmed)
			live->remove = strdup(cmd);
	}
}

/* A kernel.jsonl another user could have written is testimony: said so,
 * and --live then confirms nothing (provenance.h). */
static void distrust_others_run_files(struct findings *report, const struct reader *r)
{
	for (size_t i = 0; i < r->nfiles; i++) {
		const struct trace_file *f = &r->files[i];
		char why[256];
		if (!f->from_run || run_file_trusted(f->path, f->dev, f->ino, why, sizeof why))
			continue;
		errorf("report: warning: %s: %s: what it says of the run is testimony, not run's record; "
		       "nothing it claims is confirmed as the run's",
		       f->path, why);
		findings_distrust_run(report, f->path);
	}
}

static int found(const struct summary *sum, int mask)
{
	return ((mask & FAIL_LEAKS) && (sum->leaked_segments || sum->posix_names_never_unlinked ||
					sum->leaked_semaphore_sets || sum->leaked_message_queues)) ||
	       ((mask & FAIL_UNDETACHED) && sum->undetached_attachments) || ((mask & FAIL_MISUSE) && sum->misuse);
}

int cmd_report(int argc, char **argv)
{
	struct report_options o;
	if (parse_options(argc, argv, &o) != 0)
		return REPORT_USAGE;
	struct suppressions sup = {0};
	char err[512];
	if (o.suppressions && suppressions_load(&sup, o.suppressions, err, sizeof err) != 0) {
		errorf("report: %s", err);
		suppressions_free(&sup);
		return REPORT_USAGE;
	}
	char here[PATH_MAX];
	char *defaults[] = {here};
	char **paths = argv + optind;
	int npaths = argc - optind;
	if (!npaths) {
		if (newest_trace_here(here, sizeof here) != 0) {
			errorf("report: no trace to read: give a trace directory or file, or run this where "
			       "'shmtrace run' left one (see 'shmtrace report --help')");
			suppressions_free(&sup);
			return REPORT_USAGE;
		}
		errorf("report: reading %s, the newest trace directory here", here);
		paths = defaults, npaths = 1;
	}
	struct reader r;
	int status = REPORT_USAGE;
	struct symbolizer symbols = {0};
	struct timeline tl;
	int picture = strcmp(o.format, "html") == 0 || strcmp(o.format, "chrome") == 0;
	timeline_init(&tl, strcmp(o.format, "chrome") == 0);
	if (reader_open(&r, paths, npaths) != 0)
		goto out;
	if (r.nfiles == 0) {
		errorf("report: no trace files to read");
		goto out;
	}
	struct findings *report = analyze_reader(&r, 0, &symbols, picture ? &tl : NULL);
	timeline_finish(&tl);
	if (!report) {
		errorf("report: out of memory");
		goto out;
	}
	/* Absence of evidence is not a clean bill: input without a single
	 * shmtrace header (empty files, garbage) is no trace at all. */
	if (r.traces == 0) {
		errorf("report: no trace in the input: %zu file(s) read, none with a shmtrace header", r.nfiles);
		findings_free(report);
		goto out;
	}
	distrust_others_run_files(report, &r);
	long suppressed = suppress_findings(report, o.suppressions ? &sup : NULL, o.gen_suppressions);
	if (o.live)
		live_visit(report, &(struct live_visitor){live_segment, live_name, live_object, NULL});
	findings_summarize(report, &r, suppressed);
	int written = strcmp(o.format, "json") == 0	  ? render_json(stdout, report)
		      : strcmp(o.format, "sarif") == 0  ? render_sarif(stdout, report)
		      : strcmp(o.format, "html") == 0   ? render_html_report(stdout, &tl, &symbols, report)
		      : strcmp(o.format, "chrome") == 0 ? render_chrome(stdout, &tl, &symbols)
							: render_text(stdout, report);
	status = found(&report->summary, o.fail_on) ? REPORT_FOUND : REPORT_CLEAN;
	/* Evidence known to be incomplete (a file cut short, marked by its
	 * writer, or not read) gets no clean bill: what is missing may be the
	 * leak.  What was found stays found (1). */
	if (status == REPORT_CLEAN && r.incomplete_files) {
		errorf("report: nothing found, but %ld file(s) of the trace are incomplete or were not read: exit "
		       "status %d, not a clean bill",
		       r.incomplete_files, REPORT_USAGE);
		status = REPORT_USAGE;
	}
	if (status == REPORT_CLEAN && report->summary.unattributed) {
		errorf("report: nothing found, but %lld set(s) or queue(s) made during the run without a traced call "
		       "cannot be told to be this run's or another process's of its user: exit status %d, not a clean bill",
		       report->summary.unattributed, REPORT_USAGE);
		status = REPORT_USAGE;
	}
	findings_free(report);
	if (written != 0 || fflush(stdout) != 0) {
		errorf("report: cannot write the report: %m");
		status = REPORT_USAGE;
	}
out:
	timeline_free(&tl);
	symbolizer_free(&symbols);
	reader_close(&r);
	suppressions_free(&sup);
	return status;
}
