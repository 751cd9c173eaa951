/* When each user id was the run's (issue 13, r12): a program of the run
 * that drops from root to nobody is root no longer, and a name another
 * root process makes in /dev/shm afterwards is not the run's, although
 * root is among the run's uids.  pidwatch.c feeds the kernel's fork,
 * uid change and exit events here (with its lock held); run writes, for
 * each uid, the spans of time some process of the run had it as its
 * effective or file-system uid (the owner a new file takes), which
 * analyzer/live.c compares with a name's birth time. */
#ifndef SHMTRACE_UIDSPANS_H
#define SHMTRACE_UIDSPANS_H

#include <stdio.h>

/* Before the first fork: SELF (run) gives its ids to its children but
 * makes no name itself, so it holds none.  -1 when there is no room. */
int uidspans_start(int self);
/* The process run forked itself, which starts with run's ids. */
void uidspans_first_child(int pid);
/* At TS (an event's CLOCK_MONOTONIC ns): CHILD starts with PARENT's ids. */
void uidspans_fork(int parent, int child, unsigned long long ts);
/* PID's effective uid is now EUID: a uid change event, which the kernel
 * sends for every change of a process's uids (commit_creds), a
 * set-user-ID exec's and setfsuid's included; the file-system uid is
 * taken to follow the effective one (setfsuid's own is not in the event:
 * a name made under it is only not confirmed). */
void uidspans_setuid(int pid, unsigned euid, unsigned long long ts);
/* PID ended: it holds no id any more. */
void uidspans_exit(int pid, unsigned long long ts);
/* ,"uid_spans":[[uid,start,end,dropped],...] in CLOCK_REALTIME ns,
 * DROPPED 1 when a uid change ended the span, 0 when the exit of its last
 * holder did (or the run's end); nothing when
 * there was no room (the report then keeps to the uids alone). */
void uidspans_write(FILE *f);

#endif
