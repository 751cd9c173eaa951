/* Points the GOT slots through which loaded modules reach one of the
 * functions we export at our wrapper instead of at libc's function, after
 * a dlopen with RTLD_DEEPBIND (see dlopen.c for why and when) -- the way
 * heaptrack's inject mode makes code that did not bind to it call it.  Our
 * wrappers are read from our own dynamic symbol table, so a wrapper added
 * later is covered too.
 *
 * A slot is changed only when that is sure to be right:
 *  - it holds exactly libc's function, or the one RTLD_NEXT gives us (what
 *    our wrapper calls: another preloaded library's may come between), and
 *    its relocation names that function: anything else (our wrapper
 *    already, a wrapping library in the module's own scope, a module of
 *    another dlmopen namespace with its own libc) is left alone;
 *  - or it is a not yet bound lazy PLT slot (it points into its own
 *    module) of a module this dlopen loaded, and the new library's
 *    own lookup scope finds libc's function or nothing: binding it would
 *    give libc's function (or, through the global scope, ours);
 *  - read-only pages (RELRO) are made writable for the store and given
 *    back the protection /proc/self/maps says they had; if that cannot be
 *    read, the slot stays as it is.
 * All of it runs inside dl_iterate_phdr's callback: the loader holds its
 * list lock there, so no module can be unmapped under us and two passes
 * never run at once.  No allocation, no dl* call in the callback.
 * x86-64 and AArch64 only (their relocation types below). */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/lib-names.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "got.h"
#include "shim.h"

#if defined(__x86_64__)
#define R_JUMP_SLOT R_X86_64_JUMP_SLOT
#define R_GLOB_DAT R_X86_64_GLOB_DAT
#define R_ABS64 R_X86_64_64
#elif defined(__aarch64__)
#define R_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define R_GLOB_DAT R_AARCH64_GLOB_DAT
#define R_ABS64 R_AARCH64_ABS64
#endif

/* One exported function of ours. */
struct hook {
	const char *name;  /* in our own string table */
	uintptr_t ours;    /* our wrapper */
	uintptr_t real;    /* what RTLD_NEXT gives: libc's, or another preloaded wrapper */
	uintptr_t libc;    /* libc's own */
};
#define MAX_HOOKS 64
static struct hook hooks[MAX_HOOKS];
static int n_hooks;
static const ElfW(Dyn) *own_dynamic;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

/* Every hook's real and libc function, sorted: a pass asks of each slot
 * of each module whether it holds one of them. */
static uintptr_t reals[2 * MAX_HOOKS];
static int n_reals;

static int by_address(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return (x > y) - (x < y);
}

/* glibc relocates the addresses in a module's dynamic section in place;
 * the vDSO's (read-only) keep offsets from its base. */
static uintptr_t dyn_addr(ElfW(Addr) v, uintptr_t base)
{
	return v < base ? v + base : v;
}

/* The tables of a dynamic section that name symbols and relocations. */
struct dyn_tables {
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	const ElfW(Rela) *rela, *jmprel;
	size_t relasz, jmprelsz;
	size_t relacount; /* DT_RELACOUNT: the RELATIVE relocations DT_RELA starts with */
	int jmprel_is_rela;
	const uint32_t *hash, *gnu_hash;
	int bind_now; /* DF_BIND_NOW or DF_1_NOW: no slot is ever bound lazily */
};

