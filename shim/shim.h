/* What the shim's files share.  The data flow of one intercepted call:
 * wrappers.c (one function per call of common/call_table.h) -> call.c
 * (guard, timing, the record's fields) -> record.c (the record, written
 * from the table) and backtrace.c (unwind, intern) -> output.c (a record
 * is one write(2), or one copy into the mapped file: mapped.c). */
#ifndef SHMTRACE_SHIM_H
#define SHMTRACE_SHIM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#define HIDDEN __attribute__((visibility("hidden")))
/* The functions we wrap; libshmtrace.map lets only these out. */
#define EXPORT __attribute__((visibility("default")))
/* Static TLS: no allocation on first touch, so it is usable from any call. */
#define TLS __thread __attribute__((tls_model("initial-exec")))
/* Small state that every new process writes as it sets itself up and makes
 * its first call (a pid, counters, its file's identity): gathered in .data,
 * a page of its own, so that a forked child copies that one page rather
 * than one page per variable strewn among the large buffers of .bss
 * (bench/forks: a copy-on-write fault is about 2 us here). */
#define PER_PROCESS __attribute__((section(".data.per_process")))

/* The functions we wrap, as found further down the link chain (RTLD_NEXT):
 * libc, or another preloaded library that wraps them too. */
struct real_fns {
	int (*shmget)(key_t, size_t, int);
	void *(*shmat)(int, const void *, int);
	int (*shmdt)(const void *);
	int (*shmctl)(int, int, struct shmid_ds *);
	void (*exit_now)(int) __attribute__((noreturn)); /* _exit */
	int (*pipe2)(int[2], int);
	int (*sigprocmask)(int, const sigset_t *, sigset_t *);
	int (*shm_open)(const char *, int, mode_t);
	int (*shm_unlink)(const char *);
	key_t (*ftok)(const char *, int);
	int (*semget)(key_t, int, int);
	int (*semop)(int, struct sembuf *, size_t);
	int (*semtimedop)(int, struct sembuf *, size_t, const struct timespec *);
	int (*semctl)(int, int, int, ...);
	int (*msgget)(key_t, int);
	int (*msgsnd)(int, const void *, size_t, int);
	ssize_t (*msgrcv)(int, void *, size_t, long, int);
	int (*msgctl)(int, int, struct msqid_ds *);
	long (*syscall)(long, ...);
	int (*setuid)(uid_t), (*seteuid)(uid_t), (*setreuid)(uid_t, uid_t), (*setresuid)(uid_t, uid_t, uid_t);
	int (*setgid)(gid_t), (*setegid)(gid_t), (*setregid)(gid_t, gid_t), (*setresgid)(gid_t, gid_t, gid_t);
	pid_t (*wait4)(pid_t, int *, int, struct rusage *);
	int (*waitid)(idtype_t, id_t, siginfo_t *, int);
	int (*clone)(int (*)(void *), void *, int, void *, ...);
	int (*sigaltstack)(const stack_t *, stack_t *);
};
HIDDEN extern struct real_fns real;

/* Whether this process has its trace file yet: a process gets one at its
 * first shm call, when it inherits attachments, before it drops privileges,
 * or at start when it is the root of a `shmtrace run`. */
enum file_state { FILE_NONE, FILE_OPENING, FILE_OPEN, FILE_FAILED };

/* Per process, reset in a forked child. */
struct proc {
	pid_t pid;
	pid_t start_ppid;               /* the parent when the library started here */
	unsigned long long start_ticks; /* /proc/self/stat starttime: same across exec */
	_Atomic int file;               /* enum file_state */
	int forked;                     /* this image began as a fork of... */
	pid_t fork_parent;              /* ...this process */
	unsigned long long born_mono, born_real; /* when it started (or forked) */
	unsigned long long ipc_ns;      /* IPC namespace last written in a record (ns.c) */
	_Atomic long attached;          /* traced attachments not yet detached */
	int backtrace_depth;            /* SHMTRACE_BACKTRACE: frames recorded */
	int capture_depth;              /* frames taken: more when caller= rules need them */
	unsigned long long max_size;    /* SHMTRACE_MAX_SIZE: bytes a trace file may reach; 0, no bound */
	char *out_dir;                  /* SHMTRACE_OUT, made absolute at start (PATH_MAX bytes) */
};
HIDDEN extern struct proc proc;

