#include "symbolize.h"

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/bytestext.h"
#include "stacks.h"

struct dw_module {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	const char *path;
};

struct cached_symbol {
	struct symbol sym;
	const char *module;
	uint64_t offset;
	struct cached_symbol *next;
};

static int online; /* --debuginfod: libdw's standard search, debuginfod included */

void symbolize_allow_debuginfod(int yes)
{
	online = yes;
}

/* A module path comes from a trace, which anyone may have written: libdw
 * is handed a descriptor of a regular file, never a path to open.  Even
 * an open that returns at once does harm: opening a FIFO releases a writer
 * blocked in its own open (another user learns when the report ran), and
 * opening a device runs its driver (/dev/ptmx allocates a terminal, a
 * watchdog starts counting).  So the path is first opened O_PATH, which
 * opens nothing (no driver, no FIFO; not even an automount of the last
 * component), its type checked on that descriptor, and only a regular file
 * is opened for reading, through /proc/self/fd: the very inode checked,
 * not the path looked up again (which another user could have changed in
 * between).  Without /proc nothing is opened.  A symbolic link is followed:
 * libraries are loaded by their soname links (libfoo.so.1 -> libfoo.so.1.2),
 * and the trace names the link; what it leads to must be a regular file
 * all the same (docs/security.md). */
static int open_regular(const char *path)
{
	struct stat st;
	char self[64];
	int at = open(path, O_PATH | O_CLOEXEC);
	if (at < 0)
		return -1;
	int fd = -1;
	if (fstat(at, &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(self, sizeof self, "/proc/self/fd/%d", at);
		fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	}
	close(at);
	return fd;
}

static int same_build_id(int fd, const void *id, int len)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *other;
	ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &other) : -1;
	int same = n == len && memcmp(id, other, (size_t)len) == 0;
	elf_end(elf);
	return same;
}

/* The separate debug file, where libdw's standard search looks (the
 * build-id tree, then .gnu_debuglink beside the module, in .debug/ and
 * under /usr/lib/debug), but only regular files, and offline: debuginfod
 * (DEBUGINFOD_URLS, which distributions set for users) only with
 * --debuginfod, when nothing local was found. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
			  const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			  char **debuginfo_file_name)
{
	const unsigned char *id;
	GElf_Addr vaddr;
	int idlen = dwfl_module_build_id(mod, &id, &vaddr);
	char path[PATH_MAX], dir[PATH_MAX];
	int fd = -1;
	if (idlen > 1) {
		int at = snprintf(path, sizeof path, "/usr/lib/debug/.build-id/%02x/", id[0]);
		for (int i = 1; i < idlen && at < (int)sizeof path - 8; i++)
			at += snprintf(path + at, sizeof path - (size_t)at, "%02x", id[i]);
		snprintf(path + at, sizeof path - (size_t)at, ".debug");
		fd = open_regular(path);
	}
	if (fd < 0 && debuglink_file && file_name && !strchr(debuglink_file, '/')) {
		snprintf(dir, sizeof dir, "%s", file_name);
		const char *d = dirname(dir);
		const char *before[] = {"", "", "/usr/lib/debug"}, *after[] = {"/", "/.debug/", "/"};
		for (size_t i = 0; fd < 0 && i < 3; i++) {
			snprintf(path, sizeof path, "%s%s%s%s", before[i], d, after[i], debuglink_file);
			if (strcmp(path, file_name) != 0 && (fd = open_regular(path)) >= 0 && idlen > 0 &&
			    !same_build_id(fd, id, idlen)) {
				close(fd);
				fd = -1;
			}
		}
	}
	if (fd >= 0) {
		*debuginfo_file_name = strdup(path);
		return fd;
	}
	return online ? dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
						     debuglink_crc, debuginfo_file_name)
		      : -1;
}

static char *debuginfo_path;

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* Each module alone in its own Dwfl: its ELF addresses are then simply
 * offset + bias, whatever other modules the process had. */
