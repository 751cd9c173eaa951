/* Facts about this process from /proc, read with open/read/ioctl/close only:
 * these run in a forked child of a threaded program, where only
 * async-signal-safe functions are allowed (fork(2)). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"
#include "jsonw.h"
#include "shim.h"

ssize_t read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return (ssize_t)len;
}

/* Field 22 of /proc/self/stat, the start time in clock ticks since boot
 * (proc(5)).  The command name before it may hold spaces and parentheses,
 * so count from the last ')'. */
unsigned long long read_start_ticks(void)
{
	char stat[1024];
	ssize_t n = read_small_file("/proc/self/stat", stat, sizeof stat - 1);
	if (n <= 0)
		return 0;
	stat[n] = '\0';
	char *p = strrchr(stat, ')');
	if (!p)
		return 0;
	for (int field = 2; field < 22 && *p; p++)
		if (*p == ' ')
			field++;
	unsigned long long v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned)(*p++ - '0');
	return v;
}

/* The kernel stamps a new process on CLOCK_BOOTTIME as it makes it, and
 * /proc/PID/stat shows that stamp in clock ticks, rounded down
 * (fs/proc/array.c, nsec_to_clock_t).  Called in the new process with the
 * clocks read before the fork: if it started and now are within one tick,
 * that tick is its start time, and no /proc read is needed.  CLOCK_REALTIME,
 * which no time namespace offsets, must have moved as much as
 * CLOCK_BOOTTIME did: a parent whose children are in another time
 * namespace (unshare(CLONE_NEWTIME)), or a clock set meanwhile, gives 0. */
unsigned long long start_ticks_since(uint64_t boot, uint64_t wall)
{
	unsigned long hz = getauxval(AT_CLKTCK);
	uint64_t boot_now = now_ns(CLOCK_BOOTTIME), wall_now = now_ns(CLOCK_REALTIME);
	if (!boot || !hz || 1000000000 % hz || boot_now < boot || wall_now < wall)
		return 0;
	uint64_t moved = boot_now - boot, wall_moved = wall_now - wall;
	if ((moved > wall_moved ? moved - wall_moved : wall_moved - moved) > 1000000)
		return 0;
	uint64_t tick = 1000000000 / hz;
	return boot / tick == boot_now / tick ? boot / tick : 0;
}

static unsigned long long parse_hex(const char **s)
{
	unsigned long long v = 0;
	for (;; (*s)++) {
		char c = **s;
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else
			return v;
	}
}

/* One SysV attachment's line of /proc/self/maps: "start-end perms offset
 * dev inode /SYSV<key> (deleted)", whose inode is the shmid (proc(5)). */
struct sysv_map {
	unsigned long long start, end, shmid;
	unsigned key;
};

static int parse_sysv_line(const char *line, struct sysv_map *m)
{
	const char *sysv = strstr(line, " /SYSV");
	if (!sysv)
		return -1;
	const char *p = line;
	m->start = parse_hex(&p);
	p++;
	m->end = parse_hex(&p);
	for (int spaces = 0; *p && spaces < 4; p++) /* to the inode field */
		if (*p == ' ')
			spaces++;
	m->shmid = 0;
	while (*p >= '0' && *p <= '9')
		m->shmid = m->shmid * 10 + (unsigned)(*p++ - '0');
	p = sysv + strlen(" /SYSV");
	m->key = (unsigned)parse_hex(&p);
	return 0;
}

/* PROCMAP_QUERY (Linux 6.11; Debian 12's headers predate it): the kernel
 * finds the next mapping that matches and names that one alone, where
 * reading /proc/self/maps formats a line for each -- a server's child has
 * hundreds, mostly libraries' (docs/performance.md). */
struct procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
_Static_assert(sizeof(struct procmap_query) == 104, "the kernel's layout");
/* The next mapping, from a file (a SysV segment is one) and shared
 * (VM_MAYSHARE: an SHM_RDONLY attachment too). */
#define QUERY_NEXT_SHARED_FILE (0x10 | 0x20 | 0x08)

/* Calls FN for each SysV attachment, found by PROCMAP_QUERY, until it
 * returns nonzero.  -1 when the kernel has none (FN not called). */
