/* Facts about this process from /proc, read with open/read/close only:
 * these run in a forked child of a threaded program, where only
 * async-signal-safe functions are allowed (fork(2)). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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

/* One line of /proc/self/maps: "start-end perms offset dev inode path".
 * A SysV attachment's path is "/SYSV<key> (deleted)" and its inode is the
 * shmid (proc(5)); one attachment may span several adjacent lines. */
struct attach {
	unsigned long long start, end, shmid;
	int open;
	unsigned omitted; /* attachments past what the record holds */
};

static void flush_attach(struct jw *w, struct attach *a)
{
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

static void maps_line(struct jw *w, struct attach *a, const char *line)
{
	const char *sysv = strstr(line, " /SYSV");
	if (!sysv)
		return;
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
		return;
	}
	flush_attach(w, a);
	a->start = start;
	a->end = end;
	a->shmid = shmid;
	a->open = 1;
}

/* "attached": the SysV segments mapped in this process now, from the kernel's
 * own view, so attachments made before the shim loaded count too. */
void write_sysv_attachments(struct jw *w)
{
	struct attach a = {0};
	char chunk[4096], line[512];
	size_t linelen = 0;
	jw_key(w, "attached"), jw_open(w, '[');
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n;
		while ((n = read(fd, chunk, sizeof chunk)) > 0)
			for (ssize_t i = 0; i < n; i++) {
				if (chunk[i] != '\n') {
					if (linelen < sizeof line - 1)
						line[linelen++] = chunk[i];
					continue;
				}
				line[linelen] = '\0';
				maps_line(w, &a, line);
				linelen = 0;
			}
		close(fd);
	}
	flush_attach(w, &a);
	jw_close(w, ']');
	if (a.omitted)
		jw_key(w, "attached_omitted"), jw_uint(w, a.omitted);
}
