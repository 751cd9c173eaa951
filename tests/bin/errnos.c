/* Prints, for calls that fail and calls that succeed, the return value and
 * errno the program sees.  errno is set to 4242 before each call, so a
 * tracer that disturbs errno on success shows too.  Run with and without
 * the shim, the output must be the same (addresses and ids are left out). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

/* The call first, then errno: printf's arguments have no order. */
#define SHOW(label, failed)                                              \
	do {                                                             \
		int failed_ = (failed), errno_ = errno;                  \
		printf("%-28s failed=%d errno=%d\n", label, failed_, errno_); \
	} while (0)

int main(void)
{
	struct shmid_ds ds;

	errno = 4242;
	int bad = shmget(IPC_PRIVATE, (size_t)-1 / 2, IPC_CREAT | 0600);
	SHOW("shmget huge", bad == -1);
	errno = 4242;
	SHOW("shmat bad id", shmat(-1, NULL, 0) == (void *)-1);
	errno = 4242;
	SHOW("shmdt unmapped", shmdt((void *)0x1000) == -1);
	errno = 4242;
	SHOW("shmctl bad cmd", shmctl(0, 9999, &ds) == -1);
	errno = 4242;
	SHOW("shmctl bad id", shmctl(0x7fffffff, IPC_STAT, (void *)8) == -1);

	errno = 4242;
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	SHOW("shmget ok", id == -1);
	errno = 4242;
	void *p = shmat(id, NULL, 0);
	SHOW("shmat ok", p == (void *)-1);
	errno = 4242;
	SHOW("shmctl IPC_STAT ok", shmctl(id, IPC_STAT, &ds) == -1);
	errno = 4242;
	SHOW("shmdt ok", shmdt(p) == -1);
	errno = 4242;
	SHOW("shmctl IPC_RMID ok", shmctl(id, IPC_RMID, NULL) == -1);
	errno = 4242;
	SHOW("shmat removed", shmat(id, NULL, 0) == (void *)-1);

	/* Successes that find what exists: the shim asks the kernel whether
	 * they created it, a question whose own EEXIST must not show. */
	key_t key = (key_t)(0x5e000000 | (getpid() & 0xffff));
	int made = shmget(key, 4096, IPC_CREAT | 0600);
	errno = 4242;
	int again = shmget(key, 4096, IPC_CREAT | 0600);
	SHOW("shmget IPC_CREAT existing", again == -1);
	shmctl(made, IPC_RMID, NULL);
	char name[32];
	snprintf(name, sizeof name, "/errnos.%d", (int)getpid());
	int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
	errno = 4242;
	int fd2 = shm_open(name, O_CREAT | O_RDWR, 0600);
	SHOW("shm_open O_CREAT existing", fd2 == -1);
	close(fd);
	close(fd2);
	shm_unlink(name);
	return 0;
}