static void read_dynamic(const ElfW(Dyn) *d, uintptr_t base, struct dyn_tables *t)
{
	memset(t, 0, sizeof *t);
	for (; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: t->symtab = (const ElfW(Sym) *)dyn_addr(d->d_un.d_ptr, base); break;
		case DT_STRTAB: t->strtab = (const char *)dyn_addr(d->d_un.d_ptr, base); break;
		case DT_STRSZ: t->strsz = d->d_un.d_val; break;
		case DT_RELA: t->rela = (const ElfW(Rela) *)dyn_addr(d->d_un.d_ptr, base); break;
		case DT_RELASZ: t->relasz = d->d_un.d_val; break;
		case DT_RELACOUNT: t->relacount = d->d_un.d_val; break;
		case DT_JMPREL: t->jmprel = (const ElfW(Rela) *)dyn_addr(d->d_un.d_ptr, base); break;
		case DT_PLTRELSZ: t->jmprelsz = d->d_un.d_val; break;
		case DT_PLTREL: t->jmprel_is_rela = d->d_un.d_val == DT_RELA; break;
		case DT_HASH: t->hash = (const uint32_t *)dyn_addr(d->d_un.d_ptr, base); break;
		case DT_GNU_HASH: t->gnu_hash = (const uint32_t *)dyn_addr(d->d_un.d_ptr, base); break;
		case DT_FLAGS: t->bind_now |= (d->d_un.d_val & DF_BIND_NOW) != 0; break;
		case DT_FLAGS_1: t->bind_now |= (d->d_un.d_val & DF_1_NOW) != 0; break;
		}
	}
}

/* How many entries the dynamic symbol table has: the ELF header does not
 * say, the hash tables do (DT_HASH's nchain; for DT_GNU_HASH, the end of
 * the last chain). */
static size_t symbol_count(const struct dyn_tables *t)
{
	if (t->hash)
		return t->hash[1];
	if (!t->gnu_hash)
		return 0;
	const uint32_t *h = t->gnu_hash;
	uint32_t nbuckets = h[0], symoffset = h[1], bloom_words = h[2];
	const uint32_t *buckets = (const uint32_t *)((const ElfW(Addr) *)(h + 4) + bloom_words);
	const uint32_t *chain = buckets + nbuckets;
	uint32_t last = 0;
	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return last + 1;
}

/* Our wrappers: every function this library defines and exports (the
 * version script lets out nothing else), paired with the real one. */
static void find_hooks(void)
{
	Dl_info info;
	struct link_map *self = NULL;
	if (!dladdr1((void *)find_hooks, &info, (void **)&self, RTLD_DL_LINKMAP) || !self)
		return;
	struct dyn_tables t;
	read_dynamic(self->l_ld, self->l_addr, &t);
	size_t n = symbol_count(&t);
	if (!t.symtab || !t.strtab)
		return;
	void *(*open_fn)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	void *libc = open_fn ? open_fn(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD) : NULL;
	for (size_t i = 1; i < n && n_hooks < MAX_HOOKS; i++) {
		const ElfW(Sym) *s = &t.symtab[i];
		int type = ELF64_ST_TYPE(s->st_info), bind = ELF64_ST_BIND(s->st_info);
		if (s->st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    bind == STB_LOCAL || ELF64_ST_VISIBILITY(s->st_other) != STV_DEFAULT || s->st_name >= t.strsz)
			continue;
		const char *name = t.strtab + s->st_name;
		void *real_fn = dlsym(RTLD_NEXT, name), *libc_fn = libc ? dlsym(libc, name) : NULL;
		uintptr_t ours = self->l_addr + s->st_value;
		if (real_fn && (uintptr_t)real_fn != ours)
			hooks[n_hooks++] = (struct hook){name, ours, (uintptr_t)real_fn,
							 libc_fn ? (uintptr_t)libc_fn : (uintptr_t)real_fn};
	}
	if (libc)
		dlclose(libc); /* RTLD_NOLOAD took a reference */
	for (int i = 0; i < n_hooks; i++) {
		reals[n_reals++] = hooks[i].real;
		reals[n_reals++] = hooks[i].libc;
	}
	qsort(reals, (size_t)n_reals, sizeof *reals, by_address);
	(void)dlerror(); /* a name libc lacks leaves no error for the program */
	own_dynamic = self->l_ld;
}

/* The protection of the page holding ADDR, as /proc/self/maps says, or -1.
 * The buffer is static: callbacks of dl_iterate_phdr never run at once. */
