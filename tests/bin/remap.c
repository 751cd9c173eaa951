/* SHM_REMAP as the kernel does it, with the kernel's own count of
 * attachments as the oracle.  Attaches A, then B over it with SHM_REMAP
 * (A is gone); C of 4 pages, then D of 1 page over C's first page (C's
 * tail stays mapped, and attached).  Prints each segment's nattch from
 * IPC_STAT, then removes them all and exits without detaching anything:
 *   nattch A=0 B=1 C=1 D=1
 *   shmid A=... B=... C=... D=... */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static unsigned long nattch(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) == 0 ? (unsigned long)ds.shm_nattch : 999;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int a = shmget(IPC_PRIVATE, (size_t)page * 2, IPC_CREAT | 0600);
	int b = shmget(IPC_PRIVATE, (size_t)page * 2, IPC_CREAT | 0600);
	int c = shmget(IPC_PRIVATE, (size_t)page * 4, IPC_CREAT | 0600);
	int d = shmget(IPC_PRIVATE, (size_t)page, IPC_CREAT | 0600);
	if (a == -1 || b == -1 || c == -1 || d == -1)
		return 1;
	void *pa = shmat(a, NULL, 0);
	void *pb = shmat(b, pa, SHM_REMAP);
	void *pc = shmat(c, NULL, 0);
	void *pd = shmat(d, pc, SHM_REMAP);
	if (pa == (void *)-1 || pb != pa || pc == (void *)-1 || pd != pc)
		return 1;
	printf("nattch A=%lu B=%lu C=%lu D=%lu\n", nattch(a), nattch(b), nattch(c), nattch(d));
	printf("shmid A=%d B=%d C=%d D=%d\n", a, b, c, d);
	int ids[] = {a, b, c, d};
	for (int i = 0; i < 4; i++)
		shmctl(ids[i], IPC_RMID, NULL);
	return 0;
}
