/* Runs a program through one call of the exec family (or posix_spawn, or
 * vfork + execve), after doing to its environment what programs do.
 *   usage: execer [--attach] ENV CALL PROGRAM [ARGS...]
 *   --attach  first attach a segment (removed at once: it dies with the
 *             attachment), which the exec ends
 *   ENV       keep | empty (an empty envp; clearenv() for the calls that
 *             pass environ; only ASAN_OPTIONS and UBSAN_OPTIONS are kept,
 *             which a sanitized build's programs need) | unset (unsetenv LD_PRELOAD) | changed
 *             (LD_PRELOAD="" and SHMTRACE_BACKTRACE=9) | full (the largest
 *             environment with which a raw execve(2) of PROGRAM, made past
 *             any wrapper, still works: bytes added to it give E2BIG)
 *   CALL      execve execv execvp execvpe execl execle execlp fexecve
 *             execveat spawn spawnp vfork
 * A failed exec prints "CALL: ERRNO" and exits 100; spawn and vfork wait for
 * the child and exit with its status, after a shm call of the parent's. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int exited_as(pid_t pid, const char *call)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 126;
	/* The parent goes on being traced, with its environment untouched. */
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	shmctl(id, IPC_RMID, NULL);
	printf("%s parent %d: LD_PRELOAD %s\n", call, (int)getpid(), getenv("LD_PRELOAD") ? "set" : "unset");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An environment of N bytes of text in strings under the kernel's limit
 * for one string (MAX_ARG_STRLEN, 32 pages). */
static char **padding(size_t n)
{
	size_t piece = 100000, count = n / piece + 1;
	char **env = calloc(count + 1, sizeof *env);
	for (size_t i = 0; i < count; i++) {
		size_t len = i + 1 < count ? piece : n % piece;
		env[i] = malloc(len + 8);
		snprintf(env[i], 8, "P%05d=", (int)(i % 100000));
		memset(env[i] + 7, 'x', len);
		env[i][len + 7] = '\0';
	}
	return env;
}

/* Does a raw execve(2) of PROG with ENV work?  (syscall() is not one of
 * the calls that put LD_PRELOAD back.) */
static int fits(const char *prog, char **args, char **env)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1), dup2(null, 2);
		syscall(SYS_execve, prog, args, env);
		_exit(errno == E2BIG ? 99 : 98);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) < 98;
}

static char **largest_environment(const char *prog, char **args)
{
	size_t lo = 0, hi = 16 << 20; /* fits(lo), !fits(hi) */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		char **env = padding(mid);
		if (fits(prog, args, env))
			lo = mid;
		else
			hi = mid;
	}
	return padding(lo);
}

int main(int argc, char **argv)
{
	int attach = argc > 1 && !strcmp(argv[1], "--attach");
	if (argc < 4 + attach)
		return 2;
	const char *env = argv[1 + attach], *call = argv[2 + attach], *prog = argv[3 + attach];
	char **args = argv + 3 + attach;
	int nargs = argc - 3 - attach;
	if (attach) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id < 0 || shmat(id, NULL, 0) == (void *)-1 || shmctl(id, IPC_RMID, NULL) != 0)
			return 3;
	}
	static char *empty[3];
	char **envp = environ;
	if (!strcmp(env, "empty")) {
		static const char *sanitizers[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS"};
		char *kept[2] = {NULL, NULL};
		int n = 0;
		for (int i = 0; i < 2; i++) {
			const char *v = getenv(sanitizers[i]);
			if (v && asprintf(&kept[n], "%s=%s", sanitizers[i], v) > 0)
				empty[n] = kept[n], n++;
		}
		envp = empty;
		clearenv();
		for (int i = 0; i < n; i++)
			putenv(kept[i]);
	} else if (!strcmp(env, "unset")) {
		unsetenv("LD_PRELOAD");
		envp = environ;
	} else if (!strcmp(env, "changed")) {
		setenv("LD_PRELOAD", "", 1);
		setenv("SHMTRACE_BACKTRACE", "9", 1);
		envp = environ;
	} else if (!strcmp(env, "full")) {
		envp = largest_environment(prog, args);
	} else if (strcmp(env, "keep")) {
		return 2;
	}
	const char *a1 = nargs > 1 ? args[1] : NULL, *a2 = nargs > 2 ? args[2] : NULL;
	if (nargs > 3)
		return 2; /* the execl forms take at most two arguments here */
	pid_t pid;
	int err = 0;
	if (!strcmp(call, "execve"))
		execve(prog, args, envp);
	else if (!strcmp(call, "execv"))
		execv(prog, args);
	else if (!strcmp(call, "execvp"))
		execvp(prog, args);
	else if (!strcmp(call, "execvpe"))
		execvpe(prog, args, envp);
	else if (!strcmp(call, "execl"))
		execl(prog, prog, a1, a2, (char *)NULL);
	else if (!strcmp(call, "execle"))
		execle(prog, prog, a1, a2, (char *)NULL, envp);
	else if (!strcmp(call, "execlp"))
		execlp(prog, prog, a1, a2, (char *)NULL);
	else if (!strcmp(call, "fexecve")) {
		int fd = open(prog, O_RDONLY | O_CLOEXEC);
		fexecve(fd, args, envp);
	} else if (!strcmp(call, "execveat"))
		execveat(AT_FDCWD, prog, args, envp, 0);
	else if (!strcmp(call, "spawn") || !strcmp(call, "spawnp")) {
		errno = EDOM; /* what a successful spawn leaves in errno, bare or traced */
		err = (call[5] ? posix_spawnp : posix_spawn)(&pid, prog, NULL, NULL, args, envp);
		if (!err) {
			printf("%s: errno %s after\n", call, strerrorname_np(errno));
			return exited_as(pid, call);
		}
	} else if (!strcmp(call, "vfork")) {
		pid = vfork();
		if (pid == 0) {
			execve(prog, args, envp);
			_exit(100);
		}
		return exited_as(pid, call);
	} else
		return 2;
	printf("%s: %s\n", call, strerrorname_np(err ? err : errno));
	return 100;
}