static int page_protection(uintptr_t addr)
{
	static char buf[4096];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int prot = -1;
	size_t have = 0;
	for (;;) {
		ssize_t got = read(fd, buf + have, sizeof buf - have);
		if (got <= 0)
			break;
		have += (size_t)got;
		char *line = buf, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			/* "start-end perms ...", both addresses in hex */
			char *p = line;
			uintptr_t start = 0, end = 0;
			for (; p < nl && *p != '-'; p++)
				start = start * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
			for (p++; p < nl && *p != ' '; p++)
				end = end * 16 + (uintptr_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
			if (addr >= start && addr < end && nl - p > 3) {
				p++;
				prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
				       (p[2] == 'x' ? PROT_EXEC : 0);
				goto out;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof buf) /* no line is that long */
			break;
	}
out:
	close(fd);
	return prot;
}

/* One pass: what the dlopen it follows opened. */
struct pass {
	const struct link_map *opened;
	int loaded_any; /* the dlopen loaded a module */
	/* The hooks (bits by index) a new module has a lazy slot of: found by
	 * a first walk, which binds no lazy slot. */
	uint64_t lazy_seen;
	int lazy_known; /* the second walk: lazy_ok is filled in */
	/* Per hook: the new library's own scope (itself, then its
	 * dependencies, as dlsym(handle) searches) binds it to libc's function
	 * or to nothing, so its lazy slots may be bound to ours. */
	unsigned char lazy_ok[MAX_HOOKS];
};

/* One module as dl_iterate_phdr shows it. */
struct module {
	uintptr_t base, lo, hi; /* load bias; the span of its PT_LOAD segments */
	int fresh;              /* brought in by the dlopen this pass follows */
	struct dyn_tables t;
	uintptr_t known_page; /* the page store_slot last asked about... */
	int known_prot;       /* ...and its protection */
};

/* Stores VALUE into the slot, through a read-only page if need be. */
static void store_slot(struct module *m, uintptr_t *slot, uintptr_t value)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uintptr_t page_at = (uintptr_t)slot & ~((uintptr_t)page_size - 1);
	if (page_at != m->known_page) { /* a module's slots share a page or two */
		m->known_page = page_at;
		m->known_prot = page_protection(page_at);
	}
	int prot = m->known_prot;
	if (prot < 0)
		return;
	if (prot & PROT_WRITE) {
		__atomic_store_n(slot, value, __ATOMIC_RELEASE);
		return;
	}
	void *page = (void *)page_at;
	if (mprotect(page, (size_t)page_size, prot | PROT_WRITE) != 0)
		return;
	__atomic_store_n(slot, value, __ATOMIC_RELEASE);
	mprotect(page, (size_t)page_size, prot);
}

static struct hook *hook_named(const char *name)
{
	for (int i = 0; i < n_hooks; i++)
		if (strcmp(hooks[i].name, name) == 0)
			return &hooks[i];
	return NULL;
}

/* FN is the function, ours aside, that a call to H may reach. */
static int is_real_of(const struct hook *h, uintptr_t fn)
{
	return fn == h->real || fn == h->libc;
}

