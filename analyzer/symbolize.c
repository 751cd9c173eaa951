#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static char *debuginfo_path;

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo, /* .gnu_debuglink, /usr/lib/debug/.build-id */
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
	m->dwfl = dwfl_begin(&offline_callbacks);
	if (!m->dwfl)
		return NULL;
	char bytes[4200]; /* the path is text for its bytes (common/bytestext.h) */
	if (text_to_bytes(path, bytes, sizeof bytes) < 0)
		return NULL;
	m->mod = dwfl_report_offline(m->dwfl, bytes, bytes, -1);
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
	if (!module || offset == 0)
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
	map_free(&s->cache);
	map_free(&s->modules);
}

static json_t *hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

json_t *symbolize_stack(struct symbolizer *s, const struct stack *st)
{
	json_t *frames = json_array();
	for (int i = 0; st && i < st->nframes; i++) {
		const struct frame *f = &st->frames[i];
		const struct symbol *sym = symbolize(s, f->module, f->offset);
		json_array_append_new(frames, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
			"ip", hex(f->ip),
			"module", f->module ? json_string(f->module) : json_null(),
			"offset", f->module ? hex(f->offset) : json_null(),
			"function", sym->function ? json_string(sym->function) : json_null(),
			"file", sym->file ? json_string(sym->file) : json_null(),
			"line", sym->file ? json_integer(sym->line) : json_null()));
	}
	return frames;
}
