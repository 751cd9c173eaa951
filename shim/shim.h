/* What the shim's files share.  The data flow of one intercepted call:
 * wrappers.c (the four functions) -> call.c (guard, timing, record frame)
 * -> backtrace.c (unwind, intern) -> output.c (one write(2) per record). */
#ifndef SHMTRACE_SHIM_H
#define SHMTRACE_SHIM_H

#include <limits.h>
#include <stdint.h>
#include <sys/shm.h>
#include <sys/types.h>

#define HIDDEN __attribute__((visibility("hidden")))
/* Static TLS: no allocation on first touch, so it is usable from any call. */
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* The functions we wrap, as found further down the link chain (RTLD_NEXT):
 * libc, or another preloaded library that wraps them too. */
struct real_fns {
	int (*shmget)(key_t, size_t, int);
	void *(*shmat)(int, const void *, int);
	int (*shmdt)(const void *);
	int (*shmctl)(int, int, struct shmid_ds *);
	void (*exit_now)(int) __attribute__((noreturn)); /* _exit */
	int (*pipe2)(int[2], int);
};
HIDDEN extern struct real_fns real;

/* Per process, reset in a forked child. */
struct proc {
	pid_t pid;
	unsigned long long start_ticks; /* /proc/self/stat starttime: same across exec */
	int tracing;                    /* 0 when no trace file could be opened */
	int backtrace_depth;            /* SHMTRACE_BACKTRACE: frames recorded */
	int capture_depth;              /* frames taken: more when caller= rules need them */
	char out_dir[PATH_MAX];         /* SHMTRACE_OUT, made absolute at start */
};
HIDDEN extern struct proc proc;

/* Set while this thread is inside the shim: any shm call it makes then
 * (libunwind, dladdr, a signal handler) goes straight to the real one. */
HIDDEN extern TLS int shim_busy;

HIDDEN void ensure_init(void);
HIDDEN uint64_t now_ns(clockid_t clock);
HIDDEN pid_t current_tid(void);
HIDDEN void warn(const char *what, const char *detail, int err);

/* call.c */
HIDDEN void call_reset_child(void);

/* process.c: records that are not calls */
HIDDEN void write_process_start(const char *event);
HIDDEN void write_fork(pid_t parent, int own_file);
HIDDEN void write_exit(int status, const char *how);

/* procfs.c: facts about this process, read with plain system calls */
HIDDEN ssize_t read_small_file(const char *path, char *buf, size_t cap);
HIDDEN unsigned long long read_start_ticks(void);
struct jw;
HIDDEN void write_sysv_attachments(struct jw *w);

/* output.c */
HIDDEN int fd_move_high(int fd); /* a close-on-exec duplicate >= 1000, the original closed */
enum open_result { OPEN_FAILED = -1, OPEN_NEW = 0, OPEN_AFTER_EXEC = 1 };
HIDDEN enum open_result out_open(void);
HIDDEN int out_open_child(void); /* 0 own file, -1 still the parent's */
HIDDEN void out_write(const char *buf, size_t len);

/* backtrace.c */
HIDDEN void bt_init(void);
HIDDEN void bt_reset_child(int own_file);
HIDDEN int bt_capture(void **ips, int max);
HIDDEN void bt_write_stack_field(struct jw *w, void *const *ips, int n);

#endif
