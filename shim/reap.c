/* The wait family.  A traced process killed by a signal writes no exit
 * record, so the parent that collects it says how it died: the report then
 * knows that the kernel detached it, and names the signal.  (`shmtrace run`
 * does the same for the processes it collects itself.)  For a child with a
 * trace file of its own, and for any child when this process's file is open
 * (a child that could not create a file appends to its parent's); the
 * program sees exactly what the real call gives, errno included. */
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "shim.h"

static void collected(pid_t child, int sig, int core)
{
	int saved;
	if (!own_work_begin(&saved, false)) /* our init, or a handler that interrupted us */
		return;
	write_killed_child(child, sig, core);
	own_work_end(saved);
}

EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
	int own; /* the status, when the program does not ask for it */
	if (!real.wait4) /* called before our constructor ran; never wait for it */
		real.wait4 = (pid_t(*)(pid_t, int *, int, struct rusage *))dlsym(RTLD_NEXT, "wait4");
	pid_t ret = real.wait4(pid, status ? status : &own, options, usage);
	if (ret <= 0) /* nothing collected; and a bad pointer is the program's EFAULT */
		return ret;
	int st = status ? *status : own;
	if (WIFSIGNALED(st))
		collected(ret, WTERMSIG(st), WCOREDUMP(st));
	return ret;
}

EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	return wait4(pid, status, options, NULL);
}

EXPORT pid_t wait(int *status)
{
	return wait4(-1, status, 0, NULL);
}

EXPORT pid_t wait3(int *status, int options, struct rusage *usage)
{
	return wait4(-1, status, options, usage);
}

EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	if (!real.waitid)
		real.waitid = (int (*)(idtype_t, id_t, siginfo_t *, int))dlsym(RTLD_NEXT, "waitid");
	int ret = real.waitid(idtype, id, info, options);
	/* WNOWAIT only peeks: the child is collected later, by another call. */
	if (ret == 0 && info && !(options & WNOWAIT) && info->si_pid > 0 &&
	    (info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED))
		collected(info->si_pid, info->si_status, info->si_code == CLD_DUMPED);
	return ret;
}
