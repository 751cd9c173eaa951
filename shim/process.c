/* The trace file of a process, opened when first needed (see enum
 * file_state), with the records about the process itself: a header, then
 * start, exec or fork; exit at the end.  They are rare, so they may read
 * /proc; they still use no malloc or stdio, since a forked child of a
 * threaded program may run only async-signal-safe code. */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/trace_format.h"
#include "../common/version.h"
#include "inject.h"
#include "jsonw.h"
#include "shim.h"

#define PROCESS_RECORD_MAX 16384
#define ARG_MAX_SHOWN 1024 /* bytes of one argv element kept */

/* The opening records are built here, not on the stack, whose first call
 * may be on a small thread stack or a sigaltstack.  Only the thread that
 * opens the file writes them (ensure_file lets one thread at a time in). */
static char opening[PROCESS_RECORD_MAX];
static char cmdline[8192];
static char path[PATH_MAX];

static void write_header(struct jw *w)
{
	jw_open(w, '{');
	jw_key(w, "event"), jw_str(w, EV_HEADER, 16);
	jw_key(w, "format"), jw_str(w, TRACE_FORMAT_NAME, 16);
	jw_key(w, "version"), jw_int(w, TRACE_FORMAT_VERSION);
	jw_key(w, "tool"), jw_str(w, "shmtrace " SHMTRACE_VERSION, 64);
	jw_key(w, "pid"), jw_int(w, proc.pid);
	jw_key(w, "proc_start"), jw_uint(w, proc.start_ticks);
	jw_key(w, "backtrace"), jw_int(w, proc.backtrace_depth);
	jw_key(w, "seed"), jw_uint(w, inject_seed);
	jw_key(w, "inject"), jw_open(w, '[');
	for (int i = 0; i < inject_rules.n; i++)
		jw_str(w, inject_rules.rule[i].text, INJECT_RULE_TEXT);
	jw_close(w, ']');
	jw_close(w, '}');
	jw_finish(w);
}

/* Fields every process record has: who, and when on both clocks, so that
 * the monotonic "ts" of calls can be shown as wall time. */
static void open_record(struct jw *w, const char *event, unsigned long long mono, unsigned long long wall)
{
	jw_open(w, '{');
	jw_key(w, "event"), jw_str(w, event, 16);
	jw_key(w, "pid"), jw_int(w, proc.pid);
	jw_key(w, "tid"), jw_int(w, current_tid());
	jw_key(w, "ts"), jw_uint(w, mono);
	jw_key(w, "realtime"), jw_uint(w, wall);
}

static void write_argv(struct jw *w)
{
	ssize_t n = read_small_file("/proc/self/cmdline", cmdline, sizeof cmdline);
	int truncated = n == (ssize_t)sizeof cmdline;
	jw_key(w, "argv"), jw_open(w, '[');
	for (ssize_t at = 0; at < n;) {
		size_t len = strnlen(cmdline + at, (size_t)(n - at));
		if (jw_room(w) < 6 * ARG_MAX_SHOWN + 512) {
			truncated = 1;
			break;
		}
		jw_str(w, cmdline + at, len < ARG_MAX_SHOWN ? len : ARG_MAX_SHOWN);
		at += (ssize_t)len + 1;
	}
	jw_close(w, ']');
	if (truncated)
		jw_key(w, "argv_truncated"), jw_lit(w, "true");
}

/* Read once per program image, by the first record or fork: a forked
 * child runs its parent's. */
static const char *image_exe(void)
{
	static char exe[PATH_MAX];
	static int known PER_PROCESS;
	if (!known) {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n < 0 ? 0 : n] = '\0';
		known = n > 0;
	}
	return exe;
}

static void write_exe(struct jw *w)
{
	jw_key(w, "exe"), jw_str(w, image_exe(), PATH_MAX);
}

void process_before_fork(void)
{
	image_exe();
}

static void write_process_start(const char *event)
{
	struct jw w;
	jw_init(&w, opening, sizeof opening);
	write_header(&w);
	open_record(&w, event, proc.born_mono, proc.born_real);
	jw_key(&w, "ppid"), jw_int(&w, proc.start_ppid);
	jw_key(&w, "uid"), jw_uint(&w, sys_getuid());
	jw_key(&w, "euid"), jw_uint(&w, sys_geteuid());
	write_exe(&w);
	write_ipc_ns_field(&w);
	jw_key(&w, "cwd"), jw_str(&w, getcwd(path, sizeof path) ? path : "", sizeof path);
	write_argv(&w);
	jw_close(&w, '}');
	size_t len = jw_finish(&w);
	if (len)
		out_write(opening, len);
}

/* own_file: 0 when the child could not create its file and appends to its
 * parent's: then no header, and readers tell it apart by pid. */
