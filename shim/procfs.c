/* Facts about this process from /proc, read with open/read/close only:
 * these run in a forked child of a threaded program, where only
 * async-signal-safe functions are allowed (fork(2)). */
#include <fcntl.h>
#include <string.h>
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

/* Calls FN for each line of /proc/self/maps, until it returns nonzero. */
static void each_maps_line(int (*fn)(void *ctx, const char *line), void *ctx)
{
	char chunk[4096], line[512];
	size_t linelen = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
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
			done = fn(ctx, line);
			linelen = 0;
		}
	close(fd);
}

/* One line of /proc/self/maps: "start-end perms offset dev inode path".
 * A SysV attachment's path is "/SYSV<key> (deleted)" and its inode is the
 * shmid (proc(5)); one attachment may span several adjacent lines. */
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

static int attach_line(void *ctx, const char *line)
{
	struct attach *a = ctx;
	const char *sysv = strstr(line, " /SYSV");
	if (!sysv)
		return 0;
	const char *p = line;
	unsigned long long start = parse_hex(&p);
	p++;
	unsigned long long end = parse_hex(&p);
	for (int spaces = 0; *p && spaces < 4; p++) /* to the inode field */
		if (*p == ' ')
			spaces++;
	unsigned long long shmid = 0;
	while (*p >= '0' && *p <= '9')
		shmid = shmid * 10 + (unsigned)(*p++ - '0');
	if (a->open && a->shmid == shmid && a->end == start) {
		a->end = end;
		return 0;
	}
	flush_attach(a);
	a->start = start;
	a->end = end;
	a->shmid = shmid;
	a->open = 1;
	return 0;
}

/* "attached": the SysV segments mapped in this process now, from the kernel's
 * own view, so attachments made before the shim loaded count too. */
void write_sysv_attachments(struct jw *w)
{
	struct attach a = {.w = w};
	jw_key(w, "attached"), jw_open(w, '[');
	each_maps_line(attach_line, &a);
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

static int key_line(void *ctx, const char *line)
{
	struct key_search *k = ctx;
	const char *sysv = strstr(line, " /SYSV");
	if (!sysv)
		return 0;
	const char *p = line;
	unsigned long long start = parse_hex(&p);
	p++;
	unsigned long long end = parse_hex(&p);
	if (k->addr < start || k->addr >= end)
		return 0;
	p = sysv + strlen(" /SYSV");
	k->key = (unsigned)parse_hex(&p);
	k->found = 1;
	return 1;
}

/* The key of the SysV segment mapped at ADDR, from its /proc/self/maps
 * name "/SYSV<key in hex>"; 0, or -1 if none is mapped there. */
int sysv_key_at(const void *addr, unsigned *key)
{
	struct key_search k = {(uintptr_t)addr, 0, 0};
	each_maps_line(key_line, &k);
	*key = k.key;
	return k.found ? 0 : -1;
}
