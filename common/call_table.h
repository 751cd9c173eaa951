/* Every wrapped call and every field of a call record, described once.
 * (libfiu's wrapper descriptions and strace's syscall tables are the
 * models.)  The lists are X-macros: whoever includes this file expands them
 * with a macro of its own, and so gets
 *   - calls.h/.c: enum call_id, the errnos each man page allows;
 *   - shim/record.c: one straight-line writer per call, with keys and
 *     punctuation as constant bytes;
 *   - shim/wrappers.c: the syscall(3) dispatch;
 *   - analyzer/scan.c: the reader's one parser of call records;
 *   - tests/bin/calltable.c: docs/trace-format.md's field table, which a test
 *     compares with the document.
 * A call record's JSON field names appear in no other C file.  Adding a
 * field is one CALL_FIELDS entry (plus, in the wrapper, where its value
 * comes from; and in the model, what it means). */
#ifndef SHMTRACE_CALL_TABLE_H
#define SHMTRACE_CALL_TABLE_H

/* Bytes of a string argument kept: a longer one is cut, and its record
 * says so.  A POSIX name is at most NAME_MAX bytes, a path PATH_MAX. */
#define CALL_NAME_SHOWN 256
#define CALL_PATH_SHOWN 2048
/* Operations of a semop kept: a longer array is cut, and its record says
 * so.  Linux's SEMOPM (the most one call may make) defaults to 500. */
#define CALL_SOPS_SHOWN 16

/* X(ID, NAME, MAN, DEFAULT_ERRNO, (ERRNOS...), SYSCALL)
 *   MAN: the page whose ERRORS section ERRNOS come from (shm_open(3) for
 *   both POSIX calls; ftok fails as stat(2) on its path does).  Defaults are
 *   the failures a program meets in real life: no segment ids or memory
 *   left for shmget, no address space for shmat, no descriptor left for
 *   shm_open, a name or path that is not there; for semget and msgget no
 *   ids left; a signal for the calls that wait (semop, msgsnd, msgrcv), and
 *   for semtimedop its timeout.
 *   SYSCALL: SYS(number, return type, failure value, (args from a[0..5]))
 *   for a call a program may make through syscall(3); NOSYS otherwise. */
#define CALL_LIST(X)                                                                                        \
	X(SHMGET, "shmget", "shmget(2)", ENOSPC, (EACCES, EEXIST, EINVAL, ENFILE, ENOENT, ENOMEM, ENOSPC, EPERM), \
	  SYS(SYS_shmget, shmget, int, -1, ((key_t)a[0], (size_t)a[1], (int)a[2])))                           \
	X(SHMAT, "shmat", "shmat(2)", ENOMEM, (EACCES, EIDRM, EINVAL, ENOMEM),                                  \
	  SYS(SYS_shmat, shmat, void *, (void *)-1, ((int)a[0], (const void *)a[1], (int)a[2])))              \
	X(SHMDT, "shmdt", "shmat(2)", EINVAL, (EINVAL), SYS(SYS_shmdt, shmdt, int, -1, ((const void *)a[0])))   \
	X(SHMCTL, "shmctl", "shmctl(2)", EINVAL, (EACCES, EFAULT, EIDRM, EINVAL, ENOMEM, EOVERFLOW, EPERM),      \
	  SYS(SYS_shmctl, shmctl, int, -1, ((int)a[0], (int)a[1], (struct shmid_ds *)a[2])))                  \
	X(SHM_OPEN, "shm_open", "shm_open(3)", EMFILE,                                                          \
	  (EACCES, EEXIST, EINVAL, EMFILE, ENAMETOOLONG, ENFILE, ENOENT), NOSYS)                              \
	X(SHM_UNLINK, "shm_unlink", "shm_open(3)", ENOENT, (EACCES, ENOENT), NOSYS)                             \
	X(FTOK, "ftok", "ftok(3)", ENOENT, (ENOENT, EACCES), NOSYS)                                             \
	X(SEMGET, "semget", "semget(2)", ENOSPC, (EACCES, EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC),               \
	  SYS(SYS_semget, semget, int, -1, ((key_t)a[0], (int)a[1], (int)a[2])))                              \
	X(SEMOP, "semop", "semop(2)", EINTR,                                                                    \
	  (E2BIG, EACCES, EAGAIN, EFAULT, EFBIG, EIDRM, EINTR, EINVAL, ENOMEM, ERANGE),                         \
	  SYS(SYS_semop, semop, int, -1, ((int)a[0], (struct sembuf *)a[1], (size_t)a[2])))                   \
	X(SEMTIMEDOP, "semtimedop", "semop(2)", EAGAIN,                                                         \
	  (E2BIG, EACCES, EAGAIN, EFAULT, EFBIG, EIDRM, EINTR, EINVAL, ENOMEM, ERANGE),                         \
	  SYS(SYS_semtimedop, semtimedop, int, -1,                                                            \
	      ((int)a[0], (struct sembuf *)a[1], (size_t)a[2], (const struct timespec *)a[3])))               \
	X(SEMCTL, "semctl", "semctl(2)", EINVAL, (EACCES, EFAULT, EIDRM, EINVAL, EPERM, ERANGE),                \
	  SYS(SYS_semctl, semctl, int, -1, ((int)a[0], (int)a[1], (int)a[2], (union semun){.buf = (void *)a[3]}))) \
	X(MSGGET, "msgget", "msgget(2)", ENOSPC, (EACCES, EEXIST, ENOENT, ENOMEM, ENOSPC),                      \
	  SYS(SYS_msgget, msgget, int, -1, ((key_t)a[0], (int)a[1])))                                         \
	X(MSGSND, "msgsnd", "msgop(2)", EINTR,  (EACCES, EAGAIN, EFAULT, EIDRM, EINTR, EINVAL, ENOMEM),         \
	  SYS(SYS_msgsnd, msgsnd, int, -1, ((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3])))        \
	X(MSGRCV, "msgrcv", "msgop(2)", EINTR,  (E2BIG, EACCES, EFAULT, EIDRM, EINTR, EINVAL, ENOMSG, ENOSYS),  \
	  SYS(SYS_msgrcv, msgrcv, ssize_t, -1, ((int)a[0], (void *)a[1], (size_t)a[2], (long)a[3], (int)a[4]))) \
	X(MSGCTL, "msgctl", "msgctl(2)", EINVAL, (EACCES, EFAULT, EIDRM, EINVAL, EPERM),                        \
	  SYS(SYS_msgctl, msgctl, int, -1, ((int)a[0], (int)a[1], (struct msqid_ds *)a[2])))

