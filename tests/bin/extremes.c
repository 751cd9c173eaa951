/* Every call the library records, with extreme argument values -- the
 * limits of each integer type, addresses at both ends, sizes past 2^63,
 * names of every kind of byte -- directly and through syscall(3).  For each
 * call it prints what it passed and got, in the words tests/bin/readback
 * prints what the reader read, so that the two can be compared line for
 * line:  expect PID SEQ CALL field=value ... ret=R errno=E
 * Whatever it creates, it removes (those calls are printed too).
 * "extremes huge" makes only stress-ng's shmget of 2^64 - 16 MiB. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

static long long seq;

static const char *err(int failed)
{
	return failed ? strerrorname_np(errno) : "null";
}

static void head(const char *call)
{
	printf("expect %d %lld %s", (int)getpid(), ++seq, call);
}

static void hexbytes(const char *s)
{
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

static int get(key_t key, size_t size, int flg, int via_syscall)
{
	int id = via_syscall ? (int)syscall(SYS_shmget, key, size, flg) : shmget(key, size, flg);
	int e = errno;
	head("shmget");
	errno = e;
	printf(" key=%08x size=%llu flags=%lld ret=%d errno=%s\n", (unsigned)key, (unsigned long long)size,
	       (long long)flg, id, err(id == -1));
	return id;
}

static void *at(int shmid, const void *addr, int flg, int via_syscall)
{
	void *p = via_syscall ? (void *)syscall(SYS_shmat, shmid, addr, flg) : shmat(shmid, addr, flg);
	int e = errno;
	head("shmat");
	errno = e;
	printf(" shmid=%d shmaddr=%llx flags=%lld ret=%llx errno=%s\n", shmid, (unsigned long long)(uintptr_t)addr,
	       (long long)flg, (unsigned long long)(uintptr_t)p, err(p == (void *)-1));
	return p;
}

static void dt(const void *addr, int via_syscall)
{
	int r = via_syscall ? (int)syscall(SYS_shmdt, addr) : shmdt(addr);
	int e = errno;
	head("shmdt");
	errno = e;
	printf(" shmaddr=%llx ret=%d errno=%s\n", (unsigned long long)(uintptr_t)addr, r, err(r == -1));
}

static void ctl(int shmid, int cmd, struct shmid_ds *buf, int via_syscall)
{
	int r = via_syscall ? (int)syscall(SYS_shmctl, shmid, cmd, buf) : shmctl(shmid, cmd, buf);
	int e = errno;
	head("shmctl");
	errno = e;
	printf(" shmid=%d cmd=%d ret=%d errno=%s\n", shmid, cmd, r, err(r == -1));
}

static void open_(const char *name, int oflag)
{
	int fd = shm_open(name, oflag, 0600);
	int e = errno;
	head("shm_open");
	printf(" name=");
	hexbytes(name);
	errno = e;
	printf(" flags=%d ret=%d errno=%s\n", oflag, fd, err(fd == -1));
	if (fd != -1)
		close(fd);
}

static void unlink_(const char *name)
{
	int r = shm_unlink(name);
	int e = errno;
	head("shm_unlink");
	printf(" name=");
	hexbytes(name);
	errno = e;
	printf(" ret=%d errno=%s\n", r, err(r == -1));
}

static void tok(const char *path, int id)
{
	key_t k = ftok(path, id);
	int e = errno;
	head("ftok");
	printf(" name=");
	hexbytes(path);
	errno = e;
	printf(" id=%d ret=%d errno=%s\n", id, (int)k, err(k == -1));
}

int main(int argc, char **argv)
{
	static const key_t keys[] = {IPC_PRIVATE, 1, INT_MAX, INT_MIN, -1};
	static const size_t sizes[] = {0, 1, SIZE_MAX, SIZE_MAX - (16u << 20) + 1, (size_t)1 << 63,
				       ((size_t)1 << 63) - 1};
	static const int ints[] = {0, -1, INT_MAX, INT_MIN};
	static const uintptr_t addrs[] = {0, 1, UINTPTR_MAX, UINTPTR_MAX - 4095, (uintptr_t)1 << 63};
	char pid[32], name[300];
	snprintf(pid, sizeof pid, "-%d", (int)getpid());
	if (argc > 1 && strcmp(argv[1], "huge") == 0)
		return get(IPC_PRIVATE, SIZE_MAX - (16u << 20) + 1, IPC_CREAT | 0600, 0) == -1 ? 0 : 1;

	for (int v = 0; v < 2; v++) {
		for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
			for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
				get(keys[k], sizes[s], 0600, v); /* none created: no IPC_CREAT */
		for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
			get(IPC_PRIVATE, SIZE_MAX, ints[i], v);
			at(ints[i], NULL, 0, v);
			for (size_t a = 0; a < sizeof addrs / sizeof *addrs; a++)
				at(ints[i], (void *)addrs[a], ints[i], v);
			for (size_t j = 0; j < sizeof ints / sizeof *ints; j++)
				ctl(ints[i], ints[j], NULL, v);
		}
		for (size_t a = 0; a < sizeof addrs / sizeof *addrs; a++)
			dt((void *)addrs[a], v);
		int id = get(IPC_PRIVATE, 4096, IPC_CREAT | 0600, v);
		void *p = at(id, NULL, SHM_RDONLY, v);
		struct shmid_ds ds;
		ctl(id, IPC_STAT, &ds, v);
		ctl(0, SHM_STAT, &ds, v);
		ctl(INT_MAX, SHM_STAT_ANY, &ds, v);
		ctl(id, IPC_RMID, NULL, v);
		dt(p, v);
	}

	/* Names of every kind of byte: UTF-8 of each length, bytes that are
	 * not UTF-8, backslashes, control characters, the longest name. */
	const char *kinds[] = {"/plain", "/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80", "/caf\xe9", "/\xff\xfe\x80\xc0",
			       "/\\x41\\\\", "/\x01\x1f\x7f\t\"", "/\xed\xa0\x80-\xf4\x90\x80\x80-\xe0\x80\xaf",
			       "//two/slashes"};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		snprintf(name, sizeof name, "%s%s", kinds[i], pid);
		open_(name, O_RDWR | O_CREAT | O_EXCL);
		open_(name, O_RDONLY);
		unlink_(name);
		open_(name, INT_MIN);
		tok(name, 0);
	}
	memset(name, 0xff, 255);
	name[0] = '/';
	name[255] = '\0';
	open_(name, O_RDWR | O_CREAT | O_EXCL);
	unlink_(name);
	for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
		tok("/", ints[i]);
		tok("/nonexistent\xff", ints[i]);
	}
	return 0;
}
