/* The trace format's version and record kinds, shared by the shim (which
 * writes them) and the analyzer (which reads them).  docs/trace-format.md
 * describes every field; a change that old readers would misread bumps
 * TRACE_FORMAT_VERSION, an added field does not. */
#ifndef SHMTRACE_TRACE_FORMAT_H
#define SHMTRACE_TRACE_FORMAT_H

#define TRACE_FORMAT_NAME "shmtrace"
#define TRACE_FORMAT_VERSION 1

/* Per-process trace files are DIR/TRACE_FILE_PREFIX<pid>[.<n>].jsonl;
 * <n> counts the images of a process after exec. */
#define TRACE_FILE_PREFIX "shmtrace."
#define TRACE_FILE_SUFFIX ".jsonl"
/* An empty file FILE.jsonl.incomplete: the library could not write all of
 * FILE.jsonl (a full disk). */
#define TRACE_INCOMPLETE_SUFFIX ".incomplete"
/* DIR/UNTRACED_FILE, made by `shmtrace run` with its room allocated: a
 * process that cannot create its trace file (no inode left, no descriptor,
 * no memory) says so there, one line, "pid PID: ERRNO-NAME" -- no new
 * inode or block needed.  Not empty: the run's trace is incomplete. */
#define UNTRACED_FILE "untraced.txt"
#define UNTRACED_FILE_ROOM 4096 /* a page: some 170 lines */

/* The "event" field of each record. */
#define EV_HEADER "header" /* first line of every file */
#define EV_START "start"   /* a process began (first traced image) */
#define EV_EXEC "exec"     /* a traced process ran a new program */
#define EV_FORK "fork"     /* a child of a traced process */
#define EV_EXIT "exit"     /* the process ended by exit() or _exit() */
#define EV_STACK "stack"   /* an interned backtrace, referred to by id */
#define EV_CALL "call"     /* one shared-memory call */
#define EV_IPC_NS "ipc_ns" /* a process moved to another IPC namespace */
#define EV_KILLED "killed" /* kernel.jsonl: run collected a process a signal killed */

/* Bytes a trace file may reach unless SHMTRACE_MAX_SIZE says otherwise. */
#define TRACE_MAX_SIZE_DEFAULT (4ull << 30)
/* Deepest backtrace recorded; SHMTRACE_BACKTRACE defaults to the second. */
#define BACKTRACE_MAX 64
#define BACKTRACE_DEFAULT 16

#endif
