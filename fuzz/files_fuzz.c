/* libFuzzer target: the report's file handling, not only its line parser.
 * The input describes a trace directory as someone may have planted it —
 * regular files, FIFOs, symlinks to /dev/zero and to each other,
 * directories named *.jsonl, a kernel.jsonl, lines far past any record,
 * stack frames naming a FIFO as their module — and the whole report reads
 * it, the directory and some entries named one by one.  It must never
 * crash, hang (libFuzzer's -timeout), leak, or read what is not a regular
 * file.
 *
 * Input: entries, each [kind][length, 2 bytes little-endian][content],
 * until the input ends; at most MAX_ENTRIES.  kind % 8 picks what the entry
 * is; its top bit names it on the command line too. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../analyzer/model.h"
#include "../analyzer/reader.h"
#include "../analyzer/symbolize.h"

#define MAX_ENTRIES 12
/* A module path the seeds' stack records name: a FIFO, as a trace may. */
#define MODULE_FIFO "/tmp/shmtrace-files-fuzz.fifo"

enum kind { REGULAR, FIFO, TO_DEV_ZERO, TO_ENTRY, HUGE_LINE, DIRECTORY, KERNEL, DANGLING };

static char dir[64];

static void empty_dir(void)
{
	char path[128];
	for (int i = 0; i < MAX_ENTRIES; i++) {
		snprintf(path, sizeof path, "%s/shmtrace.%d.jsonl", dir, i);
		if (unlink(path) != 0 && errno == EISDIR)
			rmdir(path);
		rmdir(path);
	}
	snprintf(path, sizeof path, "%s/kernel.jsonl", dir);
	unlink(path);
}

static void write_file(const char *path, const uint8_t *data, size_t len, size_t huge)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, len / 2, f);
	/* A line past the reader's bound: never held whole, never a record. */
	for (size_t i = 0; i < huge; i++)
		putc('x', f);
	if (huge)
		putc('\n', f);
	fwrite(data + len / 2, 1, len - len / 2, f);
	if (fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/shmtrace-files-fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		unlink(MODULE_FIFO);
		if (mkfifo(MODULE_FIFO, 0600) != 0)
			abort();
	}
	empty_dir();
	char *paths[MAX_ENTRIES + 1], names[MAX_ENTRIES][128];
	int npaths = 0, n = 0;
	paths[npaths++] = dir;
	for (size_t at = 0; at + 3 <= size && n < MAX_ENTRIES; n++) {
		enum kind kind = (enum kind)(data[at] % 8);
		int named = data[at] & 0x80; /* also given by path, not only found in the directory */
		size_t len = data[at + 1] | (size_t)data[at + 2] << 8;
		at += 3;
		if (len > size - at)
			len = size - at;
		char *path = names[n];
		snprintf(path, sizeof names[n], kind == KERNEL ? "%s/kernel.jsonl" : "%s/shmtrace.%d.jsonl", dir, n);
		switch (kind) {
		case REGULAR:
		case KERNEL:
			write_file(path, data + at, len, 0);
			break;
		case HUGE_LINE: /* now and then a line past the bound (slow), else a long one */
			write_file(path, data + at, len, len % 32 == 0 ? READER_MAX_LINE + 1 : 70000);
			break;
		case FIFO:
			mkfifo(path, 0600);
			break;
		case TO_DEV_ZERO:
			symlink("/dev/zero", path);
			break;
		case TO_ENTRY: {
			char target[128];
			snprintf(target, sizeof target, "shmtrace.%d.jsonl", (int)(len % MAX_ENTRIES));
			symlink(target, path);
			break;
		}
		case DIRECTORY:
			mkdir(path, 0700);
			break;
		case DANGLING:
			symlink(MODULE_FIFO, path);
			break;
		}
		at += len;
		if (named)
			paths[npaths++] = path;
	}
	struct symbolizer symbols = {0};
	findings_free(report_analyze(paths, npaths, 0, &symbols));
	symbolizer_free(&symbols);
	return 0;
}
