/* What a process holds: its open descriptors and its memory mappings, after
 * one shm call (so that a traced process has its trace file) or none.
 *   usage: footprint [call]      prints "fds N maps M" */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1; /* the directory's own descriptor */
}

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;
	while (f && (c = getc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "call")) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id == -1 || shmctl(id, IPC_RMID, NULL) == -1)
			return 1;
	}
	int fds = count_fds(), maps = count_maps();
	printf("fds %d maps %d\n", fds, maps);
	return 0;
}
