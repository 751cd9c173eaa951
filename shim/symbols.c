/* The function around an address, for caller= rules: dladdr() knows only
 * exported symbols, and most of a program's functions are not exported, so
 * we read the module's own symbol table (.symtab, else .dynsym) from its
 * file, mapped read-only once.  Lock-free: a slot is claimed with a CAS, and
 * a thread that finds one being filled falls back to dladdr for that call.
 * Used only when a caller= rule exists. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

#define MODULES 64

struct symtab {
	const char *path; /* the link_map's name: stable while loaded */
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strs;
	size_t strs_size;
};

static _Atomic(struct symtab *) cache[MODULES];
static struct symtab tables[MODULES]; /* slot i of cache points here when filled */
static char exe[PATH_MAX];

static int load(struct symtab *t, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		close(fd);
		return -1;
	}
	const unsigned char *file = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (file == MAP_FAILED)
		return -1;
	const Elf64_Ehdr *eh = (const void *)file;
	size_t size = (size_t)st.st_size;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
		goto bad;
	const Elf64_Shdr *sh = (const void *)(file + eh->e_shoff);
	for (int want = SHT_SYMTAB; want; want = want == SHT_SYMTAB ? SHT_DYNSYM : 0)
		for (int i = 0; i < eh->e_shnum; i++) {
			if (sh[i].sh_type != (Elf64_Word)want || sh[i].sh_link >= eh->e_shnum)
				continue;
			const Elf64_Shdr *str = &sh[sh[i].sh_link];
			if (sh[i].sh_offset + sh[i].sh_size > size || str->sh_offset + str->sh_size > size)
				continue;
			t->syms = (const void *)(file + sh[i].sh_offset);
			t->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
			t->strs = (const char *)file + str->sh_offset;
			t->strs_size = str->sh_size;
			t->path = path;
			return 0;
		}
bad:
	munmap((void *)file, size);
	return -1;
}

static struct symtab *table_for(const char *path)
{
	static struct symtab loading; /* a slot being filled by another thread */
	for (int i = 0; i < MODULES; i++) {
		struct symtab *t = atomic_load(&cache[i]);
		if (t == &loading)
			return NULL; /* this once, make do with dladdr */
		if (t && t->path == path)
			return t->nsyms ? t : NULL;
		if (t)
			continue;
		struct symtab *expected = NULL;
		if (!atomic_compare_exchange_strong(&cache[i], &expected, &loading)) {
			i--; /* taken meanwhile: look at it again */
			continue;
		}
		if (load(&tables[i], path) != 0)
			tables[i] = (struct symtab){.path = path}; /* remembered as having none */
		atomic_store(&cache[i], &tables[i]);
		return tables[i].nsyms ? &tables[i] : NULL;
	}
	return NULL;
}

/* The name of the function containing IP (a return address), or NULL. */
const char *function_at(void *ip)
{
	Dl_info info;
	struct link_map *lm = NULL;
	if (!dladdr1(ip, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm)
		return NULL;
	const char *path = lm->l_name;
	if (!path[0]) {
		if (!exe[0] && readlink("/proc/self/exe", exe, sizeof exe - 1) < 0)
			return info.dli_sname;
		path = exe;
	}
	struct symtab *t = table_for(path);
	if (!t)
		return info.dli_sname;
	uintptr_t addr = (uintptr_t)ip - lm->l_addr - 1;
	for (size_t i = 0; i < t->nsyms; i++) {
		const Elf64_Sym *s = &t->syms[i];
		if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_value <= addr && addr < s->st_value + s->st_size &&
		    s->st_name < t->strs_size)
			return t->strs + s->st_name;
	}
	return info.dli_sname;
}
