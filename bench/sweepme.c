/* For sweep's -j benchmark: 8 shm calls, each after 50 ms of "work", so
 * that a run costs what real programs' runs cost, not sweep's own. */
#include <sys/ipc.h>
#include <sys/shm.h>
#include <time.h>

static void work(void)
{
	struct timespec t = {0, 50 * 1000 * 1000};
	nanosleep(&t, NULL);
}

int main(void)
{
	work();
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	work();
	void *p = shmat(id, NULL, 0);
	work();
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	work();
	shmdt(p);
	work();
	shmctl(id, IPC_RMID, NULL);
	return id == -1 || p == (void *)-1;
}