static struct dw_module *open_module(struct symbolizer *s, const char *path)
{
	struct dw_module *m = map_get(&s->modules, (uintptr_t)path);
	if (m)
		return m->mod ? m : NULL;
	m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->path = path;
	map_put(&s->modules, (uintptr_t)path, m);
	char bytes[4200]; /* the path is text for its bytes (common/bytestext.h) */
	int fd = text_to_bytes(path, bytes, sizeof bytes) < 0 ? -1 : open_regular(bytes);
	m->dwfl = fd >= 0 ? dwfl_begin(&offline_callbacks) : NULL;
	if (!m->dwfl) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	m->mod = dwfl_report_offline(m->dwfl, bytes, bytes, fd); /* libdw owns fd now */
	dwfl_report_end(m->dwfl, NULL, NULL);
	if (!m->mod || !dwfl_module_getelf(m->mod, &m->bias)) {
		m->mod = NULL;
		return NULL;
	}
	return m;
}

static struct symbol lookup(struct dw_module *m, uint64_t offset)
{
	struct symbol sym = {0};
	Dwarf_Addr addr = m->bias + offset - 1;
	const char *name = dwfl_module_addrname(m->mod, addr);
	/* "__libc_start_main@@GLIBC_2.34": the symbol version is not part of the name. */
	sym.function = name ? strndup(name, strcspn(name, "@")) : NULL;
	Dwfl_Line *line = dwfl_module_getsrc(m->mod, addr);
	int lineno = 0;
	const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (file && lineno > 0) {
		/* DWARF names a file relative to its compilation directory
		 * (when that is absolute: distributions build in "."). */
		const char *dir = file[0] == '/' ? NULL : dwfl_line_comp_dir(line);
		if (dir && dir[0] != '/')
			dir = NULL;
		if (!dir || asprintf((char **)&sym.file, "%s/%s", dir, file) < 0)
			sym.file = strdup(file);
		sym.line = lineno;
	}
	return sym;
}

const struct symbol *symbolize(struct symbolizer *s, const char *module, uint64_t offset)
{
	static const struct symbol unknown;
	/* Keyed by a copy of its own: sweep reads run after run with one
	 * symbolizer, each reader's interned paths freed with it, and an
	 * address reused for another path found the first path's module (a
	 * run's failed call shown without its function, now and then). */
	if (!module || offset == 0 || !(module = intern_path(&s->paths, module)))
		return &unknown;
	uint64_t h = ((uintptr_t)module * 0x9e3779b97f4a7c15ull) ^ offset;
	struct cached_symbol *first = map_get(&s->cache, h);
	for (struct cached_symbol *c = first; c; c = c->next)
		if (c->module == module && c->offset == offset)
			return &c->sym;
	struct cached_symbol *c = calloc(1, sizeof *c);
	if (!c)
		return &unknown;
	struct dw_module *m = open_module(s, module);
	if (m)
		c->sym = lookup(m, offset);
	c->module = module;
	c->offset = offset;
	c->next = first;
	map_put(&s->cache, h, c);
	return &c->sym;
}

void symbolizer_free(struct symbolizer *s)
{
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&s->cache, &i, &key, &value);)
		for (struct cached_symbol *c = value, *next; c; c = next) {
			next = c->next;
			free((char *)c->sym.function);
			free((char *)c->sym.file);
			free(c);
		}
	for (size_t i = 0; map_next(&s->modules, &i, &key, &value);) {
		struct dw_module *m = value;
		if (m->dwfl)
			dwfl_end(m->dwfl);
		free(m);
	}
	for (size_t i = 0; map_next(&s->paths, &i, &key, &value);)
		free(value);
	map_free(&s->cache);
	map_free(&s->modules);
	map_free(&s->paths);
}

struct backtrace symbolize_backtrace(struct symbolizer *s, const struct stack *st)
{
	struct backtrace b = {0};
	if (!st || st->nframes <= 0)
		return b;
	b.at = findings_alloc((size_t)st->nframes * sizeof *b.at);
	for (int i = 0; i < st->nframes; i++) {
		const struct frame *f = &st->frames[i];
		const struct symbol *sym = symbolize(s, f->module, f->offset);
		b.at[b.n++] = (struct symframe){f->ip, findings_strdup(f->module), f->module ? f->offset : 0,
						findings_strdup(sym->function), findings_strdup(sym->file),
						sym->file ? sym->line : 0};
	}
	return b;
}
