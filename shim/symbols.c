/* The function around an address, for caller= rules: dladdr() knows only
 * exported symbols, and most of a program's functions are not exported, so
 * we read the module's own symbol table (.symtab, else .dynsym) from its
 * file, mapped read-only once, and index its functions by address: a rule
 * looks up every frame of every call, and a server's tables hold tens of
 * thousands of symbols.  Lock-free: a slot is claimed with a CAS, and a
 * thread that finds one being filled falls back to dladdr for that call.
 * Used only when a caller= rule exists. */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

#define MODULES 64

struct function {
	uintptr_t lo, hi; /* [lo, hi) in the module's ELF addresses */
	const char *name;
};

struct symtab {
	const char *path; /* the module's name (bt_module): stable while loaded */
	unsigned long long unloaded; /* modules_unloaded when it was read: a later dlclose may free PATH */
	struct function *fns; /* by lo; mapped, as no malloc is safe here */
	size_t nfns;
};

static _Atomic(struct symtab *) cache[MODULES];
static struct symtab tables[MODULES]; /* slot i of cache points here when filled */

static void sift(struct function *a, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && a[child + 1].lo > a[child].lo)
			child++;
		if (a[root].lo >= a[child].lo)
			return;
		struct function t = a[root];
		a[root] = a[child];
		a[child] = t;
	}
}

/* Heapsort: in place, no allocation (qsort may call malloc). */
static void sort_by_address(struct function *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(a, i, n);
	for (size_t end = n; end-- > 1;) {
		struct function t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, 0, end);
	}
}

/* The functions of a symbol table, sorted; 0, or -1 if there are none. */
static int index_functions(struct symtab *t, const Elf64_Sym *syms, size_t nsyms, const char *strs, size_t strs_size)
{
	size_t n = 0;
	for (size_t i = 0; i < nsyms; i++)
		n += ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC && syms[i].st_size && syms[i].st_name < strs_size;
	if (!n)
		return -1;
	struct function *fns = mmap(NULL, n * sizeof *fns, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fns == MAP_FAILED)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < nsyms && k < n; i++)
		if (ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC && syms[i].st_size && syms[i].st_name < strs_size)
			fns[k++] = (struct function){syms[i].st_value, syms[i].st_value + syms[i].st_size,
						     strs + syms[i].st_name};
	sort_by_address(fns, n);
	t->fns = fns;
	t->nfns = n;
	return 0;
}

static int load(struct symtab *t, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return -1;
	if (sys_fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
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
			if (index_functions(t, (const void *)(file + sh[i].sh_offset), sh[i].sh_size / sizeof(Elf64_Sym),
					    (const char *)file + str->sh_offset, str->sh_size) != 0)
				continue;
			t->path = path;
			return 0; /* the names stay in the mapped file */
		}
bad:
	munmap((void *)file, size);
	return -1;
}

/* A table read before a dlclose is not taken again (its slot stays, not
 * to be freed under a thread reading it): once the slots are spent, the
 * exported symbols (dladdr) are what is left. */
static struct symtab *table_for(const char *path)
{
	static struct symtab loading; /* a slot being filled by another thread */
	unsigned long long unloaded = atomic_load(&modules_unloaded);
	for (int i = 0; i < MODULES; i++) {
		struct symtab *t = atomic_load(&cache[i]);
		if (t == &loading)
			return NULL; /* this once, make do with dladdr */
		if (t && t->path == path && t->unloaded == unloaded)
			return t->nfns ? t : NULL;
		if (t)
			continue;
		struct symtab *expected = NULL;
		if (!atomic_compare_exchange_strong(&cache[i], &expected, &loading)) {
			i--; /* taken meanwhile: look at it again */
			continue;
		}
		if (load(&tables[i], path) != 0)
			tables[i] = (struct symtab){.path = path}; /* remembered as having none */
		tables[i].unloaded = unloaded;
		atomic_store(&cache[i], &tables[i]);
		return tables[i].nfns ? &tables[i] : NULL;
	}
	return NULL;
}

/* The innermost function whose range holds ADDR, or NULL. */
static const char *lookup(const struct symtab *t, uintptr_t addr)
{
	size_t lo = 0, hi = t->nfns; /* the first entry past addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->fns[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Going back: a function that starts later is the nearer one. */
	for (size_t i = lo, back = 0; i-- > 0 && back < 8; back++)
		if (addr < t->fns[i].hi)
			return t->fns[i].name;
	return NULL;
}

/* The name of the function containing IP (a return address), or NULL. */
const char *function_at(void *ip)
{
	uintptr_t bias;
	const char *path = bt_module(ip, &bias);
	if (!path)
		return NULL;
	struct symtab *t = table_for(path);
	if (t)
		return lookup(t, (uintptr_t)ip - bias - 1);
	Dl_info info; /* no table of its own (yet): the exported symbols */
	return dladdr(ip, &info) ? info.dli_sname : NULL;
}
