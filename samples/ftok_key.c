/* The usual way to a SysV key: ftok(path, id).  Creates the key's segment
 * and, unless told "leak", removes it.  The report names the file and id a
 * leaked key came from.
 *   usage: ftok_key PATH ID [leak] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ftok_key PATH ID [leak]\n");
		return 2;
	}
	key_t key = ftok(argv[1], atoi(argv[2]));
	if (key == -1) {
		perror("ftok");
		return 1;
	}
	int shmid = shmget(key, 4096, IPC_CREAT | 0600);
	if (shmid == -1) {
		perror("shmget");
		return 1;
	}
	printf("key=0x%08x shmid=%d\n", (unsigned)key, shmid);
	if (argc > 3 && strcmp(argv[3], "leak") == 0)
		return 0;
	return shmctl(shmid, IPC_RMID, NULL) == 0 ? 0 : 1;
}
