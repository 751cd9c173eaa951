/* A program whose caller of shmget has a long plain name that a test
 * overwrites in the symbol table with terminal escapes, as a hostile
 * program's author could name it (tests/hostile_report.bats): sweep and
 * report must show it escaped. */
#include <sys/ipc.h>
#include <sys/shm.h>

__attribute__((noinline)) int evilfunc_AAAAAAAAAAAAAAAAAAAAAAAA(void)
{
	return shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
}

int main(void)
{
	int id = evilfunc_AAAAAAAAAAAAAAAAAAAAAAAA();
	if (id >= 0)
		shmctl(id, IPC_RMID, 0);
	return 0;
}
