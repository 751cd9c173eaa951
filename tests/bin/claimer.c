/* The attacks of issue 13 on /dev/shm names (docs/security.md), as one
 * program run by tests/names_watch.bats:
 *
 *   claimer claim NAME DIR HOW
 *     a traced program that keeps its trace descriptor, becomes nobody
 *     (unless HOW is "stay"), says so (DIR/ready), waits until a process
 *     outside the run has made /dev/shm/NAME, and claims it with a forged
 *     shm_open record.  HOW: "drop" (nothing more), "stay" (stays root:
 *     a wrapper that is still root), "clone-parent" (a nobody child made
 *     with clone(CLONE_PARENT): the kernel calls it run's child), "su" (a
 *     set-user-ID root su, waiting for a password, while it claims).
 *   claimer make NAME
 *     the good case: a traced program that becomes nobody and makes
 *     /NAME with shm_open, and leaves it (its trace file was opened while
 *     it was root: nobody could not make one in root's directory).
 *   claimer job DIR NAME
 *     the process outside the run: spins until DIR/ready, then makes
 *     /dev/shm/NAME at once (within the clock's tick of the drop). */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int keep[2]; /* the keeper lives until the claim is written */
static char stack[65536];

static int trace_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd = -1;
	char path[300], to[4096];
	while (d && (e = readdir(d))) {
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, to, sizeof to - 1);
		if (n > 0 && (to[n] = '\0', strstr(to, "/shmtrace.") && strstr(to, ".jsonl")))
			fd = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return fd;
}

static int sleeper(void *unused)
{
	(void)unused;
	char b;
	close(keep[1]);
	return (int)read(keep[0], &b, 1);
}

static pid_t start_keeper(const char *how)
{
	if (pipe(keep) != 0)
		return -1;
	if (!strcmp(how, "clone-parent"))
		return clone(sleeper, stack + sizeof stack, CLONE_PARENT, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(keep[0], 0);
		close(keep[1]);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1), dup2(null, 2);
		if (!strcmp(how, "su"))
			execl("/usr/bin/su", "su", "root", "-c", "true", (char *)NULL);
		_exit(0);
	}
	return pid;
}

static int claim(const char *name, const char *dir, const char *how)
{
	struct shmid_ds ds;
	shmctl(0, IPC_STAT, &ds); /* one traced call: the trace file is open */
	int fd = trace_fd();
	char path[4200], line[4600];
	struct stat st;
	if (fd < 0)
		return 2;
	if (strcmp(how, "stay") && (setgid(65534) != 0 || setuid(65534) != 0))
		return 2;
	pid_t keeper = strcmp(how, "drop") && strcmp(how, "stay") ? start_keeper(how) : 0;
	if (keeper < 0)
		return 3;
	if (keeper)
		usleep(300000); /* su has exec'd and waits for its password */
	snprintf(path, sizeof path, "%s/ready", dir);
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666));
	snprintf(path, sizeof path, "/dev/shm/%s", name);
	for (int i = 0; i < 2000 && stat(path, &st) != 0; i++)
		usleep(5000);
	int n = snprintf(line, sizeof line,
			 "{\"event\":\"call\",\"call\":\"shm_open\",\"seq\":90,\"pid\":%d,\"tid\":%d,\"ts\":1,\"dur\":1,"
			 "\"args\":{\"name\":\"/%s\",\"oflag\":66,\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"mode\":\"0600\"},"
			 "\"ret\":3,\"errno\":null,\"injected\":false,\"created\":true}\n",
			 getpid(), getpid(), name);
	int bad = write(fd, line, (size_t)n) != n;
	usleep(300000); /* the run goes on a while: the name is well inside its spans */
	if (keeper) {
		close(keep[0]), close(keep[1]);
		usleep(100000);
		if (strcmp(how, "clone-parent"))
			waitpid(keeper, NULL, 0);
	}
	return bad;
}

static int job(const char *dir, const char *name)
{
	char ready[4200], path[4200];
	struct stat st;
	snprintf(ready, sizeof ready, "%s/ready", dir);
	snprintf(path, sizeof path, "/dev/shm/%s", name);
	for (long i = 0; stat(ready, &st) != 0; i++)
		if (i > 200000000)
			return 1;
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	return fd < 0 || write(fd, "data\n", 5) != 5 || close(fd) != 0;
}

static int make(const char *name)
{
	struct shmid_ds ds;
	char path[4200];
	shmctl(0, IPC_STAT, &ds);
	if (setgid(65534) != 0 || setuid(65534) != 0)
		return 2;
	snprintf(path, sizeof path, "/%s", name);
	int fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	return fd < 0 || close(fd) != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "make"))
		return make(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "claim"))
		return claim(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "job"))
		return job(argv[2], argv[3]);
	fprintf(stderr, "usage: claimer claim NAME DIR drop|stay|clone-parent|su | claimer job DIR NAME | claimer make NAME\n");
	return 2;
}
