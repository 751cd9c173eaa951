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
#include <sys/msg.h>
#include <sys/sem.h>
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

/* The semaphore and message-queue calls: each prints its own fields. */
#define SYSV_CALL(NAME, RET, CALL, SYSCALL, FMT, ...)                 \
	do {                                                          \
		RET r = v ? (RET)(SYSCALL) : (CALL);                  \
		int e = errno;                                        \
		head(NAME);                                           \
		errno = e;                                            \
		printf(" " FMT " ret=%lld errno=%s\n", __VA_ARGS__, (long long)r, err(r == -1)); \
		last = (long long)r;                                  \
	} while (0)

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

#ifdef __SANITIZE_ADDRESS__
static const int asan = 1;
#else
static const int asan = 0;
#endif

static void sysv(const int *ints, size_t nints, const key_t *keys, size_t nkeys)
{
	static const size_t sizes[] = {0, 1, SIZE_MAX, (size_t)1 << 63, ((size_t)1 << 63) - 1, ((size_t)1 << 32) + 1};
	static const long types[] = {0, 1, -1, LONG_MIN, LONG_MAX, 2};
	struct sembuf op = {0, 1, SEM_UNDO | IPC_NOWAIT}, ops[20];
	struct semid_ds sds;
	struct msqid_ds mds;
	struct timespec ts = {0, 1};
	struct {
		long mtype;
		char text[16];
	} msg = {LONG_MAX, "hello"};
	long long last;
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		ops[i] = (struct sembuf){(unsigned short)i, (short)(i % 2 ? -1 : 1), IPC_NOWAIT};
	for (int v = 0; v < 2; v++) {
		for (size_t k = 0; k < nkeys; k++)
			for (size_t i = 0; i < nints; i++) {
				SYSV_CALL("semget", int, semget(keys[k], ints[i], 0600), syscall(SYS_semget, keys[k], ints[i], 0600),
					  "key=%08x nsems=%d flags=%d", (unsigned)keys[k], ints[i], 0600);
				SYSV_CALL("msgget", int, msgget(keys[k], ints[i]), syscall(SYS_msgget, keys[k], ints[i]),
					  "key=%08x flags=%d", (unsigned)keys[k], ints[i]);
				if (last != -1) /* IPC_PRIVATE makes a queue without IPC_CREAT */
					SYSV_CALL("msgctl", int, msgctl((int)last, IPC_RMID, NULL),
						  syscall(SYS_msgctl, (int)last, IPC_RMID, NULL), "msqid=%d cmd=%d", (int)last,
						  IPC_RMID);
			}
		for (size_t i = 0; i < nints; i++) {
			for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
				SYSV_CALL("semop", int, semop(ints[i], &op, sizes[s]), syscall(SYS_semop, ints[i], &op, sizes[s]),
					  "semid=%d nsops=%zu", ints[i], sizes[s]);
				/* (ASan's msgsnd reads msgsz bytes of the buffer first.) */
				if (!asan || sizes[s] <= sizeof msg.text)
					SYSV_CALL("msgsnd", int, msgsnd(ints[i], &msg, sizes[s], ints[i]),
					  syscall(SYS_msgsnd, ints[i], &msg, sizes[s], ints[i]), "msqid=%d msgsz=%zu flags=%d",
					  ints[i], sizes[s], ints[i]);
				SYSV_CALL("msgrcv", ssize_t, msgrcv(ints[i], &msg, sizes[s], types[s], ints[i]),
					  syscall(SYS_msgrcv, ints[i], &msg, sizes[s], types[s], ints[i]),
					  "msqid=%d msgsz=%zu msgtyp=%ld flags=%d", ints[i], sizes[s], types[s], ints[i]);
			}
			SYSV_CALL("semtimedop", int, semtimedop(ints[i], ops, 20, &ts), syscall(SYS_semtimedop, ints[i], ops, 20, &ts),
				  "semid=%d nsops=%d", ints[i], 20);
			for (size_t j = 0; j < nints; j++) {
				SYSV_CALL("semctl", int, semctl(ints[i], ints[j], ints[j]),
					  syscall(SYS_semctl, ints[i], ints[j], ints[j], 0), "semid=%d semnum=%d cmd=%d", ints[i],
					  ints[j], ints[j]);
				SYSV_CALL("msgctl", int, msgctl(ints[i], ints[j], NULL), syscall(SYS_msgctl, ints[i], ints[j], NULL),
					  "msqid=%d cmd=%d", ints[i], ints[j]);
			}
		}
		/* A set and a queue that exist: operations that succeed, then removed. */
		SYSV_CALL("semget", int, semget(IPC_PRIVATE, 20, IPC_CREAT | 0600),
			  syscall(SYS_semget, IPC_PRIVATE, 20, IPC_CREAT | 0600), "key=%08x nsems=%d flags=%d", 0, 20,
			  IPC_CREAT | 0600);
		int semid = (int)last;
		SYSV_CALL("semctl", int, semctl(semid, 3, SETVAL, (union semun){.val = INT_MAX}),
			  syscall(SYS_semctl, semid, 3, SETVAL, INT_MAX), "semid=%d semnum=%d cmd=%d", semid, 3, SETVAL);
		SYSV_CALL("semop", int, semop(semid, ops, 20), syscall(SYS_semop, semid, ops, 20), "semid=%d nsops=%d", semid, 20);
		SYSV_CALL("semtimedop", int, semtimedop(semid, &op, 1, NULL), syscall(SYS_semtimedop, semid, &op, 1, NULL),
			  "semid=%d nsops=%d", semid, 1);
		SYSV_CALL("semctl", int, semctl(semid, 0, IPC_STAT, (union semun){.buf = &sds}),
			  syscall(SYS_semctl, semid, 0, IPC_STAT, &sds), "semid=%d semnum=%d cmd=%d", semid, 0, IPC_STAT);
		SYSV_CALL("semctl", int, semctl(semid, 0, IPC_RMID), syscall(SYS_semctl, semid, 0, IPC_RMID, 0),
			  "semid=%d semnum=%d cmd=%d", semid, 0, IPC_RMID);
		SYSV_CALL("msgget", int, msgget(IPC_PRIVATE, IPC_CREAT | 0600), syscall(SYS_msgget, IPC_PRIVATE, IPC_CREAT | 0600),
			  "key=%08x flags=%d", 0, IPC_CREAT | 0600);
		int msqid = (int)last;
		SYSV_CALL("msgsnd", int, msgsnd(msqid, &msg, sizeof msg.text, IPC_NOWAIT),
			  syscall(SYS_msgsnd, msqid, &msg, sizeof msg.text, IPC_NOWAIT), "msqid=%d msgsz=%zu flags=%d", msqid,
			  sizeof msg.text, IPC_NOWAIT);
		SYSV_CALL("msgrcv", ssize_t, msgrcv(msqid, &msg, 1, LONG_MIN, IPC_NOWAIT | MSG_NOERROR),
			  syscall(SYS_msgrcv, msqid, &msg, 1, LONG_MIN, IPC_NOWAIT | MSG_NOERROR),
			  "msqid=%d msgsz=%d msgtyp=%ld flags=%d", msqid, 1, LONG_MIN, IPC_NOWAIT | MSG_NOERROR);
		SYSV_CALL("msgctl", int, msgctl(msqid, IPC_STAT, &mds), syscall(SYS_msgctl, msqid, IPC_STAT, &mds),
			  "msqid=%d cmd=%d", msqid, IPC_STAT);
		SYSV_CALL("msgctl", int, msgctl(msqid, IPC_RMID, NULL), syscall(SYS_msgctl, msqid, IPC_RMID, NULL),
			  "msqid=%d cmd=%d", msqid, IPC_RMID);
	}
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

	sysv(ints, sizeof ints / sizeof *ints, keys, sizeof keys / sizeof *keys);

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
