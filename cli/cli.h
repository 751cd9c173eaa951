/* The shmtrace command: one file per subcommand, dispatched from main.c. */
#ifndef SHMTRACE_CLI_H
#define SHMTRACE_CLI_H

/* Exit statuses of shmtrace's own failures, as env(1) and timeout(1) use
 * them; otherwise `run` exits with the traced program's status. */
enum {
	EXIT_SHMTRACE_FAILED = 125, /* bad option, library not found, untraceable program */
	EXIT_CANNOT_EXECUTE = 126,
	EXIT_NOT_FOUND = 127,
};

int cmd_run(int argc, char **argv);
extern const char run_usage[];
int cmd_report(int argc, char **argv);
extern const char report_usage[];
int cmd_sweep(int argc, char **argv);
extern const char sweep_usage[];

/* "shmtrace: " + message + newline, on stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* filesize.c: SIGXFSZ ignored by shmtrace (a write past ulimit -f is an
 * error it reports); a program it starts gets the disposition shmtrace had. */
void filesize_hold(void);
void filesize_give_back(void);   /* in a forked child, before exec */
int filesize_was_default(void);  /* for posix_spawn's POSIX_SPAWN_SETSIGDEF */

#endif