static int each_queried(int fd, int (*fn)(void *ctx, const struct sysv_map *m), void *ctx)
{
	char name[64]; /* "/SYSV<8 hex digits> (deleted)"; longer is another file */
	uint64_t addr = 0;
	for (bool first = true;; first = false) {
		struct procmap_query q = {.size = sizeof q, .query_flags = QUERY_NEXT_SHARED_FILE, .query_addr = addr,
					  .vma_name_size = sizeof name, .vma_name_addr = (uintptr_t)name};
		int r = ioctl(fd, PROCMAP_QUERY, &q);
		if (r != 0 && errno == ENAMETOOLONG) { /* asked again for its end only */
			q.vma_name_size = 0, q.vma_name_addr = 0;
			r = ioctl(fd, PROCMAP_QUERY, &q);
		}
		if (r != 0)
			return first && errno != ENOENT ? -1 : 0; /* ENOENT: no more */
		addr = q.vma_end;
		if (q.vma_name_size == 0 || strncmp(name, "/SYSV", 5) != 0)
			continue;
		const char *p = name + 5;
		struct sysv_map m = {q.vma_start, q.vma_end, q.inode, (unsigned)parse_hex(&p)};
		if (fn(ctx, &m))
			return 0;
	}
}

/* Calls FN for each SysV attachment in /proc/self/maps, until it returns
 * nonzero.  One attachment may span several adjacent lines. */
static void each_sysv_mapping(int (*fn)(void *ctx, const struct sysv_map *m), void *ctx)
{
	char chunk[1024], line[512]; /* small: this may run on a small stack */
	size_t linelen = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (each_queried(fd, fn, ctx) == 0) {
		close(fd);
		return;
	}
	ssize_t n;
	int done = 0;
	while (!done && (n = read(fd, chunk, sizeof chunk)) > 0)
		for (ssize_t i = 0; i < n && !done; i++) {
			if (chunk[i] != '\n') {
				if (linelen < sizeof line - 1)
					line[linelen++] = chunk[i];
				continue;
			}
			line[linelen] = '\0';
			linelen = 0;
			struct sysv_map m;
			if (parse_sysv_line(line, &m) == 0)
				done = fn(ctx, &m);
		}
	close(fd);
}

struct attach {
	struct jw *w;
	unsigned long long start, end, shmid;
	int open;
	unsigned omitted; /* attachments past what the record holds */
};

static void flush_attach(struct attach *a)
{
	struct jw *w = a->w;
	if (!a->open)
		return;
	a->open = 0;
	if (jw_room(w) < 512) {
		a->omitted++;
		return;
	}
	jw_open(w, '{');
	jw_key(w, "shmid"), jw_uint(w, a->shmid);
	jw_key(w, "addr"), jw_hex(w, a->start);
	jw_key(w, "size"), jw_uint(w, a->end - a->start);
	jw_close(w, '}');
}

static int attach_mapping(void *ctx, const struct sysv_map *m)
{
	struct attach *a = ctx;
	if (a->open && a->shmid == m->shmid && a->end == m->start) {
		a->end = m->end;
		return 0;
	}
	flush_attach(a);
	a->start = m->start;
	a->end = m->end;
	a->shmid = m->shmid;
	a->open = 1;
	return 0;
}

/* "attached": the SysV segments mapped in this process now, from the kernel's
 * own view, so attachments made before the shim loaded count too. */
void write_sysv_attachments(struct jw *w)
{
	struct attach a = {.w = w};
	jw_key(w, "attached"), jw_open(w, '[');
	each_sysv_mapping(attach_mapping, &a);
	flush_attach(&a);
	jw_close(w, ']');
	if (a.omitted)
		jw_key(w, "attached_omitted"), jw_uint(w, a.omitted);
}

struct key_search {
	uintptr_t addr;
	unsigned key;
	int found;
};

static int key_mapping(void *ctx, const struct sysv_map *m)
{
	struct key_search *k = ctx;
	if (k->addr < m->start || k->addr >= m->end)
		return 0;
	k->key = m->key;
	k->found = 1;
	return 1;
}

/* The key of the SysV segment mapped at ADDR, from its /proc/self/maps
 * name "/SYSV<key in hex>"; 0, or -1 if none is mapped there. */
int sysv_key_at(const void *addr, unsigned *key)
{
	struct key_search k = {(uintptr_t)addr, 0, 0};
	each_sysv_mapping(key_mapping, &k);
	*key = k.key;
	return k.found ? 0 : -1;
}