/* Set while this thread is inside the shim: any shm call it makes then
 * (libunwind, dladdr, a signal handler) goes straight to the real one. */
HIDDEN extern TLS int shim_busy;
/* Set while a call made through syscall(3) runs its wrapper. */
HIDDEN extern TLS int via_syscall;

HIDDEN void ensure_init(void);
/* real.semget ... real.msgctl: found by the first such call's wrapper. */
HIDDEN void ensure_real_sysv(void);
/* The shim's own work outside a call (an exit record, a namespace change, a
 * child collected, the file opened before ids change): false when it must
 * not be done -- something of ours under way on this thread, or a child
 * sharing our memory (exact: asks the kernel, for work a vfork child must
 * never do as its parent).  Else errno is kept in *saved, the guard set,
 * start-up made sure of; own_work_end gives both back. */
HIDDEN bool own_work_begin(int *saved, bool exact);
HIDDEN void own_work_end(int saved);
/* kernel.c: our own system calls and clock, which no other preloaded
 * library's wrapper may see (fakeroot's, faketime's). */
HIDDEN void kernel_init(void);
HIDDEN uint64_t now_ns(clockid_t clock);
/* A system call straight to the kernel, never another library's wrapper. */
HIDDEN long sys_call(long number, long a, long b, long c, long d);
HIDDEN int sys_fstat(int fd, struct stat *st);
HIDDEN int sys_stat(const char *path, struct stat *st);
HIDDEN int sys_unlink(const char *path);
HIDDEN pid_t sys_getpid(void);
HIDDEN pid_t sys_getppid(void);
HIDDEN uid_t sys_getuid(void);
HIDDEN uid_t sys_geteuid(void);
HIDDEN gid_t sys_getgid(void);
HIDDEN gid_t sys_getegid(void);
HIDDEN ssize_t sys_getxattr(const char *path, const char *name, void *value, size_t size);
HIDDEN int sys_nosuid(const char *path); /* PATH is on a nosuid mount */
HIDDEN ssize_t sys_getrandom(void *buf, size_t len, unsigned flags);
HIDDEN pid_t current_tid(void);
HIDDEN void tid_reset(void);
HIDDEN void warn(const char *what, const char *detail, int err);
/* stderr_guard.c: descriptor 2 as it was when this image started */
HIDDEN void stderr_note(void);
HIDDEN int stderr_unchanged(void);

/* exec.c: -1 for a bad SHMTRACE_FOLLOW_ENV */
HIDDEN int exec_init(void);
/* The parent an earlier image of process SELF had, as its exec passed it
 * on (SHMTRACE_PPID); 0 if none did. */
HIDDEN pid_t exec_parent_passed(pid_t self);

/* identity.c: which process this is (see there) */
HIDDEN void identity_init(void);   /* once per program image */
HIDDEN void identity_atfork(void);
/* False in a process that shares our memory without being us (vfork,
 * clone(CLONE_VM)): it must change nothing.  A new process that is a copy
 * of us is noticed and set up first.  The _exact form always asks the
 * kernel; the other only once the program made such a child with clone(). */
HIDDEN bool proc_is_self(void);
HIDDEN bool proc_is_self_exact(void);
HIDDEN long identity_raw_clone(long number, const long a[6]);

/* ns.c: IPC namespaces */
HIDDEN unsigned long long read_ipc_ns(void); /* 0 if unknown */
/* This thread's, as last read (read now if not known); forgotten in a
 * child that may be in another (clone(CLONE_NEWIPC), a clone not seen). */
