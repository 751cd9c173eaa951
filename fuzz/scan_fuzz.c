/* libFuzzer target: one line as a call record, read by both of the
 * reader's paths -- the fast scanner and jansson's call_from_json.  When
 * both take the line they must read the same call: a difference aborts.
 * (Each may refuse what the other takes: the scanner is strict about
 * shape, jansson about duplicate keys.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../analyzer/scan.h"

#define SAME(field) \
	if (a->field != b->field) \
		abort()
#define SAME_STR(field) \
	if (strcmp(a->field, b->field) != 0) \
		abort()

static void compare(const struct call_rec *a, const struct call_rec *b)
{
	SAME_STR(call);
	SAME(pid);
	SAME(ts);
	SAME(tid);
	SAME(dur);
	SAME(failed);
	if (a->failed)
		SAME_STR(errno_name);
	SAME(injected);
	SAME(created);
	SAME(has_key);
	if (a->has_key)
		SAME(key);
	SAME(size);
	SAME(has_shmid);
	if (a->has_shmid)
		SAME(shmid);
	SAME(has_shmaddr);
	if (a->has_shmaddr)
		SAME(shmaddr);
	SAME_STR(cmd);
	SAME(cmd_raw);
	SAME(has_flags);
	if (a->has_flags)
		SAME(flags_raw);
	SAME(id);
	SAME(has_ftok_key);
	if (a->has_ftok_key)
		SAME(ftok_key);
	SAME(has_file_id);
	if (a->has_file_id) {
		SAME(dev);
		SAME(ino);
	}
	SAME_STR(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct call_rec fast, slow;
	if (scan_call((const char *)data, size, &fast) != SCAN_CALL)
		return 0;
	json_error_t err;
	json_t *rec = record_from_line((const char *)data, size, &err);
	if (rec && json_is_object(rec) && call_from_json(rec, &slow) == 0) {
		if (!fast.stack_text) /* call_from_json leaves stacks to the reader */
			compare(&fast, &slow);
	}
	json_decref(rec);
	return 0;
}
