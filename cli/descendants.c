/* The processes a run still has, from /proc/PID/stat's parent field: what
 * sweep ends when a run's program exits and leaves a daemon, or when a run
 * times out.  A process group would not do: a daemon calls setsid(). */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "descendants.h"
#include "runcgroup.h"

struct link {
	int pid, ppid;
};

/* The parent of PID, from the field after the command name, which may
 * itself hold spaces and parentheses (proc(5)); -1 if gone or a zombie
 * (dead: its children are already ours, and it is reaped by our wait). */
static int parent_of(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *end = strrchr(buf, ')');
	char state;
	int ppid;
	return end && sscanf(end + 1, " %c %d", &state, &ppid) == 2 && state != 'Z' ? ppid : -1;
}

size_t find_descendants(struct pidset *out)
{
	struct link *all = NULL;
	size_t n = 0, cap = 0, found = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int pid = atoi(e->d_name), ppid;
		if (pid <= 0 || (ppid = parent_of(pid)) < 0)
			continue;
		if (n == cap) {
			struct link *more = realloc(all, (cap = cap ? cap * 2 : 512) * sizeof *more);
			if (!more)
				break;
			all = more;
		}
		all[n++] = (struct link){pid, ppid};
	}
	if (d)
		closedir(d);
	/* Breadth first from us: each round adds the children of the last. */
	size_t start = out->n;
	for (size_t i = 0; i < n; i++)
		if (all[i].ppid == getpid())
			pidset_add(out, all[i].pid), found++;
	for (size_t from = start; from < out->n; from++)
		for (size_t i = 0; i < n; i++)
			if (all[i].ppid == out->pids[from])
				pidset_add(out, all[i].pid), found++;
	free(all);
	return found;
}

void term_descendants(struct pidset *asked)
{
	struct pidset now = {0};
	find_descendants(&now);
	for (size_t i = 0; i < now.n; i++) {
		kill(now.pids[i], SIGTERM);
		pidset_add(asked, now.pids[i]);
	}
	free(now.pids);
}

void end_descendants(struct pidset *ended)
{
	/* The run's cgroup ends them whole; the rounds below find what it
	 * could not (no cgroup here), for five seconds at most: a process
	 * that forks and exits in a loop is always one pid ahead of them. */
	run_cgroup_end(ended);
	struct timespec t0, now_t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now_t);
		if (now_t.tv_sec - t0.tv_sec >= 5)
			return;
		struct pidset now = {0};
		if (find_descendants(&now) == 0)
			return free(now.pids);
		for (size_t i = 0; i < now.n; i++) {
			kill(now.pids[i], SIGKILL);
			pidset_add(ended, now.pids[i]);
		}
		free(now.pids);
		usleep(1000);
	}
}
