/* Which process made each name in /dev/shm (issue 13).  A file keeps its
 * owner, not its creator: a name a process of the run made and one another
 * process of the same user made look alike, and a uid the run held once
 * does not say who made a file later.  fanotify(7) says it as it happens:
 * marked on the /dev/shm directory, FAN_CREATE (open with O_CREAT, link)
 * and FAN_MOVED_TO (rename) give the pid of the process that put a name
 * there; FAN_DELETE and FAN_MOVED_FROM the one that took it away.  Each
 * event also carries the file's handle (FAN_REPORT_TARGET_FID, Linux
 * 5.17): events of one pid on one name and one file may be merged in the
 * queue (their order then lost), those on two files never are, and at the
 * end the name must still be that file.
 *
 * Only a privileged listener gets the pid of another process's event
 * (fanotify_init(2): an unprivileged one reads 0), and only it may ask for
 * a queue without limit (FAN_UNLIMITED_QUEUE, CAP_SYS_ADMIN): that request
 * failing is how run knows it cannot watch.  Without the watch, or when an
 * event was lost or the table full, the report falls back to the owner's
 * uid (analyzer/live.c). */
#include "eventreader.h"
#include "jsontext.h"
#include "namewatch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/bytestext.h"
#include "../common/fnv.h"

/* A run that makes more names than this (still there at a time) gets no
 * watch: the table's memory stays bounded, a few tens of MiB at most. */
#define NAMEWATCH_MAX (1 << 17)
#define DEV_SHM "/dev/shm"
#define EVENTS (FAN_CREATE | FAN_MOVED_TO | FAN_DELETE | FAN_MOVED_FROM)

struct made {
	struct made *next;
	int pid;              /* 0: unknown (merged events, another pid namespace) */
	unsigned char *fh;    /* the file's handle: struct file_handle, as the event gave it */
	size_t fh_len;
	char name[];
};

static int fan = -1;
static int shm_dir = -1;          /* the directory marked, and looked in at the end */
static int lost;
static struct made **buckets;
static size_t nbuckets, nmade;
static struct eventreader reader;

static struct made **slot(const char *name)
{
	struct made **p = &buckets[fnv_str(FNV_INIT, name) & (nbuckets - 1)];
	while (*p && strcmp((*p)->name, name) != 0)
		p = &(*p)->next;
	return p;
}

static void grow(void)
{
	size_t old = nbuckets;
	struct made **was = buckets;
	buckets = calloc(old * 2, sizeof *buckets);
	if (!buckets) {
		buckets = was;
		return; /* longer chains, no harm */
	}
	nbuckets = old * 2;
	for (size_t i = 0; i < old; i++)
		for (struct made *m = was[i], *next; m; m = next) {
			next = m->next;
			struct made **p = &buckets[fnv_str(FNV_INIT, m->name) & (nbuckets - 1)];
			m->next = *p;
			*p = m;
		}
	free(was);
}

static void forget(struct made **p)
{
	struct made *m = *p;
	*p = m->next;
	free(m);
	nmade--;
}

/* NAME is now the file FH, put there by PID. */
static void record(const char *name, int pid, const unsigned char *fh, size_t fh_len)
{
	struct made **p = slot(name);
	if (*p)
		forget(p);
	if (nmade >= NAMEWATCH_MAX) {
		lost = 1;
		return;
	}
	size_t len = strlen(name) + 1;
	struct made *m = malloc(sizeof *m + len + fh_len);
	if (!m) {
		lost = 1;
		return;
	}
	memcpy(m->name, name, len);
	m->fh = (unsigned char *)m->name + len;
	memcpy(m->fh, fh, fh_len);
	*m = (struct made){*p, pid, m->fh, fh_len};
	*p = m;
	if (++nmade > nbuckets)
		grow();
}

static size_t handle_size(const unsigned char *h, size_t room)
{
	struct file_handle fh;
	if (room < sizeof fh)
		return 0;
	memcpy(&fh, h, sizeof fh);
	return sizeof fh + fh.handle_bytes <= room ? sizeof fh + fh.handle_bytes : 0;
}

/* One event, EV its header, at BYTES: its name (DFID_NAME record) and its
 * file (FID record). */
static void take(const struct fanotify_event_metadata *ev, const unsigned char *bytes)
{
	const unsigned char *at = bytes + ev->metadata_len, *end = bytes + ev->event_len;
	const char *name = NULL;
	const unsigned char *fh = NULL;
	size_t fh_len = 0;
	while (at + sizeof(struct fanotify_event_info_fid) <= end) {
		struct fanotify_event_info_header hdr;
		memcpy(&hdr, at, sizeof hdr);
		if (hdr.len < sizeof hdr || hdr.len > (size_t)(end - at))
			break;
		const unsigned char *h = at + sizeof(struct fanotify_event_info_fid);
		size_t room = hdr.len - sizeof(struct fanotify_event_info_fid), n = handle_size(h, room);
		if (hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME && n && n < room && memchr(h + n, '\0', room - n))
			name = (const char *)h + n;
		else if (hdr.info_type == FAN_EVENT_INFO_TYPE_FID && n)
			fh = h, fh_len = n;
		at += hdr.len;
	}
	if (!name || !fh || !*name || strchr(name, '/')) {
		lost = 1; /* an event we cannot place */
		return;
	}
	int in = (ev->mask & (FAN_CREATE | FAN_MOVED_TO)) != 0, out = (ev->mask & (FAN_DELETE | FAN_MOVED_FROM)) != 0;
	struct made **p = slot(name);
	if (in) /* with out too: merged, in which order unknown */
		record(name, out ? 0 : ev->pid, fh, fh_len);
	else if (*p)
		forget(p);
}