static void write_fork(pid_t parent, int own_file)
{
	struct jw w;
	jw_init(&w, opening, sizeof opening);
	if (own_file)
		write_header(&w);
	open_record(&w, EV_FORK, proc.born_mono, proc.born_real);
	jw_key(&w, "ppid"), jw_int(&w, parent);
	jw_key(&w, "own_file"), jw_lit(&w, own_file ? "true" : "false");
	write_exe(&w); /* the parent may have no file to name it */
	write_ipc_ns_field(&w); /* clone(CLONE_NEWIPC) gives a child its own */
	/* The kernel's list, from /proc/self/maps, only if the parent had
	 * attachments that it saw made: reading and parsing the maps was half
	 * of a new process's first call (bench/forks, callgrind). */
	if (atomic_load(&proc.attached) > 0)
		write_sysv_attachments(&w);
	else
		jw_key(&w, "attached"), jw_open(&w, '['), jw_close(&w, ']');
	jw_close(&w, '}');
	size_t len = jw_finish(&w);
	if (len)
		out_write(opening, len);
}

void write_exit(int status, const char *how)
{
	static _Atomic int written PER_PROCESS;
	char buf[512];
	struct jw w;
	if (atomic_load(&proc.file) != FILE_OPEN || atomic_exchange(&written, 1))
		return;
	jw_init(&w, buf, sizeof buf);
	open_record(&w, EV_EXIT, now_ns(CLOCK_MONOTONIC), now_ns(CLOCK_REALTIME));
	jw_key(&w, "status"), jw_int(&w, status & 0377); /* what wait(2) reports */
	jw_key(&w, "how"), jw_str(&w, how, 16);
	jw_close(&w, '}');
	size_t len = jw_finish(&w);
	if (len)
		out_write(buf, len);
}

void write_killed_child(pid_t child, int sig, int core)
{
	char buf[256], name[16] = "SIG";
	const char *abbrev = sigabbrev_np(sig);
	int named = abbrev && strlen(abbrev) < sizeof name - 3;
	struct jw w;
	/* A child with no file of its own may have appended to ours (a fork
	 * record with own_file:false): say it here too, if ours is open. */
	if (out_has_trace_of(child) ? !ensure_file() : atomic_load(&proc.file) != FILE_OPEN)
		return;
	if (named)
		memcpy(name + 3, abbrev, strlen(abbrev) + 1);
	jw_init(&w, buf, sizeof buf);
	jw_open(&w, '{');
	jw_key(&w, "event"), jw_str(&w, EV_KILLED, 16);
	jw_key(&w, "pid"), jw_int(&w, child);
	jw_key(&w, "ts"), jw_uint(&w, now_ns(CLOCK_MONOTONIC));
	jw_key(&w, "realtime"), jw_uint(&w, now_ns(CLOCK_REALTIME));
	if (named)
		jw_key(&w, "signal"), jw_str(&w, name, sizeof name);
	else
		jw_key(&w, "signal"), jw_int(&w, sig);
	jw_key(&w, "core"), jw_lit(&w, core ? "true" : "false");
	jw_key(&w, "reaped_by"), jw_int(&w, proc.pid);
	jw_close(&w, '}');
	size_t len = jw_finish(&w);
	if (len)
		out_write(buf, len);
}

static int open_file(void)
{
	bt_init(false);
	if (!proc.forked || !proc.start_ticks) /* a child may know it already (identity.c) */
		proc.start_ticks = read_start_ticks();
	if (proc.forked) {
		int own_file = out_open_child() == 0;
		if (!own_file && !out_has_file())
			return 0;
		bt_reset_child(own_file);
		write_fork(proc.fork_parent, own_file);
		return 1;
	}
	enum open_result opened = out_open();
	if (opened == OPEN_FAILED)
		return 0;
	write_process_start(opened == OPEN_AFTER_EXEC ? EV_EXEC : EV_START);
	return 1;
}

int ensure_file(void)
{
	int state = atomic_load(&proc.file);
	if (state == FILE_OPEN || state == FILE_FAILED)
		return state == FILE_OPEN;
	int expected = FILE_NONE;
	if (!atomic_compare_exchange_strong(&proc.file, &expected, FILE_OPENING)) {
		/* Another thread opens it.  (A signal handler interrupting the
		 * opener never gets here: the opener holds the guard.) */
		while ((state = atomic_load(&proc.file)) == FILE_OPENING)
			sched_yield();
		return state == FILE_OPEN;
	}
	int busy = shim_busy;
	shim_busy = 1;
	int ok = open_file();
	atomic_store(&proc.file, ok ? FILE_OPEN : FILE_FAILED);
	shim_busy = busy;
	return ok;
}
