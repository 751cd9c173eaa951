/* Forks five children that each make a segment, attach it and die of a
 * signal (SIGKILL, SIGSEGV, SIGTERM, SIGABRT, SIGKILL), and collects each
 * with another of the wait family -- wait(NULL), waitpid, wait3, wait4,
 * waitid -- printing "pid signal" as it learns it.  usage: reaper */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child(int sig)
{
	pid_t pid = fork();
	if (pid == 0) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		shmat(id, NULL, 0);
		shmctl(id, IPC_RMID, NULL); /* gone with its last attachment */
		signal(sig, SIG_DFL);
		raise(sig);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	static const int sigs[] = {SIGKILL, SIGSEGV, SIGTERM, SIGABRT, SIGKILL};
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	for (int i = 0; i < 5; i++) {
		pid_t pid = child(sigs[i]);
		int status = 0;
		siginfo_t info = {0};
		switch (i) {
		case 0: /* the status the program does not ask for: the shim's own */
			pid = wait(NULL);
			status = sigs[i];
			break;
		case 1:
			waitpid(pid, &status, 0);
			status = WTERMSIG(status);
			break;
		case 2:
			wait3(&status, 0, NULL);
			status = WTERMSIG(status);
			break;
		case 3:
			wait4(pid, &status, 0, NULL);
			status = WTERMSIG(status);
			break;
		case 4:
			waitid(P_PID, (id_t)pid, &info, WEXITED);
			status = info.si_status;
			break;
		}
		printf("%d %d\n", (int)pid, status);
	}
	return 0;
}
