/* What common/call_table.h says, for the tests:
 *   calltable calls    the wrapped calls' names, one a line
 *   calltable zero-first  fails, naming it, if a flag table lists an entry
 *                      that names a zero value after one that names bits
 *                      (the writer's walk stops early: common/xlat.h)
 *   calltable fields   docs/trace-format.md's table of a call record's
 *                      fields, which tests/docs.bats compares with the
 *                      document (to regenerate it: run this, paste). */
#include <stdio.h>
#include <string.h>

#include "../../common/call_record.h"
#include "../../common/xlat.h"

static const char *kind_text(const char *kind)
{
	static const struct {
		const char *kind, *text;
	} kinds[] = {
		{"K_EVENT", "string"},
		{"K_CALLNAME", "string"},
		{"K_INT", "integer"},
		{"K_UINT", "integer, 0 to 2^64 − 1"},
		{"K_HEX", "hex string"},
		{"K_HEX32", "hex string, 8 digits"},
		{"K_OCT", "octal string (`\"0600\"`)"},
		{"K_FLAGS", "array of names; bits without one as one hex string"},
		{"K_CMD", "name, or the number if unknown"},
		{"K_TEXT", "bytes as text (see Strings)"},
		{"K_STR", "string"},
		{"K_BOOL", "`true`/`false`"},
		{"K_TRIBOOL", "`true`/`false`/`null`"},
		{"K_ERRNO", "`null`, name or number"},
		{"K_DS", "object"},
		{"K_STACK", "integer, array or `null`"},
		{"K_ARGS", "object"},
		{"K_SEMBUF", "array of `{\"num\", \"op\", \"flags\"}`, or `null`"},
		{"K_TIMESPEC", "`{\"sec\", \"nsec\"}` or `null`"},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].text;
	return "?";
}

static void calls_of(unsigned mask)
{
	if (mask == C_ALL) {
		printf("all");
		return;
	}
	const char *sep = "";
	for (int i = 0; i < CALL_COUNT; i++)
		if (mask & (1u << i)) {
			printf("%s`%s`", sep, call_table[i].name);
			sep = ", ";
		}
}

static void row(const char *place, const char *json, const char *kind, unsigned always, unsigned maybe,
		long max, const char *doc)
{
	if (!*json)
		return;
	printf("| `%s%s` | ", strcmp(place, "ARGS") == 0 ? "args." : "", json);
	calls_of(always | maybe);
	printf("%s | %s", always ? "" : " (not always)", kind_text(kind));
	if (strcmp(kind, "K_TEXT") == 0)
		printf(", at most %ld bytes; `%s_truncated: true` beside it when cut", max, json);
	if (strcmp(kind, "K_SEMBUF") == 0)
		printf(", at most %ld of them; `%s_truncated: true` beside it when cut", max, json);
	printf(" | %s |\n", doc);
}

/* The flag tables the writer walks, each listing its entries that name a
 * zero value first (common/xlat.h): the name of one that does not. */
static const char *zero_values_last(void)
{
	static const struct {
		const char *name;
		const struct xlat *table;
	} tables[] = {
		{"shmget", xlat_shmget_flags}, {"shmat", xlat_shmat_flags}, {"open", xlat_open_flags},
		{"ipcget", xlat_ipcget_flags}, {"sem", xlat_sem_flags},     {"msg", xlat_msg_flags},
	};
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		int named_bits = 0;
		for (const struct xlat *t = tables[i].table; t->name; t++) {
			if (!t->val && named_bits)
				return tables[i].name;
			named_bits |= t->val != 0;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "zero-first") == 0) {
		const char *bad = zero_values_last();
		if (bad)
			printf("%s: an entry naming a zero value after one naming bits\n", bad);
		return bad != NULL;
	}
	if (argc == 2 && strcmp(argv[1], "calls") == 0) {
		for (int i = 0; i < CALL_COUNT; i++)
			printf("%s\n", call_table[i].name);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "fields") == 0) {
		printf("| field | calls | value | meaning |\n|---|---|---|---|\n");
#define ROW(A, ID, PLACE, JSON, KIND, ALWAYS, MAYBE, M, DECL, ARG, DOC) \
	row(#PLACE, JSON, #KIND, ALWAYS, MAYBE, strcmp(#KIND, "K_TEXT") == 0 || strcmp(#KIND, "K_SEMBUF") == 0 ? (long)(ARG) : 0, DOC);
		CALL_FIELDS(ROW, _)
		return 0;
	}
	fprintf(stderr, "usage: calltable calls|fields\n");
	return 2;
}