/* What is queued; 0, or -1 when nothing was (or the watch failed). */
static int read_events(void)
{
	char buf[16384];
	ssize_t len = read(fan, buf, sizeof buf);
	if (len <= 0) {
		if (len == 0 || (errno != EAGAIN && errno != EINTR))
			lost = 1;
		return len < 0 && errno == EINTR ? 0 : -1;
	}
	/* Copied out: an event's length need not be a multiple of 8 (a name's
	 * record is not padded), so the next one may not be aligned. */
	for (size_t at = 0; at + FAN_EVENT_METADATA_LEN <= (size_t)len;) {
		struct fanotify_event_metadata ev;
		memcpy(&ev, buf + at, sizeof ev);
		if (ev.event_len < FAN_EVENT_METADATA_LEN || ev.event_len > (size_t)len - at ||
		    ev.metadata_len < FAN_EVENT_METADATA_LEN || ev.metadata_len > ev.event_len) {
			lost = 1;
			break;
		}
		if (ev.vers != FANOTIFY_METADATA_VERSION || (ev.mask & FAN_Q_OVERFLOW))
			lost = 1;
		else
			take(&ev, (const unsigned char *)buf + at);
		at += ev.event_len;
	}
	return 0;
}

void namewatch_start(void)
{
	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET | FAN_UNLIMITED_QUEUE | FAN_NONBLOCK |
				    FAN_CLOEXEC,
			    O_RDONLY | O_CLOEXEC);
	shm_dir = fan >= 0 ? open(DEV_SHM, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fan >= 0 && (shm_dir < 0 || fanotify_mark(fan, FAN_MARK_ADD, EVENTS, shm_dir, NULL) != 0)) {
		close(fan);
		fan = -1;
	}
	buckets = fan >= 0 ? calloc(nbuckets = 256, sizeof *buckets) : NULL;
	if (fan >= 0 && !buckets) {
		close(fan);
		fan = -1;
	}
}

void namewatch_started(void)
{
	reader = (struct eventreader){.fd = fan, .read = read_events};
	if (fan >= 0 && eventreader_start(&reader) != 0) {
		close(fan);
		fan = -1;
	}
}

int namewatch_finish(void)
{
	if (fan < 0)
		return 0;
	eventreader_stop(&reader);
	if (reader.failed)
		lost = 1;
	/* The mark first: closing a group that still has one waits for an
	 * SRCU grace period (fsnotify_destroy_group; 12 ms seen, every run);
	 * a mark removed alone is reaped later by the kernel's worker. */
	fanotify_mark(fan, FAN_MARK_REMOVE, EVENTS, shm_dir, NULL);
	close(fan);
	fan = -1;
	return !lost;
}

/* Whether NAME in DIRFD is still the file FH, and its inode. */
static int still_there(int dirfd, const struct made *m, unsigned long long *ino)
{
	union {
		struct file_handle fh;
		unsigned char room[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} now;
	int mount_id;
	struct stat st;
	now.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dirfd, m->name, &now.fh, &mount_id, 0) != 0 ||
	    sizeof now.fh + now.fh.handle_bytes != m->fh_len || memcmp(now.room, m->fh, m->fh_len) != 0 ||
	    fstatat(dirfd, m->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	*ino = (unsigned long long)st.st_ino;
	return 1;
}

void namewatch_write(FILE *f, const struct pidset *run, int complete)
{
	int dirfd = complete ? shm_dir : -1;
	int first = 1;
	fprintf(f, ",\"dev_shm_watch\":%s", dirfd >= 0 ? "true" : "false");
	if (dirfd >= 0)
		fputs(",\"dev_shm_made\":[", f);
	for (size_t i = 0; i < nbuckets; i++)
		while (buckets[i]) {
			struct made *m = buckets[i];
			unsigned long long ino;
			if (dirfd >= 0 && m->pid > 0 && pidset_has(run, m->pid) && still_there(dirfd, m, &ino)) {
				fputs(first ? "[" : ",[", f);
				put_text(f, m->name);
				fprintf(f, ",%d,%llu]", m->pid, ino);
				first = 0;
			}
			forget(&buckets[i]);
		}
	if (dirfd >= 0)
		fputc(']', f);
	if (shm_dir >= 0)
		close(shm_dir);
	shm_dir = -1;
	free(buckets);
	buckets = NULL;
	nbuckets = 0;
}
