/* Which processes belong to a run: the kernel's word, never a trace's.
 *
 * run is the child subreaper of the run, so it collects its children and
 * every orphan; but a child reaped by its own parent (sh -c 'ipcmk ...')
 * never reaches run.  The kernel's process events connector
 * (linux/cn_proc.h; root only on older kernels) tells every fork in the
 * system as it happens: a fork whose parent is of the run makes a process
 * of the run.  Events are queued in our socket at the fork itself, so once
 * the run has ended a drain of the socket sees them all; a thread reads
 * them while the run lasts so that the queue never overflows.  Without the
 * connector (not allowed, or events lost) the set holds what run collected
 * and says it is incomplete.
 *
 * The user ids the run's processes had go with them, from the kernel too:
 * run's own (the program starts as it, and a child has its parent's), the
 * ids each uid change event carries (the kernel sends one for any change,
 * a set-user-ID exec's included), and those of each process run collects,
 * read before it is reaped.  A name in
 * /dev/shm is removed as the run's only if one of them owns it: a forged
 * trace cannot make run remove another user's file; when each was the
 * run's is uidspans.c's. */
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eventreader.h"
#include "pidspans.h"
#include "pidwatch.h"
#include "uidspans.h"

static struct pidset set, uids;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int sock = -1;
static struct eventreader reader;
static int lost; /* events dropped: the set may miss processes */

static void add_to(struct pidset *s, int id)
{
	if (pidset_add(s, id) != 0)
		lost = 1;
}

static void add(int pid)
{
	add_to(&set, pid);
}

/* PID's four user ids, as /proc/PID/status gives them (a zombie's too). */
static void add_uids_of(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	while (f && fgets(line, sizeof line, f)) {
		unsigned id[4];
		int n = sscanf(line, "Uid: %u %u %u %u", &id[0], &id[1], &id[2], &id[3]);
		for (int i = 0; i < n; i++)
			add_to(&uids, (int)id[i]);
		if (n > 0)
			break;
	}
	if (f)
		fclose(f);
}

/* Whether PID is a process of the run now: a pid that was the run's and
 * ended may be another's since (pidspans.c); the set alone when the
 * spans have no room. */
static int of_run_now(int pid)
{
	int live = pidspans_live(pid);
	return live < 0 ? pidset_has(&set, pid) : live;
}

/* One datagram of events; 0, or -1 when nothing was there. */
static int read_events(void)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t len = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
	if (len < 0) {
		if (errno == ENOBUFS)
			lost = 1;
		return errno == ENOBUFS || errno == EINTR ? 0 : -1;
	}
	pthread_mutex_lock(&lock);
	for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
		struct cn_msg *msg = NLMSG_DATA(h);
		struct proc_event ev = {0}; /* copied: the event is not 8-byte aligned in the message */
		memcpy(&ev, msg->data, msg->len < sizeof ev ? msg->len : sizeof ev);
		if (h->nlmsg_type != NLMSG_DONE)
			continue;
		if (ev.what == PROC_EVENT_FORK && ev.event_data.fork.child_pid != ev.event_data.fork.child_tgid)
			pidspans_thread(ev.event_data.fork.child_tgid);
		else if (ev.what == PROC_EVENT_FORK && of_run_now(ev.event_data.fork.parent_tgid)) {
			pidspans_fork(ev.event_data.fork.parent_tgid, ev.event_data.fork.child_tgid, ev.timestamp_ns);
			uidspans_fork(ev.event_data.fork.parent_tgid, ev.event_data.fork.child_tgid, ev.timestamp_ns);
			add(ev.event_data.fork.child_tgid);
		} else if (ev.what == PROC_EVENT_FORK) {
			pidspans_fork(ev.event_data.fork.parent_tgid, ev.event_data.fork.child_tgid, ev.timestamp_ns);
		} else if (ev.what == PROC_EVENT_EXIT && pidspans_exit(ev.event_data.exit.process_tgid, ev.timestamp_ns)) {
			uidspans_exit(ev.event_data.exit.process_tgid, ev.timestamp_ns);
		} else if (ev.what == PROC_EVENT_UID && of_run_now(ev.event_data.id.process_tgid)) {
			add_to(&uids, (int)ev.event_data.id.r.ruid);
			add_to(&uids, (int)ev.event_data.id.e.euid);
			uidspans_setuid(ev.event_data.id.process_tgid, ev.event_data.id.e.euid, ev.timestamp_ns);
		}
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