HIDDEN unsigned long long ipc_ns_of_thread(void);
HIDDEN void ns_forget_thread(void);
struct jw;
HIDDEN void write_ipc_ns_field(struct jw *w); /* "ipc_ns" of an opening record */
HIDDEN long ns_raw_change(long number, const long a[6]);

/* call.c */
HIDDEN void call_reset_child(void);

/* process.c: the trace file's opening records, and the exit record */
HIDDEN int ensure_file(void); /* 1 if this process is traced (its file is open) */
HIDDEN void process_before_fork(void); /* what children need from us, read once */
HIDDEN void write_exit(int status, const char *how);
/* CHILD, collected by this process, died of signal SIG: said in our trace
 * when CHILD had a trace file of its own, or when ours is open (CHILD may
 * have appended to it). */
HIDDEN void write_killed_child(pid_t child, int sig, int core);

/* procfs.c: facts about this process, read with plain system calls */
HIDDEN ssize_t read_small_file(const char *path, char *buf, size_t cap);
HIDDEN unsigned long long read_start_ticks(void);
/* The same for a process made after BOOT and WALL (CLOCK_BOOTTIME and
 * CLOCK_REALTIME, in ns), worked out from the clocks; 0 if it cannot be. */
HIDDEN unsigned long long start_ticks_since(uint64_t boot, uint64_t wall);
struct jw;
HIDDEN void write_sysv_attachments(struct jw *w);

/* fd_high.c: descriptors of ours, at numbers the program does not get */
HIDDEN int fd_move_high(int fd); /* a close-on-exec duplicate, the original closed */
HIDDEN int fd_open_high(const char *path, int flags, mode_t mode);
/* backtrace.c: libunwind's write of a byte of PAGE into its pipe, answered
 * without one: 1, or -1 with EFAULT when it cannot be read. */
HIDDEN long unwind_check_page(const void *page);
HIDDEN void *fd_dlopen_room(const char *file, int flags);

/* output.c */
enum open_result { OPEN_FAILED = -1, OPEN_NEW = 0, OPEN_AFTER_EXEC = 1 };
HIDDEN enum open_result out_open(void);
/* S, or V's digits, at AT of DST (CAP bytes, kept terminated); the new end. */
HIDDEN size_t path_append(char *dst, size_t at, size_t cap, const char *s);
HIDDEN size_t path_append_uint(char *dst, size_t at, size_t cap, unsigned long long v);
/* A line "pid PID: WHY" in the run's untraced.txt; PATH is room (PATH_MAX). */
HIDDEN void out_say_untraced(pid_t pid, const char *why, char *path);
HIDDEN int out_open_child(void); /* 0 own file, -1 still the parent's */
HIDDEN int out_has_file(void);    /* a file is open (an inherited one counts) */
/* Before the process gives up root: untraced.txt kept open, for a "cut"
 * line it could no longer write otherwise (wrappers.c). */
HIDDEN void out_keep_untraced(void);
HIDDEN bool out_appending(void);  /* this thread is inside its write(2) of a record (a handler's call is nested in it) */
HIDDEN int out_has_trace_of(pid_t pid); /* PID's first trace file exists */
HIDDEN int out_earlier_image_traced(void); /* an image before exec left a file */
HIDDEN void out_write(const char *buf, size_t len);
/* xfsz.c: SIGXFSZ held around a write of ours (xfsz_hold; or xfsz_note
 * after a hold of every signal, with the mask before it), and taken back if
 * the write failed with EFBIG (xfsz_take_back, with signals still held;
 * xfsz_release also puts the mask back).  errno is kept. */
HIDDEN void xfsz_hold(sigset_t *old);
HIDDEN void xfsz_note(const sigset_t *old);
/* held_signals.c: the set our uninterruptible steps hold (not SIGSYS, SIGSEGV...) */
HIDDEN void held_signals(sigset_t *set);
/* A write of ours to the trace retried after EINTR at most this often: a
 * regular file's write is not interrupted by a handled signal, so more
 * means something else answers EINTR (a seccomp filter): give up. */
