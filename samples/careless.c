/* A program whose error handling is careless, for fault injection: run
 * cleanly it creates two segments, uses and removes them.  But
 *  - the first shmat is not checked: if it fails, the program writes
 *    through (void *)-1 and crashes;
 *  - when the second shmat fails it returns early and leaks both segments;
 *  - the result of IPC_RMID is ignored.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	int config = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	if (config == -1) {
		perror("shmget config");
		return 1;
	}
	char *settings = shmat(config, NULL, 0); /* unchecked */
	strcpy(settings, "verbose=1");

	int buffer = shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0600);
	if (buffer == -1) {
		perror("shmget buffer");
		return 1; /* leaks `config` */
	}
	char *data = shmat(buffer, NULL, 0);
	if (data == (void *)-1)
		return 1; /* leaks both, and says nothing */
	memset(data, 0, 1 << 20);

	shmdt(data);
	shmdt(settings);
	shmctl(buffer, IPC_RMID, NULL);
	shmctl(config, IPC_RMID, NULL);
	puts("done");
	return 0;
}
