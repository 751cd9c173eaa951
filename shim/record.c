#include "record.h"

#include <string.h>

#include "../common/trace_format.h"
#include "../common/xlat.h"

/* Every key is written as the constant bytes ,"KEY": -- the comma too: the
 * record's first field is the constant {"event":"call", and an object's
 * first member has its comma turned into the opening brace (K_ARGS). */
#define KEY(JSON) ",\"" JSON "\":"

/* A table's entries that name a zero value come first (common/xlat.h): once
 * every bit is named, nothing further can match -- the common case, no
 * flag or one, ends the walk at once (182 instructions a field before). */
static void put_flags(struct jw *w, const struct xlat *t, unsigned long v)
{
	char sep = '[';
	for (; t->name && (v || !t->val); t++)
		/* A field's zero value (O_RDONLY) has a name; a zero bit has none. */
		if ((t->val || t->mask != t->val) && (v & t->mask) == t->val) {
			jw_put(w, &sep, 1);
			jw_put(w, "\"", 1);
			jw_put(w, t->name, strlen(t->name)); /* our own constants: nothing to escape */
			jw_put(w, "\"", 1);
			sep = ',';
			v &= ~t->mask;
		}
	if (v) {
		jw_put(w, &sep, 1);
		jw_put_hex(w, v, 1);
		sep = ',';
	}
	if (sep == '[')
		jw_put(w, "[", 1);
	jw_put(w, "]", 1);
}

/* Inlined, as each writer is in record_write: the call is the cost (bench/instructions.sh). */
static inline __attribute__((always_inline)) void put_cmd(struct jw *w, const struct xlat *t, int cmd)
{
	const char *name = xlat_name(t, (unsigned)cmd);
	if (!name) {
		jw_put_dec(w, cmd);
		return;
	}
	jw_put(w, "\"", 1);
	jw_put(w, name, strlen(name));
	jw_put(w, "\"", 1);
}

static void put_errno(struct jw *w, int failed, int err)
{
	const char *name = failed ? xlat_name(xlat_errnos, (unsigned long)err) : NULL;
	if (!failed)
		jw_put_lit(w, "null");
	else if (!name)
		jw_put_dec(w, err); /* a number no table names */
	else {
		jw_put(w, "\"", 1);
		jw_put(w, name, strlen(name));
		jw_put(w, "\"", 1);
	}
}

/* At most MAX bytes of S, fewer if the record has no room for them (6:
 * \u00XX); true when it was cut. */
static int put_text(struct jw *w, const char *s, size_t max)
{
	if (!s) {
		jw_put_lit(w, "null");
		return 0;
	}
	size_t room = jw_room(w) > RECORD_TAIL ? (jw_room(w) - RECORD_TAIL) / 6 : 0;
	if (max > room)
		max = room;
	jw_put_text(w, s, max);
	return strnlen(s, max + 1) > max;
}

static void put_ds(struct jw *w, const struct shmid_ds *ds, int stat)
{
	char sep = '{';
#define PUT_DS(JSON, KIND, VALUE, IN_SET)                       \
	if (stat || IN_SET) {                                   \
		jw_put(w, &sep, 1);                             \
		jw_put_lit(w, "\"" JSON "\":");                 \
		PUT_VALUE_##KIND(VALUE);                        \
		sep = ',';                                      \
	}
#define PUT_VALUE_K_UINT(V) jw_put_udec(w, V)
#define PUT_VALUE_K_INT(V) jw_put_dec(w, V)
#define PUT_VALUE_K_OCT(V) jw_put_oct(w, V)
#define PUT_VALUE_K_HEX32(V) jw_put_hex(w, V, 8)
	CALL_DS_FIELDS(PUT_DS)
#undef PUT_DS
	jw_put(w, "}", 1);
}

/* semop's operations: at most MAX of the N, fewer if the record has no
 * room for them (an operation is at most 72 bytes); true when cut.  N is
 * what the kernel took: its semop takes nsops as an unsigned int. */
static int put_sops(struct jw *w, const struct sembuf *sops, unsigned long long n, size_t max)
{
	if (!sops) {
		jw_put_lit(w, "null");
		return 0;
	}
	size_t room = jw_room(w) > RECORD_TAIL ? (jw_room(w) - RECORD_TAIL) / 72 : 0;
	if (max > room)
		max = room;
	char sep = '[';
	size_t i;
	for (i = 0; i < n && i < max; i++) {
		jw_put(w, &sep, 1);
		jw_put_lit(w, "{\"num\":");
		jw_put_udec(w, sops[i].sem_num);
		jw_put_lit(w, ",\"op\":");
		jw_put_dec(w, sops[i].sem_op);
		jw_put_lit(w, ",\"flags\":");
		put_flags(w, xlat_sem_flags, (unsigned short)sops[i].sem_flg);
		jw_put(w, "}", 1);
		sep = ',';
	}
	if (sep == '[')
		jw_put(w, "[", 1);
	jw_put(w, "]", 1);
	return i < n;
}

static void put_timespec(struct jw *w, const struct timespec *t)
{
	if (!t) {
		jw_put_lit(w, "null");
		return;
	}
	jw_put_lit(w, "{\"sec\":");
	jw_put_dec(w, t->tv_sec);
	jw_put_lit(w, ",\"nsec\":");
	jw_put_dec(w, t->tv_nsec);
	jw_put(w, "}", 1);
}

/* ,"pid":P,"tid":T: the same bytes in every record of a thread, so they
 * are formatted once, and again only when the values change (a child after
 * fork).  Kept per thread, checked against the values: a signal handler
 * that interrupts the formatting finds len 0 and formats them itself, the
 * same bytes. */
