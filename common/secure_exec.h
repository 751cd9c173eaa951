/* Whether the kernel runs a program in secure-execution mode (AT_SECURE),
 * where the loader ignores an LD_PRELOAD path (ld.so(8)): the rule of
 * security/commoncap.c, from facts each caller gathers its own way (run
 * before it starts CMD, the library before a traced process's exec). */
#ifndef SHMTRACE_SECURE_EXEC_H
#define SHMTRACE_SECURE_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct exec_facts {
	uid_t ruid, euid; /* of the process that execs (a spawn that resets ids: effective = real) */
	gid_t rgid, egid;
	bool no_new_privs;   /* prctl(PR_SET_NO_NEW_PRIVS): no ids or capabilities gained */
	bool known;          /* the file was found; the facts below are its */
	mode_t mode;
	uid_t owner;
	gid_t group;
	bool nosuid;         /* on a nosuid mount: its bits and capabilities are ignored */
	bool ids_unmapped;   /* its owner or group has no id in our user namespace: its bits are ignored */
	bool script;         /* it starts with "#!": the interpreter is what runs */
	unsigned char caps[24]; /* its security.capability attribute */
	ssize_t caps_len;    /* -1: none */
	/* For a file with capabilities (process_caps): the process's sets,
	 * which decide what the file's give; and the text of its
	 * /proc/self/uid_map, which says whose root a namespace's are for. */
	bool caps_known;
	uint64_t cap_permitted, cap_inheritable, cap_bounding;
	const char *uid_map;
};

enum secure_exec {
	SECURE_NOT,
	SECURE_IDS_DIFFER, /* the process's real and effective ids differ already */
	SECURE_SETID,      /* set-user-ID or set-group-ID, to another id than the real one */
	SECURE_CAPS,       /* file capabilities that raise a user other than root's */
};

enum secure_exec secure_exec(const struct exec_facts *f);

/* F's capability sets of the process, through SYS, a system call
 * (the library's own, or run's libc's): capget and PR_CAPBSET_READ. */
void process_caps(struct exec_facts *f, long (*sys)(long number, long a, long b, long c, long d));

/* Whether ID has a mapping in MAP, the text of /proc/self/uid_map or
 * gid_map ("inside outside count" lines); true if MAP is NULL (unknown). */
bool id_mapped(const char *map, unsigned long id);

#endif
