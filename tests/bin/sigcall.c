/* shm calls from a signal handler, while the main loop makes them too.
 * Nothing may deadlock; every call of the loop is traced, and so is each
 * handler call that did not interrupt the shim itself (those go straight
 * to the real function).  Prints how many calls each made. */
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/time.h>

static volatile sig_atomic_t handler_calls;

static void on_alarm(int sig)
{
	(void)sig;
	struct shmid_ds ds;
	shmctl(0x7ffffffe, IPC_STAT, &ds);
	handler_calls++;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every = {{0, 200}, {0, 200}};
	setitimer(ITIMER_REAL, &every, NULL);
	long loop_calls = 0;
	struct shmid_ds ds;
	while (handler_calls < 200) {
		shmctl(0x7fffffff, IPC_STAT, &ds);
		loop_calls++;
	}
	struct itimerval stop = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &stop, NULL);
	printf("handler=%d loop=%ld\n", (int)handler_calls, loop_calls);
	return 0;
}