static __thread __attribute__((tls_model("initial-exec"))) struct {
	long long pid, tid;
	size_t len;
	char bytes[2 * sizeof KEY("pid") + 2 * 20];
} who;

_Static_assert(F_TID == F_PID + 1, "the tid follows the pid in the record");

static void put_pid_tid(struct jw *w, long long pid, long long tid)
{
	if (__builtin_expect(!who.len || who.pid != pid || who.tid != tid, 0)) {
		struct jw t;
		who.len = 0;
		jw_init(&t, who.bytes, sizeof who.bytes);
		jw_put_lit(&t, KEY("pid"));
		jw_put_dec(&t, pid);
		jw_put_lit(&t, KEY("tid"));
		jw_put_dec(&t, tid);
		who.pid = pid, who.tid = tid;
		__atomic_signal_fence(__ATOMIC_SEQ_CST); /* the bytes before the length */
		who.len = t.full ? 0 : t.len;
		if (!who.len) { /* cannot happen: room for two 64-bit numbers */
			jw_put_lit(w, KEY("pid")), jw_put_dec(w, pid);
			jw_put_lit(w, KEY("tid")), jw_put_dec(w, tid);
			return;
		}
	}
	jw_put(w, who.bytes, who.len);
}

/* One field of kind K: its writer given the call (A: (ID, NAME)), the
 * field's JSON name, its value V, ARG, and whether it is there (P). */
#define A_ID(A) A_ID_ A
#define A_ID_(ID, NAME) ID
#define A_NAME(A) A_NAME_ A
#define A_NAME_(ID, NAME) NAME
#define W_K_EVENT(A, JSON, V, ARG, P) jw_put_lit(w, "{\"" JSON "\":\"" EV_CALL "\"")
#define W_K_CALLNAME(A, JSON, V, ARG, P) jw_put_lit(w, KEY(JSON) "\"" A_NAME(A) "\"")
#define W_K_INT(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), jw_put_dec(w, V))
#define W_K_UINT(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), jw_put_udec(w, V))
#define W_K_HEX(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), jw_put_hex(w, V, 1))
#define W_K_HEX32(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), jw_put_hex(w, V, 8))
#define W_K_OCT(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), jw_put_oct(w, V))
#define W_K_FLAGS(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), put_flags(w, ARG, V))
#define W_K_CMD(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), put_cmd(w, ARG, V))
#define W_K_TEXT(A, JSON, V, ARG, P)                          \
	do {                                                  \
		jw_put_lit(w, KEY(JSON));                     \
		if (put_text(w, V, ARG))                      \
			jw_put_lit(w, ",\"" JSON "_truncated\":true"); \
	} while (0)
#define W_K_SEMBUF(A, JSON, V, ARG, P)                        \
	do {                                                  \
		jw_put_lit(w, KEY(JSON));                     \
		if (put_sops(w, V, (unsigned)a->nsops, ARG))  \
			jw_put_lit(w, ",\"" JSON "_truncated\":true"); \
	} while (0)
#define W_K_TIMESPEC(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), put_timespec(w, V))
#define W_K_STR(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), jw_put_text(w, V, 256))
#define W_K_BOOL(A, JSON, V, ARG, P) \
	((V) ? jw_put_lit(w, KEY(JSON) "true") : jw_put_lit(w, KEY(JSON) "false"))
#define W_K_TRIBOOL(A, JSON, V, ARG, P)                                                       \
	(!(P) ? jw_put_lit(w, KEY(JSON) "null")                                                \
	      : (V) ? jw_put_lit(w, KEY(JSON) "true") : jw_put_lit(w, KEY(JSON) "false"))
#define W_K_ERRNO(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), put_errno(w, (P) != 0, V))
#define W_K_DS(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), put_ds(w, V, ARG))
#define W_K_ARGS(A, JSON, V, ARG, P) (jw_put_lit(w, KEY(JSON)), open = w->len)
#define W_K_END(A, JSON, V, ARG, P)                    \
	do {                                           \
		if (w->len == open) {                  \
			jw_put_lit(w, "{}");           \
		} else {                               \
			if (!w->full)                  \
				w->buf[open] = '{';    \
			jw_put_lit(w, "}");            \
		}                                      \
	} while (0)
#define W_K_STACK(A, JSON, V, ARG, P) (void)0 /* the caller's: backtrace.c */

#define CALL_BIT(A) CALL_BIT_(A_ID(A))
#define CALL_BIT_(ID) CALL_BIT__(ID)
#define CALL_BIT__(ID) (1u << CALL_##ID)
#define W_FIELD(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC)              \
	if (F_##ID == F_PID)                                                            \
		put_pid_tid(w, a->pid, a->tid);                                         \
	else if (F_##ID == F_TID)                                                       \
		; /* with the pid */                                                    \
	else if ((ALWAYS) & CALL_BIT(A))                                                \
		W_##KIND(A, JSON, a->M, ARG, a->present & FIELD_BIT(ID));               \
	else if (((MAYBE) & CALL_BIT(A)) && (a->present & FIELD_BIT(ID)))               \
		W_##KIND(A, JSON, a->M, ARG, 1);

#define W_CALL(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL)                        \
	static inline __attribute__((always_inline)) void write_##ID(struct jw *w, const struct call_args *a) \
	{                                                                      \
		size_t open = 0;                                               \
		CALL_FIELDS(W_FIELD, (ID, NAME))                               \
		(void)open;                                                    \
	}
CALL_LIST(W_CALL)

void record_write(struct jw *w, enum call_id id, const struct call_args *a)
{
	switch (id) {
#define W_CASE(ID, NAME, MAN, DEFAULT, ERRNOS, SYSCALL) \
	case CALL_##ID:                                 \
		write_##ID(w, a);                       \
		break;
		CALL_LIST(W_CASE)
	default:
		break;
	}
}
