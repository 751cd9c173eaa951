/* A parent holding SysV attachments of every shape the fork record lists
 * -- read-write, SHM_RDONLY, one segment attached twice -- beside shared
 * mappings that are none (a file whose path is long, MAP_SHARED anonymous
 * memory), forks a child that makes one call; the child prints what its
 * own /proc/self/maps says it holds, "SHMID ADDR SIZE" a line, in address
 * order, for the test to hold against its fork record.
 *   usage: attachments FILE   (FILE: a path to create, mapped shared) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static void print_own_attachments(void)
{
	char line[4096];
	unsigned long long start, end, inode, open_start = 0, open_end = 0, open_id = 0;
	FILE *maps = fopen("/proc/self/maps", "r");
	while (maps && fgets(line, sizeof line, maps)) {
		if (!strstr(line, " /SYSV") || sscanf(line, "%llx-%llx %*s %*s %*s %llu", &start, &end, &inode) != 3)
			continue;
		if (open_end == start && open_id == inode) { /* one attachment, two lines */
			open_end = end;
			continue;
		}
		if (open_end)
			printf("%llu 0x%llx %llu\n", open_id, open_start, open_end - open_start);
		open_start = start, open_end = end, open_id = inode;
	}
	if (open_end)
		printf("%llu 0x%llx %llu\n", open_id, open_start, open_end - open_start);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int rw = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600), ro = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (rw == -1 || ro == -1 || fd < 0 || ftruncate(fd, 4096) != 0)
		return 1;
	/* The segment's two attachments 24 KiB apart, never side by side: the
	 * child's maps would show them as one run (a CI run under ASan, where
	 * the other attachment went into a hole elsewhere). */
	char *room = mmap(NULL, 64 << 10, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (room == MAP_FAILED || munmap(room, 64 << 10) != 0)
		return 1;
	void *a = shmat(rw, room, 0), *b = shmat(ro, NULL, SHM_RDONLY), *c = shmat(rw, room + (32 << 10), 0);
	void *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	void *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shmctl(rw, IPC_RMID, NULL), shmctl(ro, IPC_RMID, NULL);
	if (a == (void *)-1 || b == (void *)-1 || c == (void *)-1 || f == MAP_FAILED || anon == MAP_FAILED)
		return 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		shmctl(id, IPC_RMID, NULL);
		print_own_attachments();
		return 0;
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
