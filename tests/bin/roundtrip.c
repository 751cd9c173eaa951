/* Property: the reader reads back every record the writer can produce.
 * For each call of common/call_table.h, records with generated values --
 * the edges of each kind (INT64_MIN, 2^64 - 1, 0, ...), random ones, names
 * of random bytes of every length around the cut, each optional field there
 * or not -- are written by the shim's writer (shim/record.c, jsonw.c) and
 * read by the report's reader (analyzer/scan.c); every field the table
 * gives the call must come back as written, and no other.
 *   roundtrip [SEED [RECORDS_PER_CALL]]
 * Prints "N records read back" and exits 0, or prints the first record
 * that did not, and what differed, and exits 1. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyzer/scan.h"
#include "../../common/bytestext.h"
#include "../../common/xlat.h"
#include "../../shim/record.h"

static uint64_t state;

static uint64_t rnd(void) /* splitmix64: the same records for a seed */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned long long u64(void)
{
	static const unsigned long long edge[] = {0, 1, 9, 10, 99, 100, 0x7fffffff, 0x80000000, 0xffffffff,
						  (1ull << 63) - 1, 1ull << 63, ~0ull, ~0ull - 1};
	return rnd() % 3 ? edge[rnd() % (sizeof edge / sizeof edge[0])] : rnd() >> (rnd() % 64);
}

static long long s64(void)
{
	static const long long edge[] = {LLONG_MIN, LLONG_MIN + 1, INT_MIN, -1, 0, 1, INT_MAX, LLONG_MAX};
	return rnd() % 2 ? edge[rnd() % (sizeof edge / sizeof edge[0])] : (long long)u64();
}

/* A string of nonzero random bytes, its length near a cut or anywhere. */
static char *bytes(char *buf, size_t cap)
{
	static const size_t lens[] = {0, 1, 255, 256, 257, 2047, 2048, 2049, 3000};
	size_t n = rnd() % 2 ? lens[rnd() % (sizeof lens / sizeof lens[0])] : rnd() % 300;
	if (n >= cap)
		n = cap - 1;
	int worst = rnd() % 8 == 0; /* each byte \xHH in the text: 4 times as long */
	for (size_t i = 0; i < n; i++) {
		unsigned r = worst ? 0 : (unsigned)rnd();
		if (worst) {
			buf[i] = (char)0xff;
			continue;
		}
		buf[i] = r % 4 == 0 ? (char)(1 + r / 4 % 255) : r % 4 == 1 ? "\\\"/x\x7f\x1b"[r / 4 % 6] : (char)('a' + r / 4 % 26);
	}
	buf[n] = '\0';
	return rnd() % 16 ? buf : NULL;
}

static char text_buf[2][4096], rule_buf[256];
static struct shmid_ds ds;
static struct sembuf sops[CALL_SOPS_SHOWN + 2];
static struct timespec timeout;

/* semop's operations: every field at its edges or random, any count
 * around the cut (the record says how many in nsops). */
static const struct sembuf *gen_sops(void)
{
	static const short edge[] = {SHRT_MIN, -1, 0, 1, SHRT_MAX};
	for (size_t i = 0; i < sizeof sops / sizeof *sops; i++) {
		sops[i].sem_num = rnd() % 2 ? (unsigned short)rnd() : (unsigned short)(rnd() % 2 ? 0 : USHRT_MAX);
		sops[i].sem_op = rnd() % 2 ? (short)rnd() : edge[rnd() % 5];
		sops[i].sem_flg = rnd() % 2 ? (short)rnd() : (short)(rnd() % 2 ? SEM_UNDO | IPC_NOWAIT : 0);
	}
	return rnd() % 8 ? sops : NULL;
}

static const struct timespec *gen_timeout(void)
{
	timeout.tv_sec = (time_t)s64(), timeout.tv_nsec = (long)s64();
	return rnd() % 4 ? &timeout : NULL;
}

