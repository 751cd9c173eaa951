/* The run's cgroup (runcgroup.h).  Found from /proc/self/cgroup's "0::"
 * line, below the cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified
 * on a hybrid system), named shmtrace-run.PID. */
#include "runcgroup.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[PATH_MAX]; /* empty: no cgroup */
static char procs[PATH_MAX + 16];

static const char *cgroup2_mount(void)
{
	return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0		  ? "/sys/fs/cgroup"
	       : access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup/unified"
										  : NULL;
}

void run_cgroup_create(void)
{
	char line[PATH_MAX], own[PATH_MAX] = "";
	const char *mount = cgroup2_mount();
	FILE *f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(own, sizeof own, "%s", line + 3);
		}
	if (f)
		fclose(f);
	if (!mount || own[0] != '/' ||
	    snprintf(dir, sizeof dir, "%s%s/shmtrace-run.%d", mount, strcmp(own, "/") ? own : "", (int)getpid()) >=
		    (int)sizeof dir ||
	    mkdir(dir, 0700) != 0) {
		dir[0] = '\0';
		return;
	}
	snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
}

void run_cgroup_join(void)
{
	if (!dir[0])
		return;
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t ignored = write(fd, "0", 1);
		(void)ignored;
		close(fd);
	}
}

static int write_file(const char *name, const char *text)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* The pids in the cgroup now, appended to OUT (unless there already);
 * how many there are. */
static size_t members(struct pidset *out)
{
	FILE *f = fopen(procs, "re");
	size_t n = 0;
	int pid;
	while (f && fscanf(f, "%d", &pid) == 1) {
		n++;
		pidset_add(out, pid);
	}
	if (f)
		fclose(f);
	return n;
}

int run_cgroup_end(struct pidset *ended)
{
	if (!dir[0])
		return 0;
	if (members(ended) == 0)
		return 1;
	if (write_file("cgroup.kill", "1") != 0)
		return 0; /* before Linux 5.14: descendants.c's rounds */
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 200; i++) { /* killed ones leave as they are reaped (by us: subreaper) */
		struct pidset left = {0};
		size_t n = members(&left);
		free(left.pids);
		if (n == 0)
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

void run_cgroup_remove(void)
{
	if (dir[0])
		rmdir(dir);
}
