/* The System V semaphore and message-queue calls, as a program makes them.
 *   sysvops [raw]   a set and a queue: semget, semctl SETVAL, semop,
 *                   semtimedop, msgget, msgsnd, msgrcv, both removed; each
 *                   call's failure is handled (message, what was made
 *                   removed, exit 1).  raw: through syscall(2)'s numbers.
 *   sysvops block US   a semop that waits for a child to post after US
 *                   microseconds; prints "waited NS".
 *   sysvops killed US  a child blocked in msgrcv, killed by SIGKILL after
 *                   US microseconds, collected; prints "child PID".
 *   sysvops threads N  a thread waits in semop while the main thread makes
 *                   N semctl GETVAL calls, then posts; prints "posted".
 *   sysvops cancel  a thread waiting in msgrcv is cancelled (msgrcv is a
 *                   cancellation point) and joined; prints "cancelled".
 * Whatever it creates, it removes. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int raw;
static int semid = -1, msqid = -1;

struct message {
	long mtype;
	char text[32];
};

static void cleanup(void)
{
	if (semid != -1)
		semctl(semid, 0, IPC_RMID);
	if (msqid != -1)
		msgctl(msqid, IPC_RMID, NULL);
}

static void check(long r, const char *what)
{
	if (r == -1) {
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		cleanup();
		exit(1);
	}
}

static long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int ops(void)
{
	struct sembuf up = {0, 2, SEM_UNDO}, down[2] = {{0, -1, IPC_NOWAIT}, {1, 0, IPC_NOWAIT}};
	struct timespec ts = {1, 500};
	struct message m = {42, "hello"}, got;
	check(semid = raw ? (int)syscall(SYS_semget, IPC_PRIVATE, 2, IPC_CREAT | 0600) : semget(IPC_PRIVATE, 2, IPC_CREAT | 0600),
	      "semget");
	check(raw ? syscall(SYS_semctl, semid, 1, SETVAL, 0) : semctl(semid, 1, SETVAL, 0), "semctl SETVAL");
	check(raw ? syscall(SYS_semop, semid, &up, 1) : semop(semid, &up, 1), "semop");
	check(raw ? syscall(SYS_semtimedop, semid, down, 2, &ts) : semtimedop(semid, down, 2, &ts), "semtimedop");
	check(msqid = raw ? (int)syscall(SYS_msgget, IPC_PRIVATE, IPC_CREAT | 0600) : msgget(IPC_PRIVATE, IPC_CREAT | 0600),
	      "msgget");
	check(raw ? syscall(SYS_msgsnd, msqid, &m, 6, 0) : msgsnd(msqid, &m, 6, 0), "msgsnd");
	long n = raw ? syscall(SYS_msgrcv, msqid, &got, sizeof got.text, 0, IPC_NOWAIT)
		     : msgrcv(msqid, &got, sizeof got.text, 0, IPC_NOWAIT);
	check(n, "msgrcv");
	printf("received type %ld, %ld bytes: %s\n", got.mtype, n, got.text);
	check(raw ? syscall(SYS_semctl, semid, 0, IPC_RMID, 0) : semctl(semid, 0, IPC_RMID), "semctl IPC_RMID");
	semid = -1;
	check(raw ? syscall(SYS_msgctl, msqid, IPC_RMID, NULL) : msgctl(msqid, IPC_RMID, NULL), "msgctl IPC_RMID");
	msqid = -1;
	return 0;
}

static int block(long us)
{
	struct sembuf down = {0, -1, 0}, up = {0, 1, 0};
	check(semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), "semget");
	pid_t child = fork();
	if (child == 0) {
		usleep((useconds_t)us);
		_exit(semop(semid, &up, 1) == 0 ? 0 : 1);
	}
	long t0 = now_ns();
	check(semop(semid, &down, 1), "semop");
	printf("waited %ld\n", now_ns() - t0);
	int status;
	waitpid(child, &status, 0);
	cleanup();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static int killed(long us)
{
	struct message m;
	check(msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600), "msgget");
	pid_t child = fork();
	if (child == 0)
		_exit(msgrcv(msqid, &m, sizeof m.text, 0, 0) == -1 ? 1 : 0);
	usleep((useconds_t)us);
	kill(child, SIGKILL);
	int status;
	waitpid(child, &status, 0);
	printf("child %d %s\n", (int)child, WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
	cleanup();
	return 0;
}

static void *wait_sem(void *unused)
{
	struct sembuf down = {0, -1, 0};
	(void)unused;
	check(semop(semid, &down, 1), "semop");
	return NULL;
}

static int threads(long n)
{
	struct sembuf up = {0, 1, 0};
	pthread_t t;
	check(semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600), "semget");
	pthread_create(&t, NULL, wait_sem, NULL);
	usleep(100000); /* the thread is waiting by now */
	for (long i = 0; i < n; i++)
		check(semctl(semid, 0, GETVAL), "semctl GETVAL");
	check(semop(semid, &up, 1), "semop");
	pthread_join(t, NULL);
	printf("posted\n");
	cleanup();
	return 0;
}

static void *wait_msg(void *unused)
{
	struct message m;
	(void)unused;
	msgrcv(msqid, &m, sizeof m.text, 0, 0);
	return NULL;
}

static int cancel(void)
{
	pthread_t t;
	void *ret;
	check(msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600), "msgget");
	pthread_create(&t, NULL, wait_msg, NULL);
	usleep(100000);
	pthread_cancel(t);
	pthread_join(t, &ret);
	printf("%s\n", ret == PTHREAD_CANCELED ? "cancelled" : "returned");
	cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "threads") == 0)
		return threads(atol(argv[2]));
	if (argc > 1 && strcmp(argv[1], "cancel") == 0)
		return cancel();
	if (argc > 2 && strcmp(argv[1], "block") == 0)
		return block(atol(argv[2]));
	if (argc > 2 && strcmp(argv[1], "killed") == 0)
		return killed(atol(argv[2]));
	raw = argc > 1 && strcmp(argv[1], "raw") == 0;
	return ops();
}
