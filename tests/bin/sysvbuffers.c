/* A waiting call's buffer changed under it by another thread, which is
 * legal: the kernel copied it when the call began (outside trial 17).
 *   sysvbuffers unmap semop|semtimedop|msgsnd
 *     a thread waits in the call, its operations (and timeout) or its
 *     message in a page of their own; the main thread unmaps the page,
 *     then lets the call go on.  Prints "CALL 0" and "done".
 *   sysvbuffers reuse
 *     a thread waits in semop {0, -1, 0}; the main thread writes
 *     {2, 5, SEM_UNDO} over the same operations, then posts.  Prints
 *     "semop 0".
 *   sysvbuffers bad
 *     addresses the kernel cannot read, through syscall(2) (glibc's
 *     msgsnd would read them first under ASan): semop's operations at 8,
 *     and its second operation past the end of a mapping; nsops 100000;
 *     semtimedop's timeout at 8; msgsnd's message at 8, and a message
 *     whose type is readable but not its text; msgrcv into 8.  Prints
 *     each one's errno name. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TEXT 4000

struct message {
	long type;
	char text[TEXT];
};

static int semid, msqid;
static void *page;
static struct sembuf shared_ops[1] = {{0, -1, 0}};

static void *wait_semop(void *arg)
{
	(void)arg;
	struct sembuf *ops = page;
	ops[0] = (struct sembuf){0, -1, 0};
	printf("semop %d\n", semop(semid, ops, 1));
	return NULL;
}

static void *wait_semtimedop(void *arg)
{
	(void)arg;
	struct sembuf *ops = page;
	struct timespec *ts = (struct timespec *)((char *)page + 64);
	ops[0] = (struct sembuf){0, -1, 0};
	*ts = (struct timespec){10, 0};
	printf("semtimedop %d\n", semtimedop(semid, ops, 1, ts));
	return NULL;
}

static void *wait_msgsnd(void *arg)
{
	(void)arg;
	struct message *m = page;
	m->type = 7;
	printf("msgsnd %d\n", msgsnd(msqid, m, TEXT, 0));
	return NULL;
}

static void *wait_reused(void *arg)
{
	(void)arg;
	printf("semop %d\n", semop(semid, shared_ops, 1));
	return NULL;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static void print_errno(const char *what, long ret)
{
	printf("%s %s\n", what, ret != -1 ? "none" : errno == EFAULT ? "EFAULT" : errno == E2BIG ? "E2BIG" : "other");
}

/* Each with a page of its own whose next page is unmapped: what lies at
 * the end of the page is readable, what follows it not. */
static void bad_addresses(void)
{
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(two != MAP_FAILED && munmap(two + 4096, 4096) == 0, "mmap");
	char *end = two + 4096;
	void *bad = (void *)8;
	struct sembuf op = {0, 1, IPC_NOWAIT}, *last = (struct sembuf *)end - 1;
	*last = op;
	struct timespec ts = {1, 0};
	print_errno("semop-at-8", syscall(SYS_semop, semid, bad, 1));
	print_errno("semop-second-unmapped", syscall(SYS_semop, semid, last, 2));
	print_errno("semop-nsops-100000", syscall(SYS_semop, semid, &op, 100000));
	print_errno("semtimedop-timeout-at-8", syscall(SYS_semtimedop, semid, &op, 1, bad));
	print_errno("semtimedop-ok", syscall(SYS_semtimedop, semid, &op, 1, &ts));
	long *type = (long *)end - 1;
	*type = 9;
	print_errno("msgsnd-at-8", syscall(SYS_msgsnd, msqid, bad, 16, IPC_NOWAIT));
	print_errno("msgsnd-text-unmapped", syscall(SYS_msgsnd, msqid, type, 16, IPC_NOWAIT));
	struct message m = {5, "x"};
	check(msgsnd(msqid, &m, 1, 0) == 0, "msgsnd");
	print_errno("msgrcv-into-8", syscall(SYS_msgrcv, msqid, bad, 16, 0, IPC_NOWAIT));
}


/* The queue holds one message of TEXT bytes and is full with it. */
static void fill_queue(void)
{
	struct msqid_ds ds;
	static struct message fill = {1, ""};
	check(msgctl(msqid, IPC_STAT, &ds) == 0, "msgctl IPC_STAT");
	ds.msg_qbytes = TEXT;
	check(msgctl(msqid, IPC_SET, &ds) == 0, "msgctl IPC_SET");
	check(msgsnd(msqid, &fill, TEXT, 0) == 0, "msgsnd");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "", *call = argc > 2 ? argv[2] : "";
	semid = semget(IPC_PRIVATE, 3, 0600);
	msqid = msgget(IPC_PRIVATE, 0600);
	check(semid != -1 && msqid != -1, "semget, msgget");
	void *(*waiter)(void *) = NULL;
	if (!strcmp(mode, "bad")) {
		bad_addresses();
		semctl(semid, 0, IPC_RMID);
		msgctl(msqid, IPC_RMID, NULL);
		return 0;
	}
	if (!strcmp(mode, "reuse"))
		waiter = wait_reused;
	else if (!strcmp(mode, "unmap") && !strcmp(call, "semop"))
		waiter = wait_semop;
	else if (!strcmp(mode, "unmap") && !strcmp(call, "semtimedop"))
		waiter = wait_semtimedop;
	else if (!strcmp(mode, "unmap") && !strcmp(call, "msgsnd"))
		waiter = wait_msgsnd, fill_queue();
	else {
		fprintf(stderr, "usage: sysvbuffers unmap semop|semtimedop|msgsnd | reuse | bad\n");
		return 2;
	}
	page = mmap(NULL, sizeof(struct message), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(page != MAP_FAILED, "mmap");
	pthread_t t;
	check(pthread_create(&t, NULL, waiter, NULL) == 0, "pthread_create");
	usleep(300000); /* the thread is waiting */
	if (waiter == wait_reused)
		shared_ops[0] = (struct sembuf){2, 5, SEM_UNDO};
	else
		check(munmap(page, sizeof(struct message)) == 0, "munmap");
	struct sembuf post = {0, 1, 0};
	static struct message out;
	if (waiter == wait_msgsnd)
		check(msgrcv(msqid, &out, TEXT, 0, 0) == TEXT, "msgrcv"); /* room for the waiting one */
	else
		check(semop(semid, &post, 1) == 0, "semop post");
	pthread_join(t, NULL);
	semctl(semid, 0, IPC_RMID);
	msgctl(msqid, IPC_RMID, NULL);
	puts("done");
	return 0;
}