static void generate(struct call_args *a)
{
	memset(a, 0, sizeof *a);
	a->present = rnd(); /* the MAYBE fields, and null or not for K_ERRNO, K_TRIBOOL */
#define GEN_K_CALLNAME(M) (void)0
#define GEN_K_INT(M) a->M = s64()
#define GEN_K_UINT(M) a->M = u64()
#define GEN_K_HEX(M) a->M = u64()
#define GEN_K_HEX32(M) a->M = (unsigned)u64()
#define GEN_K_OCT(M) a->M = (unsigned)u64()
#define GEN_K_FLAGS(M) a->M = (unsigned long)u64()
#define GEN_K_CMD(M) a->M = rnd() % 2 ? (int)(rnd() % 24) : (int)s64()
#define GEN_K_TEXT(M) a->M = bytes(text_buf[rnd() % 2], sizeof text_buf[0])
#define GEN_K_STR(M) a->M = bytes(rule_buf, sizeof rule_buf) ? rule_buf : "syscall"
#define GEN_K_BOOL(M) a->M = (int)(rnd() % 3)
#define GEN_K_TRIBOOL(M) a->M = (int)(rnd() % 3)
#define GEN_K_ERRNO(M) a->M = rnd() % 2 ? (int)(rnd() % 140) : (int)s64()
#define GEN_K_SEMBUF(M) (a->M = gen_sops(), a->nsops = rnd() % 2 ? rnd() % (CALL_SOPS_SHOWN + 3) : u64())
#define GEN_K_TIMESPEC(M) a->M = gen_timeout()
#define GEN_K_DS(M) (ds.shm_perm.uid = (uid_t)u64(), ds.shm_segsz = u64(), ds.shm_cpid = (pid_t)s64(), a->M = &ds)
#define GEN_D(KIND, M) GEN_##KIND(M);
#define GEN_W GEN_D
#define GEN_S(KIND, M)
#define GEN_WS(KIND, M)
#define GEN_N(KIND, M)
#define GEN(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) GEN_##DECL(KIND, M)
	CALL_FIELDS(GEN, _)
	if ((a->present & FIELD_BIT(STAT)) && (a->present & FIELD_BIT(SET)))
		a->present &= ~FIELD_BIT(SET); /* one or the other */
	if (rnd() % 2)
		a->present &= ~FIELD_BIT(ERRNO);
}

static int failures;

static void differ(const char *line, const char *field, const char *what)
{
	if (failures++ < 5)
		printf("not read back: %s: %s\n  %s", field, what, line);
}

/* The bytes of a text field as written: the first ARG of them. */
static void same_text(const char *line, const char *json, const char *wrote, const char *read, size_t max)
{
	static char back[CALL_TEXT_CAP];
	long n = text_to_bytes(read, back, sizeof back);
	size_t len = wrote ? strnlen(wrote, max) : 0;
	if (n < 0 || (size_t)n != len || memcmp(back, wrote ? wrote : "", len) != 0)
		differ(line, json, "other bytes");
}

/* The operations as written: the first CALL_SOPS_SHOWN of the kernel's
 * (unsigned) nsops, none if unread. */
static void same_sops(const char *line, const struct call_args *a, const struct call_rec *r)
{
	unsigned n = !a->sops ? 0 : (unsigned)a->nsops < CALL_SOPS_SHOWN ? (unsigned)a->nsops : CALL_SOPS_SHOWN;
	if ((unsigned)r->sops_shown != n)
		differ(line, "sops", "other number of operations");
	for (unsigned i = 0; i < n && i < (unsigned)r->sops_shown; i++)
		if (r->sops[i].num != a->sops[i].sem_num || r->sops[i].op != a->sops[i].sem_op ||
		    r->sops[i].flags != (unsigned short)a->sops[i].sem_flg)
			differ(line, "sops", "other operation");
}

/* Whether MASK has a field of field I's place and name. */
static int by_name(unsigned long long mask, int i)
{
	for (int j = 0; j < F_COUNT; j++)
		if ((mask >> j) & 1 && scan_fields[j].place == scan_fields[i].place &&
		    strcmp(scan_fields[j].json, scan_fields[i].json) == 0)
			return 1;
	return 0;
}

