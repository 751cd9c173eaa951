/* libFuzzer target: one line, read by the reader's one parser of call
 * records (analyzer/scan.c) and by jansson, the oracle of what the line is.
 *   - A line the scanner reads as a call is JSON whose "event" is "call",
 *     and every field of the table that jansson finds there, of the
 *     field's kind, the scanner read with the same value; none it read is
 *     missing from jansson's.  (Only jansson refuses duplicate unknown
 *     keys: such a line is skipped.)
 *   - A line the scanner passes on as no call record, without saying what
 *     is wrong with it, is not JSON, or its "event" is not "call".
 * Any difference aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../analyzer/scan.h"

static const json_t *value_of(const json_t *rec, const struct scan_field *f)
{
	const json_t *in = f->place == ARGS ? json_object_get(rec, "args") : rec;
	return json_is_object(in) ? json_object_getn(in, f->json, f->len) : NULL;
}

/* jansson's value as the field's kind has it: big integers are digit
 * strings (record_from_line); hex and octal strings are numbers. */
static int number_of(const json_t *v, int kind, unsigned long long *out)
{
	const char *s = json_string_value(v);
	char *end;
	if ((kind == K_INT || kind == K_UINT) && json_is_integer(v))
		return *out = (unsigned long long)json_integer_value(v), 0;
	if (!s)
		return -1;
	int base = kind == K_HEX || kind == K_HEX32 ? 16 : kind == K_OCT ? 8 : 10;
	*out = strtoull(s + (base == 16 ? 2 : 0), &end, base);
	return *end ? -1 : 0;
}

static void same_field(const struct call_rec *r, const struct scan_field *f, const json_t *v)
{
	const char *at = (const char *)r + f->member;
	unsigned long long n;
	switch (f->kind) {
	case K_INT:
		if (!json_is_integer(v) || json_integer_value(v) != *(const long long *)at)
			abort();
		break;
	case K_UINT: case K_HEX:
		if (number_of(v, f->kind, &n) || n != *(const unsigned long long *)at)
			abort();
		break;
	case K_HEX32: case K_OCT:
		if (number_of(v, f->kind, &n) || n != *(const unsigned *)at)
			abort();
		break;
	case K_CALLNAME: case K_CMD: case K_TEXT: /* the text, cut to fit */
		if (json_is_string(v) ? strncmp(json_string_value(v), at, f->cap - 1) != 0 : at[0] != '\0')
			abort();
		break;
	case K_BOOL: case K_TRIBOOL:
		if (*(const int *)at != (json_is_null(v) ? -1 : json_is_true(v)))
			abort();
		break;
	}
}

/* Whether a field of F's name and place was read (one name, several kinds:
 * "ret" is an integer or an address). */
static int named_read(const struct call_rec *r, const struct scan_field *f)
{
	for (int i = 0; i < F_COUNT; i++)
		if (scan_fields[i].place == f->place && strcmp(scan_fields[i].json, f->json) == 0 && (r->present >> i) & 1)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct call_rec r;
	char why[SCAN_WHY_CAP];
	/* The reader never hands on a NUL byte (reader.c cuts lines at them),
	 * and jansson skips some of them. */
	if (memchr(data, 0, size))
		return 0;
	int rc = scan_call((const char *)data, size, &r, why);
	json_error_t err;
	json_t *rec = record_from_line((const char *)data, size, &err);
	if (!rec && strstr(err.text, "duplicate")) /* jansson's one refusal the scanner need not share */
		return 0;
	const char *event = json_string_value(json_object_get(rec, "event"));
	int is_call = json_is_object(rec) && event && strcmp(event, "call") == 0;
	if (rc == SCAN_OTHER && !why[0] && is_call)
		abort();
	if (rc == SCAN_CALL) {
		if (!is_call)
			abort();
		for (int i = 0; i < F_COUNT; i++) {
			const struct scan_field *f = &scan_fields[i];
			const json_t *v = f->len ? value_of(rec, f) : NULL;
			int read = (r.present >> i) & 1;
			if (read && !v)
				abort();
			if (read && f->member >= 0)
				same_field(&r, f, v);
			if (v && !read && !named_read(&r, f))
				abort();
		}
		const json_t *e = json_object_get(rec, "errno");
		if (r.failed != (e && !json_is_null(e)) ||
		    (json_is_string(e) && strcmp(json_string_value(e), r.errno_name) != 0))
			abort();
	}
	json_decref(rec);
	return 0;
}