static int is_real(uintptr_t fn)
{
	int lo = 0, hi = n_reals;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (reals[mid] < fn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n_reals && reals[lo] == fn;
}

/* Points at ours each slot of these relocations that may be (see the top
 * of this file); the first walk of a pass only notes lazy ones. */
static void patch_relocations(struct module *m, struct pass *p, const ElfW(Rela) *r, size_t size)
{
#ifdef R_JUMP_SLOT
	for (const ElfW(Rela) *end = r + size / sizeof *r; r < end; r++) {
		unsigned long type = ELF64_R_TYPE(r->r_info), sym = ELF64_R_SYM(r->r_info);
		if (!sym || (type != R_JUMP_SLOT && type != R_GLOB_DAT && !(type == R_ABS64 && r->r_addend == 0)))
			continue;
		uintptr_t addr = m->base + r->r_offset;
		if (addr < m->lo || addr + sizeof(uintptr_t) > m->hi || addr % sizeof(uintptr_t))
			continue;
		/* The slot's value first: it rules out most, without the
		 * symbol table's cache misses. */
		uintptr_t *slot = (uintptr_t *)addr, value = *slot;
		int lazy = value >= m->lo && value < m->hi; /* a lazy slot, not bound yet */
		if (lazy ? !m->fresh || type != R_JUMP_SLOT : !is_real(value))
			continue;
		uint32_t name_at = m->t.symtab[sym].st_name;
		if (name_at >= m->t.strsz)
			continue;
		struct hook *h = hook_named(m->t.strtab + name_at);
		if (h && lazy && !p->lazy_known) {
			p->lazy_seen |= 1ull << (h - hooks);
			continue;
		}
		if (!h || (lazy ? !p->lazy_ok[h - hooks] : !is_real_of(h, value)))
			continue; /* (_exit and _Exit are one function in libc: the name decides) */
		store_slot(m, slot, h->ours);
	}
#else
	(void)m, (void)p, (void)r, (void)size;
#endif
}

/* Whether DYNAMIC is the opened module's or one after it in the loader's
 * list: new modules are appended, so those are what this dlopen added (if
 * it added any: opening a loaded library again adds nothing). */
static int is_fresh(const struct pass *p, const ElfW(Dyn) *dynamic)
{
	if (!p->loaded_any)
		return 0;
	for (const struct link_map *l = p->opened; l; l = l->l_next)
		if (l->l_ld == dynamic)
			return 1;
	return 0;
}

/* Modules bound at load that a pass has seen whole: their slots cannot
 * change any more, so later passes skip them -- as long as no module was
 * unloaded (dlpi_subs), which could put a new one at the same address.
 * Only touched inside dl_iterate_phdr's callback, one at a time. */
static const ElfW(Dyn) *settled[256];
static int n_settled;
static unsigned long long settled_subs;

static int is_settled(const ElfW(Dyn) *dynamic)
{
	for (int i = 0; i < n_settled; i++)
		if (settled[i] == dynamic)
			return 1;
	return 0;
}

static int patch_module(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct module m = {.base = info->dlpi_addr, .lo = UINTPTR_MAX};
	const ElfW(Dyn) *dynamic = NULL;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_DYNAMIC)
			dynamic = (const ElfW(Dyn) *)(m.base + ph->p_vaddr);
		if (ph->p_type == PT_LOAD) {
			if (m.base + ph->p_vaddr < m.lo)
				m.lo = m.base + ph->p_vaddr;
			if (m.base + ph->p_vaddr + ph->p_memsz > m.hi)
				m.hi = m.base + ph->p_vaddr + ph->p_memsz;
		}
	}
	if (!dynamic || dynamic == own_dynamic || m.lo >= m.hi)
		return 0;
	struct pass *p = arg;
	m.fresh = is_fresh(p, dynamic);
	if (p->lazy_known && !m.fresh) /* the second walk is for lazy slots only */
		return 0;
	if (info->dlpi_subs != settled_subs)
		n_settled = 0, settled_subs = info->dlpi_subs;
	if (!m.fresh && is_settled(dynamic))
		return 0;
	read_dynamic(dynamic, m.base, &m.t);
	if (!m.t.symtab || !m.t.strtab)
		return 0;
	if (m.t.bind_now && !m.fresh && n_settled < (int)(sizeof settled / sizeof *settled))
		settled[n_settled++] = dynamic; /* (a fresh one may still be being relocated elsewhere) */
	if (m.t.rela && m.t.relacount < m.t.relasz / sizeof *m.t.rela) /* past the RELATIVE ones */
		patch_relocations(&m, p, m.t.rela + m.t.relacount, m.t.relasz - m.t.relacount * sizeof *m.t.rela);
	if (m.t.jmprel && m.t.jmprel_is_rela)
		patch_relocations(&m, p, m.t.jmprel, m.t.jmprelsz);
	return 0;
}

static int count_loads(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(unsigned long long *)arg = info->dlpi_adds;
	return 1; /* the first module says it */
}

/* Our own dynamic tables, read without the loader (whose lock the caller
 * of dlsym may hold, a constructor's, and another thread wait for):
 * _DYNAMIC and our ELF header are ours, the loader adjusted the pointers
 * in place or not (dyn_addr). */
extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden"))); /* (_DYNAMIC: link.h) */

static const ElfW(Sym) *own_symbol(const char *name, const struct dyn_tables *t)
{
	const uint32_t *h = t->gnu_hash;
	if (!h || !t->symtab || !t->strtab)
		return NULL;
	uint32_t hash = 5381, nbuckets = h[0], symoffset = h[1], bloom_size = h[2], shift = h[3];
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		hash = hash * 33 + *c;
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(h + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size), *chain = buckets + nbuckets;
	unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word = bloom[(hash / bits) % bloom_size];
	ElfW(Addr) mask = (ElfW(Addr))1 << (hash % bits) | (ElfW(Addr))1 << ((hash >> shift) % bits);
	if ((word & mask) != mask || !nbuckets)
		return NULL;
	for (uint32_t i = buckets[hash % nbuckets]; i >= symoffset; i++) {
		uint32_t h2 = chain[i - symoffset];
		const ElfW(Sym) *s = &t->symtab[i];
		if ((hash | 1) == (h2 | 1) && s->st_name < t->strsz && !strcmp(name, t->strtab + s->st_name))
			return s->st_shndx != SHN_UNDEF && ELF64_ST_TYPE(s->st_info) == STT_FUNC ? s : NULL;
		if (h2 & 1)
			break;
	}
	return NULL;
}

static struct dyn_tables own;
static pthread_once_t own_once = PTHREAD_ONCE_INIT; /* (reading them takes no lock) */

static void read_own(void)
{
	read_dynamic(_DYNAMIC, (uintptr_t)&__ehdr_start, &own);
}

void *got_ours_instead(const char *name, void *fn)
{
	static _Atomic uintptr_t next[512]; /* what our wrapper calls, by symbol index */
	uintptr_t base = (uintptr_t)&__ehdr_start;
	pthread_once(&own_once, read_own);
	const ElfW(Sym) *s = own_symbol(name, &own);
	size_t i = s ? (size_t)(s - own.symtab) : 0;
	if (!s || i >= sizeof next / sizeof *next || base + s->st_value == (uintptr_t)fn)
		return fn;
	int saved = errno;
	uintptr_t n = atomic_load(&next[i]);
	if (!n) { /* from this thread: the loader's lock, if needed, is taken as for any lookup */
		n = (uintptr_t)dlsym(RTLD_NEXT, name);
		atomic_store(&next[i], n);
	}
	errno = saved;
	/* FN is what ours calls: no other preloaded library's wrapper between,
	 * which would call ours if it took libc's so (re-check 28). */
	return n && n == (uintptr_t)fn ? (void *)(base + s->st_value) : fn;
}

unsigned long long got_loads(void)
{
	unsigned long long n = 0;
	dl_iterate_phdr(count_loads, &n);
	return n;
}

void got_follow(void *handle, unsigned long long loads_before)
{
	int saved = errno;
	pthread_once(&hooks_once, find_hooks);
	struct pass p = {.loaded_any = got_loads() != loads_before};
	if (!n_hooks || dlinfo(handle, RTLD_DI_LINKMAP, &p.opened) != 0) {
		errno = saved;
		return;
	}
	fork_guard_enter(); /* the loader's lock, below: see backtrace.c */
	dl_iterate_phdr(patch_module, &p);
	/* Lazy slots of the new modules: only now may we ask the loader
	 * (dlsym) what they would bind to -- not inside its callback. */
	if (p.lazy_seen) {
		for (int i = 0; i < n_hooks; i++) {
			if (!(p.lazy_seen & (1ull << i)))
				continue;
			void *fn = dlsym(handle, hooks[i].name);
			p.lazy_ok[i] = !fn || is_real_of(&hooks[i], (uintptr_t)fn);
		}
		(void)dlerror(); /* the names the library lacks leave no error behind */
		p.lazy_known = 1;
		dl_iterate_phdr(patch_module, &p);
	}
	fork_guard_leave();
	errno = saved;
}
