/* A producer that forgets IPC_RMID: it creates a keyed segment, writes a
 * message for a consumer that never comes, detaches and exits.  The
 * segment outlives it in the kernel until someone runs ipcrm.
 *
 *     leaky_producer [KEY]     KEY in hex; default: ftok(argv[0], 'P')
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv)
{
	key_t key = argc > 1 ? (key_t)strtoul(argv[1], NULL, 16) : ftok(argv[0], 'P');
	int shmid = shmget(key, 65536, IPC_CREAT | 0600);
	if (shmid == -1) {
		perror("shmget");
		return 1;
	}
	char *data = shmat(shmid, NULL, 0);
	if (data == (void *)-1) {
		perror("shmat");
		return 1;
	}
	snprintf(data, 65536, "produced by %s", argv[0]);
	shmdt(data);
	printf("shmid=%d key=0x%08x\n", shmid, (unsigned)key);
	return 0; /* no shmctl(shmid, IPC_RMID, NULL): the leak */
}