/* The calls a field belongs to, as bits of enum call_id. */
#define C_SHMGET (1u << 0)
#define C_SHMAT (1u << 1)
#define C_SHMDT (1u << 2)
#define C_SHMCTL (1u << 3)
#define C_SHM_OPEN (1u << 4)
#define C_SHM_UNLINK (1u << 5)
#define C_FTOK (1u << 6)
#define C_SEMGET (1u << 7)
#define C_SEMOP (1u << 8)
#define C_SEMTIMEDOP (1u << 9)
#define C_SEMCTL (1u << 10)
#define C_MSGGET (1u << 11)
#define C_MSGSND (1u << 12)
#define C_MSGRCV (1u << 13)
#define C_MSGCTL (1u << 14)
#define C_ALL 0x7fffu

/* How a field is written and read:
 *   K_EVENT    the string "call"            K_CALLNAME  the call's name
 *   K_INT      integer, signed 64-bit       K_UINT      integer, 0 to 2^64 - 1
 *   K_HEX      "0x1f" (addresses)           K_HEX32     "0x0000001f" (keys, as ipcs)
 *   K_OCT      "0600" (permission bits)     K_FLAGS     names of bits, from ARG (an xlat table)
 *   K_CMD      name from ARG, or the number K_TEXT      bytes as text (bytestext.h), at most ARG
 *                                                       of them; KEY_truncated when cut
 *   K_STR      a string of ours             K_BOOL      true / false
 *   K_TRIBOOL  true / false / null          K_ERRNO     null, errno's name, or its number
 *   K_DS       what shmctl read or set      K_STACK     stack id, inline frames, or null
 *   K_SEMBUF   semop's operations, at most ARG; KEY_truncated when cut; null when unread
 *   K_TIMESPEC {"sec", "nsec"} or null
 *   K_ARGS     opens "args"                 K_END       closes it
 * Byte strings other than K_TEXT are never written by the writer. */

/* X(ARG0, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, MEMBER, DECL, ARG, DOC)
 *   in the order written.  ARG0 is passed through (the writer passes the
 *   call it generates for).
 *   PLACE: TOP (the record) or ARGS (inside "args").
 *   ALWAYS: the calls whose records always have it; MAYBE: those whose
 *   records have it when the writer is given it (its bit in `present`).
 *   A K_ERRNO or K_TRIBOOL field that is always there is null when not given.
 *   MEMBER of struct call_args (what the writer is given) and struct
 *   call_rec (what the reader reads); DECL: D declared in both, S shared
 *   with an earlier field in both, W declared for the writer only (the
 *   reader checks the value's shape and keeps nothing), WS shared by the
 *   writer only, N in neither (its kind says where it goes). */
