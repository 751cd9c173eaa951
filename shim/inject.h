/* The shim's side of fault injection: see shim/inject.c. */
#ifndef SHMTRACE_SHIM_INJECT_H
#define SHMTRACE_SHIM_INJECT_H

#include "../common/calls.h"
#include "../common/inject.h"
#include "shim.h"

/* What a rule may ask of a call. */
struct call_facts {
	enum call_id call;
	int has_key; /* shmget, semget, msgget: the key is an argument */
	unsigned key;
	int shmid;   /* shmat, shmctl */
	int semid;   /* semop, semtimedop, semctl */
	int msqid;   /* msgsnd, msgrcv, msgctl */
	const void *addr; /* shmdt */
	const char *name; /* shm_open, shm_unlink; ftok's path */
	int cmd;
	unsigned long flags;
	unsigned long long size;
};

HIDDEN extern struct inject_rules inject_rules;
HIDDEN extern unsigned long long inject_seed;

HIDDEN int inject_init(char *err, size_t errlen);
HIDDEN void inject_before_fork(void);
/* The seed the next program this image execs draws from: its own stream,
 * the same every run of the same process tree (each exec counted). */
HIDDEN unsigned long long inject_seed_for_exec(void);
HIDDEN void inject_child_after_fork(void);
/* The index of the rule that makes this call fail, with *err, or -1. */
HIDDEN int inject_decide(const struct call_facts *f, void *const *ips, int n, int *err);

/* symbols.c, procfs.c, backtrace.c */
HIDDEN const char *function_at(void *ip);
HIDDEN int sysv_key_at(const void *addr, unsigned *key);
HIDDEN unsigned long long bt_site_hash(void *const *ips, int n);

#endif
