/* A call record as C structs, generated from common/call_table.h: what the
 * shim's writer is given (struct call_args) and what the analyzer's reader
 * reads (struct call_rec).  A field's bit in `present` says it is there. */
#ifndef SHMTRACE_CALL_RECORD_H
#define SHMTRACE_CALL_RECORD_H

#include <stddef.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>

#include "calls.h"

enum call_field {
#define CALL_FIELD_ENUM(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) F_##ID,
	CALL_FIELDS(CALL_FIELD_ENUM, _)
#undef CALL_FIELD_ENUM
	F_COUNT
};
#define FIELD_BIT(ID) (1ull << F_##ID)

/* CALLS_OF_ID: the calls (C_* bits) whose records may have field ID. */
enum call_field_calls {
#define CALL_FIELD_CALLS(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) CALLS_OF_##ID = (ALWAYS) | (MAYBE),
	CALL_FIELDS(CALL_FIELD_CALLS, _)
#undef CALL_FIELD_CALLS
};
_Static_assert(F_COUNT <= 64, "present is a 64-bit mask");

/* The writer's C type of each kind. */
#define CALL_WT_K_CALLNAME const char * /* unused: a constant per call */
#define CALL_WT_K_INT long long
#define CALL_WT_K_UINT unsigned long long
#define CALL_WT_K_HEX unsigned long long
#define CALL_WT_K_HEX32 unsigned
#define CALL_WT_K_OCT unsigned
#define CALL_WT_K_FLAGS unsigned long
#define CALL_WT_K_CMD int
#define CALL_WT_K_TEXT const char *
#define CALL_WT_K_STR const char *
#define CALL_WT_K_BOOL int
#define CALL_WT_K_TRIBOOL int
#define CALL_WT_K_ERRNO int
#define CALL_WT_K_DS const struct shmid_ds *
#define CALL_WT_K_SEMBUF const struct sembuf * /* nsops of them; NULL: not read */
#define CALL_WT_K_TIMESPEC const struct timespec *
#define CALL_W_DECL_D(KIND, M) CALL_WT_##KIND M;
#define CALL_W_DECL_W(KIND, M) CALL_WT_##KIND M;
#define CALL_W_DECL_S(KIND, M)
#define CALL_W_DECL_WS(KIND, M)
#define CALL_W_DECL_N(KIND, M)
#define CALL_W_DECL(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) CALL_W_DECL_##DECL(KIND, M)

/* What the writer is given: a value per field of the call, and the bits
 * of the MAYBE fields that are there (and of a K_ERRNO or K_TRIBOOL that
 * is not null).  Strings are the program's, read while writing. */
struct call_args {
	unsigned long long present;
	CALL_FIELDS(CALL_W_DECL, _)
};

/* The reader's: strings are copied, as text (common/bytestext.h). */
#define CALL_TEXT_CAP (4 * CALL_PATH_SHOWN + 1) /* a path of bytes each \xHH, at worst, fits */
#define CALL_RT_K_INT(M) long long M;
#define CALL_RT_K_UINT(M) unsigned long long M;
#define CALL_RT_K_HEX(M) unsigned long long M;
#define CALL_RT_K_HEX32(M) unsigned M;
#define CALL_RT_K_OCT(M) unsigned M;
#define CALL_RT_K_CMD(M) char M[24]; /* "" for a number */
#define CALL_RT_K_CALLNAME(M) char M[16];
#define CALL_RT_K_BOOL(M) int M;
#define CALL_RT_K_TRIBOOL(M) int M; /* -1: null or absent */
#define CALL_RT_K_TEXT(M)
#define CALL_RT_K_SEMBUF(M) struct call_sop M[CALL_SOPS_SHOWN];
#define CALL_R_DECL_D(KIND, M) CALL_RT_##KIND(M)
#define CALL_R_DECL_S(KIND, M)
#define CALL_R_DECL_W(KIND, M)
#define CALL_R_DECL_WS(KIND, M)
#define CALL_R_DECL_N(KIND, M)
#define CALL_R_DECL(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) CALL_R_DECL_##DECL(KIND, M)
#define CALL_R_TEXT_D(KIND, M) CALL_R_TEXT_##KIND(M)
#define CALL_R_TEXT_K_TEXT(M) char M[CALL_TEXT_CAP];
#define CALL_R_TEXT_K_INT(M)
#define CALL_R_TEXT_K_UINT(M)
#define CALL_R_TEXT_K_HEX(M)
#define CALL_R_TEXT_K_HEX32(M)
#define CALL_R_TEXT_K_OCT(M)
#define CALL_R_TEXT_K_CMD(M)
#define CALL_R_TEXT_K_CALLNAME(M)
#define CALL_R_TEXT_K_BOOL(M)
#define CALL_R_TEXT_K_TRIBOOL(M)
#define CALL_R_TEXT_K_SEMBUF(M)
#define CALL_R_TEXT(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) CALL_R_TEXT_##DECL(KIND, M)
#define CALL_R_TEXT_S(KIND, M)
#define CALL_R_TEXT_W(KIND, M)
#define CALL_R_TEXT_WS(KIND, M)
#define CALL_R_TEXT_N(KIND, M)

/* One semop operation as read back; flags are SEM_UNDO and IPC_NOWAIT's
 * bits (and the number of any other). */
struct call_sop {
	int num, op;
	unsigned flags;
};

struct call_rec {
	unsigned long long present; /* FIELD_BIT of each field read */
	int failed;                 /* errno not null */
	char errno_name[24];        /* "unknown" for a number */
	long long stack_id;         /* 0: none */
	const char *stack_text;     /* inline frames: the JSON array in the line read */
	size_t stack_len;
	int sops_shown;             /* of sops[]: those the record has, at most CALL_SOPS_SHOWN */
	CALL_FIELDS(CALL_R_DECL, _)
	/* Last: a copy need only go as far as the text used. */
	CALL_FIELDS(CALL_R_TEXT, _)
};

#define call_has(rec, ID) (((rec)->present & FIELD_BIT(ID)) != 0)

#endif