#define CALL_FIELDS(X, A)                                                                                        \
	X(A, EVENT, TOP, "event", K_EVENT, C_ALL, 0, event, N, 0, "always `\"call\"`")                          \
	X(A, CALL, TOP, "call", K_CALLNAME, C_ALL, 0, call, D, 0, "the call's name")                          \
	X(A, SEQ, TOP, "seq", K_UINT, C_ALL, 0, seq, D, 0,                                                     \
	  "the process's calls numbered from 1 in the order they returned, without gaps (a forked child starts " \
	  "again at 1)")                                                                                         \
	X(A, PID, TOP, "pid", K_INT, C_ALL, 0, pid, D, 0, "the process")                                       \
	X(A, TID, TOP, "tid", K_INT, C_ALL, 0, tid, D, 0, "the thread")                                        \
	X(A, TS, TOP, "ts", K_UINT, C_ALL, 0, ts, D, 0, "`CLOCK_MONOTONIC` in ns just before the real call")   \
	X(A, DUR, TOP, "dur", K_UINT, C_ALL, 0, dur, D, 0,                                                     \
	  "ns the real call took (the shim's own work is outside it)")                                          \
	X(A, VIA, TOP, "via", K_STR, 0, C_ALL, via, W, 0,                                                      \
	  "`\"syscall\"` when the program made the call through `syscall(3)`; absent otherwise")                 \
	X(A, ARGS, TOP, "args", K_ARGS, C_ALL, 0, args, N, 0, "the arguments, raw and decoded: the rows below") \
	X(A, NAME, ARGS, "name", K_TEXT, C_SHM_OPEN | C_SHM_UNLINK, 0, name, D, CALL_NAME_SHOWN, "the POSIX name")         \
	X(A, PATH, ARGS, "path", K_TEXT, C_FTOK, 0, name, S, CALL_PATH_SHOWN, "the file ftok was given")                  \
	X(A, KEY, ARGS, "key", K_HEX32, C_SHMGET | C_SEMGET | C_MSGGET, 0, key, D, 0, "the key")                                     \
	X(A, SHMID, ARGS, "shmid", K_INT, C_SHMAT | C_SHMCTL, 0, shmid, D, 0,                                  \
	  "the segment (for `SHM_STAT`/`SHM_STAT_ANY`: the index in the kernel's table, and `ret` the shmid)")  \
	X(A, SEMID, ARGS, "semid", K_INT, C_SEMOP | C_SEMTIMEDOP | C_SEMCTL, 0, semid, D, 0,                   \
	  "the semaphore set (for `SEM_STAT`/`SEM_STAT_ANY`: the index in the kernel's table, and `ret` the "  \
	  "semid)")                                                                                              \
	X(A, MSQID, ARGS, "msqid", K_INT, C_MSGSND | C_MSGRCV | C_MSGCTL, 0, msqid, D, 0,                      \
	  "the message queue (for `MSG_STAT`/`MSG_STAT_ANY`: the index in the kernel's table, and `ret` the "  \
	  "msqid)")                                                                                              \
	X(A, SEMNUM, ARGS, "semnum", K_INT, C_SEMCTL, 0, semnum, D, 0, "the semaphore of the set")              \
	X(A, SHMADDR, ARGS, "shmaddr", K_HEX, C_SHMAT | C_SHMDT, 0, shmaddr, D, 0, "the address asked for")    \
	X(A, SIZE, ARGS, "size", K_UINT, C_SHMGET, 0, size, D, 0, "the `size_t` asked for")                    \
	X(A, NSEMS, ARGS, "nsems", K_INT, C_SEMGET, 0, nsems, D, 0, "the number of semaphores asked for")     \
	X(A, MSGP, ARGS, "msgp", K_HEX, C_MSGSND | C_MSGRCV, 0, msgp, D, 0, "the message buffer's address")  \
	X(A, MSGSZ, ARGS, "msgsz", K_UINT, C_MSGSND | C_MSGRCV, 0, size, S, 0,                                \
	  "the size of the message's text (msgrcv: of the room for it); the text itself is never recorded")    \
	X(A, MSGTYP, ARGS, "msgtyp", K_INT, C_MSGRCV, 0, msgtyp, D, 0, "the type asked for (msgop(2))")        \
	X(A, NSOPS, ARGS, "nsops", K_UINT, C_SEMOP | C_SEMTIMEDOP, 0, nsops, D, 0, "the number of operations") \
	X(A, SOPS, ARGS, "sops", K_SEMBUF, C_SEMOP | C_SEMTIMEDOP, 0, sops, D, CALL_SOPS_SHOWN,                  \
	  "the operations, each `{\"num\", \"op\", \"flags\"}` (`SEM_UNDO`, `IPC_NOWAIT`), as the kernel read "  \
	  "them when the call began; `null` when it did not (`EFAULT`, `E2BIG`, `nsops` 0, or injected)")         \
	X(A, TIMEOUT, ARGS, "timeout", K_TIMESPEC, 0, C_SEMTIMEDOP, timeout, W, 0,                             \
	  "`{\"sec\", \"nsec\"}`, or `null` for none, as the kernel read it when the call began; absent when it "   \
	  "did not")                                                                                           \
	X(A, SHMFLG, ARGS, "shmflg", K_INT, C_SHMGET | C_SHMAT, 0, flags_raw, D, 0, "the flags, raw")          \
	X(A, OFLAG, ARGS, "oflag", K_INT, C_SHM_OPEN, 0, flags_raw, S, 0, "the flags, raw")                    \
	X(A, SEMFLG, ARGS, "semflg", K_INT, C_SEMGET, 0, flags_raw, S, 0, "the flags, raw")                    \
	X(A, MSGFLG, ARGS, "msgflg", K_INT, C_MSGGET | C_MSGSND | C_MSGRCV, 0, flags_raw, S, 0, "the flags, raw") \
	X(A, CMD, ARGS, "cmd", K_CMD, C_SHMCTL, 0, cmd, D, xlat_shmctl_cmds, "the command")                    \
	X(A, SEMCTL_CMD, ARGS, "cmd", K_CMD, C_SEMCTL, 0, cmd, S, xlat_semctl_cmds, "the command")            \
	X(A, MSGCTL_CMD, ARGS, "cmd", K_CMD, C_MSGCTL, 0, cmd, S, xlat_msgctl_cmds, "the command")            \
	X(A, CMD_RAW, ARGS, "cmd_raw", K_INT, C_SHMCTL | C_SEMCTL | C_MSGCTL, 0, cmd_raw, D, 0,                \
	  "the command, raw")                                                                                   \
	X(A, BUF, ARGS, "buf", K_HEX, C_SHMCTL | C_MSGCTL, 0, buf, D, 0, "the buffer's address")               \
	X(A, VAL, ARGS, "val", K_INT, 0, C_SEMCTL, val, D, 0, "for `SETVAL`: the value set")                    \
	X(A, ARG, ARGS, "arg", K_HEX, 0, C_SEMCTL, buf, S, 0,                                                  \
	  "for the commands whose `union semun` is a pointer (`IPC_STAT`, `GETALL`, `SETALL`, ...): it")       \
	X(A, STAT, ARGS, "stat", K_DS, 0, C_SHMCTL, ds, W, 1,                                                  \
	  "after a successful `IPC_STAT`, `SHM_STAT` or `SHM_STAT_ANY`: what the kernel returned")              \
	X(A, SET, ARGS, "set", K_DS, 0, C_SHMCTL, ds, WS, 0, "after a successful `IPC_SET`: what was set")      \
	X(A, SHMGET_FLAGS, ARGS, "flags", K_FLAGS, C_SHMGET, 0, flags, W, xlat_shmget_flags,                   \
	  "names of the bits of `shmflg` other than the mode")                                                  \
	X(A, SHMAT_FLAGS, ARGS, "flags", K_FLAGS, C_SHMAT, 0, flags, WS, xlat_shmat_flags,                      \
	  "names of the bits of `shmflg`")                                                                      \
	X(A, OPEN_FLAGS, ARGS, "flags", K_FLAGS, C_SHM_OPEN, 0, flags, WS, xlat_open_flags,                     \
	  "names of the bits of `oflag`")                                                                       \
	X(A, IPCGET_FLAGS, ARGS, "flags", K_FLAGS, C_SEMGET | C_MSGGET, 0, flags, WS, xlat_ipcget_flags,       \
	  "names of the bits of `semflg`/`msgflg` other than the mode")                                         \
	X(A, MSG_FLAGS, ARGS, "flags", K_FLAGS, C_MSGSND | C_MSGRCV, 0, flags, WS, xlat_msg_flags,              \
	  "names of the bits of `msgflg`")                                                                      \
	X(A, MODE, ARGS, "mode", K_OCT, C_SHMGET | C_SHM_OPEN | C_SEMGET | C_MSGGET, 0, mode, D, 0,           \
	  "the permission bits")                                                                                \
	X(A, ID, ARGS, "id", K_INT, C_FTOK, 0, id, D, 0, "the id ftok was given")                              \
	X(A, DEV, ARGS, "dev", K_UINT, 0, C_FTOK | C_SHM_OPEN, dev, D, 0,                                      \
	  "on success, the device of the file at `path`, as `stat(2)` saw it just after (`ftok(3)` builds the " \
	  "key from its low bits; absent if the path could not be stat'ed again); for `shm_open`, of the "     \
	  "object opened (`fstat(2)` of the descriptor): two objects of one name are told apart")               \
	X(A, INO, ARGS, "ino", K_UINT, 0, C_FTOK | C_SHM_OPEN, ino, D, 0, "on success, its inode, likewise")  \
	X(A, ARGS_END, ARGS, "", K_END, C_ALL, 0, args_end, N, 0, "")                                          \
	X(A, RET, TOP, "ret", K_INT, C_ALL & ~C_SHMAT, 0, ret, D, 0,                                          \
	  "the return value (for `ftok` the key as a number, -1 on failure)")                                   \
	X(A, RET_ADDR, TOP, "ret", K_HEX, C_SHMAT, 0, ret_addr, D, 0,                                          \
	  "the address (`\"0xffffffffffffffff\"` when it failed)")                                              \
	X(A, ERRNO, TOP, "errno", K_ERRNO, C_ALL, 0, err, W, 0,                                                \
	  "`null` on success, else the symbolic name (`\"EEXIST\"`), or the number if the name is unknown")      \
	X(A, INJECTED, TOP, "injected", K_BOOL, C_ALL, 0, injected, D, 0,                                      \
	  "`true`: an injection rule made the call fail without reaching the kernel")                            \
	X(A, RULE, TOP, "rule", K_STR, 0, C_ALL, rule, W, 0, "when injected: the rule, as given")              \
	X(A, CREATED, TOP, "created", K_TRIBOOL, C_SHMGET | C_SHM_OPEN | C_SEMGET | C_MSGGET, 0, created, D, 0, \
	  "`true` if the call created the segment, object, set or queue, `false` if it opened one, `null` if it failed "   \
	  "(see below)")                                                                                        \
	X(A, FTOK_KEY, TOP, "key", K_HEX32, 0, C_FTOK, ftok_key, D, 0, "on success, the key")                   \
	X(A, MTYPE, TOP, "mtype", K_INT, 0, C_MSGSND | C_MSGRCV, mtype, D, 0,                                  \
	  "the message's type: sent, as the kernel read it when the call began (unless it could not), or "     \
	  "received (on success, unless the buffer could no longer be read)")                                   \
	X(A, STACK, TOP, "stack", K_STACK, C_ALL, 0, stack, N, 0,                                              \
	  "the backtrace: a `stack` record's `id`, inline frames, or `null` (below)")

/* A K_DS field's members: X(JSON, KIND, VALUE, IN_SET), VALUE of `ds`, a
 * struct shmid_ds, and `stat`, true for what the kernel returned (false:
 * what IPC_SET set); IN_SET: IPC_SET reads it (shmctl(2)).  A stat's mode
 * is the kernel's whole, SHM_DEST (01000: removed, still attached) and
 * SHM_LOCKED (02000) with the permission bits, as strace shows it; IPC_SET
 * sets only the permission bits. */
#define CALL_DS_FIELDS(X)                                                  \
	X("uid", K_UINT, ds->shm_perm.uid, 1)                              \
	X("gid", K_UINT, ds->shm_perm.gid, 1)                              \
	X("mode", K_OCT, ds->shm_perm.mode & (stat ? 07777u : 0777u), 1)   \
	X("key", K_HEX32, (unsigned)ds->shm_perm.__key, 0)                 \
	X("size", K_UINT, ds->shm_segsz, 0)                                \
	X("cpid", K_INT, ds->shm_cpid, 0)                                  \
	X("lpid", K_INT, ds->shm_lpid, 0)                                  \
	X("nattch", K_UINT, ds->shm_nattch, 0)

#define CALL_UNPAREN(...) __VA_ARGS__

#endif
