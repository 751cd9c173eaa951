/* The classic System V shared-memory walk-through: create a private
 * segment, attach it, ask its size with IPC_STAT, write to it, detach,
 * attach again at another address, read back, detach, remove.
 *
 * It prints what it did ("shmid=..", "attach=..") so that tests can check
 * the trace against the program's own view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#define SEGMENT_SIZE 4096

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(void)
{
	int shmid = shmget(IPC_PRIVATE, SEGMENT_SIZE, IPC_CREAT | 0600);
	if (shmid == -1)
		die("shmget");
	printf("shmid=%d\n", shmid);

	char *first = shmat(shmid, NULL, 0);
	if (first == (void *)-1)
		die("shmat");
	printf("attach=%p\n", (void *)first);

	struct shmid_ds ds;
	if (shmctl(shmid, IPC_STAT, &ds) == -1)
		die("shmctl IPC_STAT");
	printf("size=%zu\n", (size_t)ds.shm_segsz);

	strcpy(first, "hello, shared memory");
	if (shmdt(first) == -1)
		die("shmdt");

	/* Left alone, the kernel would hand out the same address again: keep
	 * the old one busy so that the second attachment lands elsewhere. */
	if (mmap(first, SEGMENT_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED)
		die("mmap");
	char *second = shmat(shmid, NULL, SHM_RDONLY);
	if (second == (void *)-1)
		die("shmat again");
	printf("attach=%p\n", (void *)second);
	printf("read=%s\n", second);

	if (shmdt(second) == -1)
		die("shmdt again");
	if (shmctl(shmid, IPC_RMID, NULL) == -1)
		die("shmctl IPC_RMID");
	return 0;
}
