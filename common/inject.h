/* Fault-injection rules, modelled on strace's -e inject= (docs/injection.md):
 *
 *   CALLS:error=ERRNO[:when=N|N..M|N+|N+S][:prob=P][:key=KEY][:cmd=CMD]
 *        [:flags=MASK][:size>=N][:name=GLOB][:caller=GLOB][:site=HASH]
 *        [:scope=process|run]
 *
 * Parsed by `shmtrace run`, to refuse a bad rule before the program starts,
 * and by the library at start-up, which refuses it the same way for raw
 * LD_PRELOAD users.  No malloc: rules live in a fixed array. */
#ifndef SHMTRACE_INJECT_H
#define SHMTRACE_INJECT_H

#include <stddef.h>

#include "call_record.h"

/* The calls a flags= rule may name: those whose records have "flags". */
#define CALLS_WITH_FLAGS \
	(CALLS_OF_SHMGET_FLAGS | CALLS_OF_SHMAT_FLAGS | CALLS_OF_OPEN_FLAGS | CALLS_OF_IPCGET_FLAGS | CALLS_OF_MSG_FLAGS)

#define INJECT_MAX_RULES 16
#define INJECT_RULE_TEXT 256
/* Seeds stay below 2^53, so that every JSON reader reads them exactly. */
#define INJECT_SEED_MAX ((1ull << 53) - 1)
/* scope=run counts: one counter per rule and call (calls.h's CALL_COUNT),
 * in this file of the trace directory, mapped by every process. */
#define INJECT_COUNTS_FILE "inject.counters"
#define INJECT_COUNTS_SIZE ((size_t)INJECT_MAX_RULES * CALL_COUNT * sizeof(unsigned long long))

struct inject_rule {
	unsigned calls;                       /* bit (1 << enum call_id) per call */
	int error;                            /* 0: the call's realistic default */
	unsigned long long first, last, step; /* when=: last 0 means no end */
	int prob_per_million;                 /* -1: no prob= */
	int has_key;
	unsigned key;
	int has_cmd;
	int cmd;
	unsigned long flags;          /* bits that must all be set; 0: any */
	unsigned long long min_size;  /* size>=; 0: any */
	char name[128];               /* shm_open/shm_unlink name, ftok path: a glob; "": any */
	char caller[128];             /* a glob; "": any */
	unsigned long long site;      /* a backtrace's site hash (sweep); 0: any */
	int scope_run;                /* count across the whole run */
	char text[INJECT_RULE_TEXT];  /* as given, for the trace */
};

struct inject_rules {
	int n;
	struct inject_rule rule[INJECT_MAX_RULES];
};

/* Adds the rules of LIST (separated by ';') to RULES.  Returns 0, or -1
 * with "'RULE': what is wrong" in err.  allow_any: accept an errno the
 * call's man page does not list. */
int inject_parse(struct inject_rules *rules, const char *list, int allow_any, char *err, size_t errlen);

#endif