/* PROC_CN_MCAST_LISTEN, and since Linux 6.6 the events wanted with it
 * (struct proc_input): fork, uid and exit only; no exec, comm, sid or
 * ptrace events, which any process can make by the thousand to overflow
 * our queue.  An older kernel takes the plain request and ignores the
 * longer one. */
static int ask(unsigned len, unsigned events)
{
	struct {
		struct nlmsghdr h;
		struct cn_msg msg;
		unsigned op, events;
	} __attribute__((packed)) req = {
		.h = {.nlmsg_len = sizeof req - sizeof(unsigned) * 2 + len, .nlmsg_type = NLMSG_DONE,
		      .nlmsg_pid = (unsigned)getpid()},
		.msg = {.id = {.idx = CN_IDX_PROC, .val = CN_VAL_PROC}, .len = (unsigned short)len},
		.op = PROC_CN_MCAST_LISTEN,
		.events = events,
	};
	return send(sock, &req, req.h.nlmsg_len, 0) < 0 ? -1 : 0;
}

/* The events name processes by their pids in the initial PID namespace,
 * which no process of a run started in another (unshare --pid, a
 * container sharing the host's network) is known by: there run would
 * take the run's own processes for strangers, and a leak for another
 * program's (outside trial 23).  The kernel gives that namespace's
 * /proc/PID/ns/pid this inode (PROC_PID_INIT_INO, linux/proc_ns.h). */
#define INITIAL_PID_NAMESPACE 0xEFFFFFFCu

static int in_initial_pid_namespace(void)
{
	struct stat st;
	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == INITIAL_PID_NAMESPACE;
}

static int listen_forks(void)
{
	if (!in_initial_pid_namespace())
		return -1;
	sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (sock < 0)
		return -1;
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	int big = 8 << 20;
	setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	if (bind(sock, (struct sockaddr *)&addr, sizeof addr) != 0 || ask(sizeof(unsigned), 0) != 0 ||
	    ask(2 * sizeof(unsigned), PROC_EVENT_FORK | PROC_EVENT_UID | PROC_EVENT_EXIT) != 0) {
		close(sock);
		sock = -1;
		return -1;
	}
	return 0;
}

void pidwatch_start(void)
{
	add(getpid()); /* our forks are the run's first processes */
	/* Without room to follow pids and uids over time, a pid of the run
	 * may be another's unseen: as if events were lost. */
	if (pidspans_start(getpid()) != 0 || uidspans_start(getpid()) != 0)
		lost = 1;
	add_uids_of(getpid()); /* ... and start with our user ids */
	listen_forks();
}

void pidwatch_started(int first)
{
	uidspans_first_child(first);
	reader = (struct eventreader){.fd = sock, .read = read_events};
	if (sock >= 0 && eventreader_start(&reader) != 0) {
		close(sock);
		sock = -1;
	}
}

void pidwatch_collected(int pid)
{
	pthread_mutex_lock(&lock);
	add(pid);
	pthread_mutex_unlock(&lock);
}

void pidwatch_ending(int pid)
{
	pthread_mutex_lock(&lock);
	add_uids_of(pid);
	pthread_mutex_unlock(&lock);
}

int pidwatch_is_member(int pid)
{
	pthread_mutex_lock(&lock);
	int yes = pid != getpid() && pidset_has(&set, pid);
	pthread_mutex_unlock(&lock);
	return yes;
}

int pidwatch_finish(struct pidset *out, struct pidset *out_uids)
{
	if (sock >= 0) {
		eventreader_stop(&reader);
		lost |= reader.failed;
		close(sock);
	}
	int complete = sock >= 0 && !lost;
	sock = -1;
	/* run itself made no segment: only its descendants are the run's. */
	for (size_t i = 0; i < set.n; i++)
		if (set.pids[i] == getpid())
			set.pids[i] = set.pids[--set.n];
	*out = set;
	*out_uids = uids;
	set = uids = (struct pidset){0};
	return complete;
}
