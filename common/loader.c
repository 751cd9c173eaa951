#include "loader.h"

#include <dlfcn.h>
#include <elf.h>
#include <gnu/lib-names.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

bool loader_is_glibcs(const char *interp)
{
	/* The very file: a name can lie either way (re-check 33: glibc's
	 * loader through a symbolic link of another name; musl's under
	 * glibc's name, as gcompat installs it). */
	Dl_info ours; /* the loader that loaded this process, mapped at AT_BASE */
	struct stat a, b;
	void *base = (void *)getauxval(AT_BASE);
	if (base && dladdr(base, &ours) && ours.dli_fname && stat(ours.dli_fname, &a) == 0 && stat(interp, &b) == 0)
		return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	const char *slash = strrchr(interp, '/');
	return strcmp(slash ? slash + 1 : interp, LD_SO) == 0; /* (either cannot be seen here) */
}

extern const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden"))); /* this module's own: its machine */

const char *loader_refuses(int fd, const char *path, char *interp, size_t cap)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph;
	if (loader_is_glibcs(path))
		return NULL; /* the loader itself, run as a program: it preloads */
	if (pread(fd, &eh, sizeof eh, 0) < EI_NIDENT || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return NULL;
	if (eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
		return sizeof(void *) == 8 ? "32-bit" : "64-bit";
	if (eh.e_machine != __ehdr_start.e_machine)
		return NULL;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (ElfW(Off))i * eh.e_phentsize)) != (ssize_t)sizeof ph)
			return NULL;
		if (ph.p_type != PT_INTERP)
			continue;
		size_t n = ph.p_filesz < cap ? ph.p_filesz : cap - 1;
		ssize_t got = pread(fd, interp, n, (off_t)ph.p_offset);
		interp[got > 0 ? got : 0] = '\0';
		return loader_is_glibcs(interp) ? NULL : "foreign-loader";
	}
	return "static";
}
