/* The MIT-SHM idiom of X clients: a segment made, attached and at once
 * removed (IPC_RMID), which the kernel keeps while another process, the X
 * server, stays attached.
 *   rmidheld make DIR   makes it, writes its id to DIR/id, waits for
 *                       DIR/held, exits (its attachment ends)
 *   rmidheld hold DIR   attaches the id in DIR/id, creates DIR/held, and
 *                       stays attached until killed */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static void path(char *buf, size_t cap, const char *dir, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

int main(int argc, char **argv)
{
	char id_file[4096], held_file[4096];
	if (argc < 3)
		return 2;
	path(id_file, sizeof id_file, argv[2], "id");
	path(held_file, sizeof held_file, argv[2], "held");
	if (strcmp(argv[1], "make") == 0) {
		int id = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
		if (id < 0 || shmat(id, NULL, 0) == (void *)-1 || shmctl(id, IPC_RMID, NULL) != 0)
			return 1;
		FILE *f = fopen(id_file, "w");
		if (!f || fprintf(f, "%d\n", id) < 0 || fclose(f) != 0)
			return 1;
		while (access(held_file, F_OK) != 0)
			usleep(10000);
		return 0;
	}
	int id = -1;
	FILE *f = NULL;
	while (!(f = fopen(id_file, "r")))
		usleep(10000);
	if (fscanf(f, "%d", &id) != 1 || shmat(id, NULL, 0) == (void *)-1)
		return 1;
	fclose(f);
	close(open(held_file, O_WRONLY | O_CREAT, 0600));
	for (;;)
		pause();
}