#define EINTR_RETRIES 16
HIDDEN void xfsz_take_back(const sigset_t *old);
HIDDEN void xfsz_release(const sigset_t *old);
/* The mapped file's window cut down before a program's RLIMIT_AS or
 * mlockall, and unlocked after mlockall (mapped.h). */
HIDDEN void out_shrink_mapping(void);
HIDDEN void out_unlock_mapping(void);
HIDDEN int out_may_map(void); /* limits.c: no mlockall(MCL_FUTURE) in force */
HIDDEN int out_as_limited(void); /* limits.c: an address-space limit is set */
/* limits.c, for syscall(2): its steps before and after a raw setrlimit,
 * prlimit64, mlockall or seccomp (A: its arguments, RET what it returned). */
HIDDEN void limits_before_raw(long number, const long *a);
HIDDEN void limits_after_raw(long number, const long *a, long ret);
/* Our descriptor, checked to still be our file (reopened if not); -1. */
HIDDEN int out_checked_fd(void);

/* dlopen.c: how many dlclose calls have succeeded (see there). */
HIDDEN extern _Atomic unsigned long long modules_unloaded;

/* backtrace.c */
/* Once per program image.  AHEAD: only getting ready for children (before
 * a fork): a libunwind that cannot be loaded then is tried again, and
 * said, only when this process or a child needs it (a chroot may hide
 * it from a process that never calls). */
HIDDEN void bt_init(bool ahead);
/* unwinder.c: libunwind, loaded by bt_init. */
HIDDEN int unwinder_load(bool quiet); /* quiet: no warning when it fails */
HIDDEN int unwinder_backtrace(void **ips, int n);
HIDDEN int unwinder_owns(const void *addr); /* ADDR is in libunwind's code */
/* This thread is in bt_capture's unwind, and holds signals for libunwind
 * there (unwinder.c's sigprocmask); unwinder_give_back ends the holding. */
HIDDEN extern TLS int unwinder_here, unwinder_holding;
HIDDEN void unwinder_give_back(void);
/* Around our steps that may take libunwind's or the loader's locks: no
 * fork() meanwhile (see backtrace.c). */
HIDDEN void fork_guard_enter(void);
HIDDEN void fork_guard_leave(void);
HIDDEN void bt_before_fork(void);
HIDDEN void bt_after_fork(void);  /* in the parent */
HIDDEN void bt_reset_forking(void); /* in the child */
HIDDEN void bt_reset_child(int own_file);
/* The return addresses of the caller's stack, at most MAX, into IPS (room
 * for MAX + 8): inline, so that the unwinder starts in the function that
 * asks (the wrapper, call.h's call_enter) and walks no frame of ours more.
 * bt_drop_own drops the frames of ours the unwinder found first. */
HIDDEN int bt_drop_own(void **ips, int n, int max);
static inline __attribute__((always_inline)) int bt_capture(void **ips, int max)
{
	if (max <= 0)
		return 0;
	fork_guard_enter();
	/* A handler's call that interrupts the unwind before its signals are
	 * held holds and gives back its own. */
	int was_here = unwinder_here, was_holding = unwinder_holding;
	unwinder_here = 1;
	int n = unwinder_backtrace(ips, max + 8);
	if (unwinder_holding && !was_holding)
		unwinder_give_back();
	unwinder_here = was_here;
	fork_guard_leave();
	return bt_drop_own(ips, n, max);
}
HIDDEN void bt_write_stack_field(struct jw *w, void *const *ips, int n);
/* The path of the module that holds IP (the program's own, for the main
 * program) and its load bias; NULL if none does. */
HIDDEN const char *bt_module(void *ip, uintptr_t *bias);

#endif