static void check(enum call_id id, const struct call_args *a, const struct call_rec *r, const char *line)
{
	unsigned bit = 1u << id;
	const char *name;
#define SAME(M) if (r->M != a->M) differ(line, #M, "other value")
#define CHK_K_INT(M, ARG) SAME(M)
#define CHK_K_UINT(M, ARG) SAME(M)
#define CHK_K_HEX(M, ARG) SAME(M)
#define CHK_K_HEX32(M, ARG) SAME(M)
#define CHK_K_OCT(M, ARG) SAME(M)
#define CHK_K_CALLNAME(M, ARG) if (strcmp(r->M, call_table[id].name) != 0) differ(line, #M, "other name")
#define CHK_K_CMD(M, ARG) \
	if (strcmp(r->M, (name = xlat_name(ARG, (unsigned)a->M)) ? name : "") != 0) differ(line, #M, "other name")
#define CHK_K_TEXT(M, ARG) same_text(line, #M, a->M, r->M, ARG)
#define CHK_K_BOOL(M, ARG) if (r->M != (a->M != 0)) differ(line, #M, "other value")
#define CHK_K_TRIBOOL(M, ARG) \
	if (r->M != ((a->present & field_bit) ? a->M != 0 : -1)) differ(line, #M, "other value")
#define CHK_K_SEMBUF(M, ARG) same_sops(line, a, r)
#define CHK_D(KIND, M, ARG) CHK_##KIND(M, ARG);
#define CHK_S CHK_D
#define CHK_W(KIND, M, ARG)
#define CHK_WS(KIND, M, ARG)
#define CHK_N(KIND, M, ARG)
	/* Fields are there by name: one name may be several entries ("flags"
	 * of each call), of which the reader marks the first that takes it. */
	unsigned long long written = 0;
#define WRITTEN(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) \
	if (*JSON && ((ALWAYS) & bit || ((MAYBE) & bit && a->present & FIELD_BIT(ID)))) \
		written |= FIELD_BIT(ID);
	CALL_FIELDS(WRITTEN, _)
	for (int i = 0; i < F_COUNT; i++)
		if (by_name(written, i) != by_name(r->present, i))
			differ(line, scan_fields[i].json, by_name(written, i) ? "missing" : "there, not written");
#define CHK(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) \
	if (written & FIELD_BIT(ID)) {                                  \
		unsigned long long field_bit = FIELD_BIT(ID);           \
		CHK_##DECL(KIND, M, ARG)                                \
		(void)field_bit;                                        \
	}
	CALL_FIELDS(CHK, _)
	int failed = (a->present & FIELD_BIT(ERRNO)) != 0;
	name = xlat_name(xlat_errnos, (unsigned long)a->err);
	if (r->failed != failed || (failed && strcmp(r->errno_name, name ? name : "unknown") != 0))
		differ(line, "errno", "other errno");
}

int main(int argc, char **argv)
{
	state = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	long per_call = argc > 2 ? atol(argv[2]) : 3000, n = 0;
	static char buf[16384];
	static struct call_args a;
	static struct call_rec r;
	for (int id = 0; id < CALL_COUNT; id++)
		for (long i = 0; i < per_call; i++, n++) {
			struct jw w;
			jw_init(&w, buf, sizeof buf);
			generate(&a);
			record_write(&w, (enum call_id)id, &a);
			jw_key(&w, "stack"); /* as shim/backtrace.c ends it */
			if (i % 2)
				jw_uint(&w, rnd() % 100000 + 1);
			else
				jw_lit(&w, "null");
			jw_close(&w, '}');
			size_t len = jw_finish(&w);
			char why[SCAN_WHY_CAP];
			if (!len) {
				differ("(too long)\n", call_table[id].name, "not written");
			} else if (scan_call(buf, len, &r, why) != SCAN_CALL) {
				differ(buf, "record", why[0] ? why : "unreadable");
			} else {
				check((enum call_id)id, &a, &r, buf);
			}
		}
	if (failures)
		printf("%d of %ld records not read back (seed %s)\n", failures, n, argc > 1 ? argv[1] : "1");
	else
		printf("%ld records read back\n", n);
	return failures != 0;
}
