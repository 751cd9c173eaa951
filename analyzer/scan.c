#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *p, *end;
};

static void ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int eat(struct cursor *c, char ch)
{
	ws(c);
	if (c->p >= c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* A string without escapes, into buf (NUL-terminated); -1 otherwise. */
static int plain_string(struct cursor *c, char *buf, size_t cap)
{
	if (eat(c, '"'))
		return -1;
	const char *start = c->p;
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' || (unsigned char)*c->p < 0x20)
			return -1;
		c->p++;
	}
	size_t n = (size_t)(c->p - start);
	if (c->p >= c->end || n >= cap)
		return -1;
	memcpy(buf, start, n);
	buf[n] = '\0';
	c->p++;
	return 0;
}

static int skip_string(struct cursor *c)
{
	if (eat(c, '"'))
		return -1;
	while (c->p < c->end && *c->p != '"') {
		if ((unsigned char)*c->p < 0x20)
			return -1;
		if (*c->p == '\\' && ++c->p >= c->end)
			return -1;
		c->p++;
	}
	return c->p++ < c->end ? 0 : -1;
}

/* A JSON integer (no fraction or exponent: the format has none). */
static int integer(struct cursor *c, long long *out)
{
	ws(c);
	int neg = c->p < c->end && *c->p == '-';
	c->p += neg;
	unsigned long long v = 0;
	const char *start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (v > 922337203685477580ull)
			return -1;
		v = v * 10 + (unsigned)(*c->p++ - '0');
	}
	if (c->p == start || (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')))
		return -1;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

static int literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	ws(c);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

static int hex_string(struct cursor *c, unsigned long long *out)
{
	char buf[24];
	if (plain_string(c, buf, sizeof buf) || strncmp(buf, "0x", 2) != 0 || !buf[2])
		return -1;
	unsigned long long v = 0;
	for (const char *s = buf + 2; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return 0;
}

static int skip_value(struct cursor *c, int depth);

static int skip_container(struct cursor *c, char open, char close, int depth)
{
	if (depth > 32 || eat(c, open))
		return -1;
	ws(c);
	if (c->p < c->end && *c->p == close)
		return c->p++, 0;
	for (;;) {
		if (open == '{' && (skip_string(c) || eat(c, ':')))
			return -1;
		if (skip_value(c, depth + 1))
			return -1;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		return eat(c, close);
	}
}

static int skip_value(struct cursor *c, int depth)
{
	long long n;
	ws(c);
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '"':
		return skip_string(c);
	case '{':
		return skip_container(c, '{', '}', depth);
	case '[':
		return skip_container(c, '[', ']', depth);
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		return integer(c, &n);
	}
}

/* Calls fn(key) for each member of an object; fn reads or skips the value. */
typedef int (*member_fn)(struct cursor *c, const char *key, struct call_rec *r);

static int object(struct cursor *c, member_fn fn, struct call_rec *r)
{
	char key[32];
	if (eat(c, '{'))
		return -1;
	ws(c);
	if (c->p < c->end && *c->p == '}')
		return c->p++, 0;
	for (;;) {
		if (plain_string(c, key, sizeof key) || eat(c, ':') || fn(c, key, r))
			return -1;
		ws(c);
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		return eat(c, '}');
	}
}

static int boolean(struct cursor *c, int *out)
{
	if (literal(c, "true") == 0)
		return *out = 1, 0;
	if (literal(c, "false") == 0)
		return *out = 0, 0;
	return -1;
}

static int arg_member(struct cursor *c, const char *key, struct call_rec *r)
{
	unsigned long long v;
	long long n;
	if (strcmp(key, "key") == 0) {
		if (hex_string(c, &v) || v > 0xffffffffu)
			return -1;
		r->has_key = 1;
		r->key = (unsigned)v;
		return 0;
	}
	if (strcmp(key, "size") == 0)
		return integer(c, &n) || n < 0 ? -1 : (r->size = (unsigned long long)n, 0);
	if (strcmp(key, "shmid") == 0)
		return integer(c, &r->shmid) ? -1 : (r->has_shmid = 1, 0);
	if (strcmp(key, "shmaddr") == 0)
		return hex_string(c, &r->shmaddr) ? -1 : (r->has_shmaddr = 1, 0);
	if (strcmp(key, "name") == 0 || strcmp(key, "path") == 0)
		return plain_string(c, r->name, sizeof r->name);
	if (strcmp(key, "id") == 0)
		return integer(c, &r->id);
	if (strcmp(key, "cmd") == 0) {
		ws(c);
		if (c->p < c->end && *c->p == '"')
			return plain_string(c, r->cmd, sizeof r->cmd);
		return integer(c, &n) ? -1 : (r->cmd[0] = '\0', 0);
	}
	return skip_value(c, 1);
}

static int member(struct cursor *c, const char *key, struct call_rec *r)
{
	char event[16];
	switch (key[0]) {
	case 'e':
		if (strcmp(key, "event") == 0)
			return plain_string(c, event, sizeof event) || strcmp(event, "call") != 0 ? -1 : 0;
		if (strcmp(key, "errno") == 0) {
			long long n;
			ws(c);
			if (literal(c, "null") == 0)
				return r->failed = 0, 0;
			r->failed = 1;
			if (c->p < c->end && *c->p == '"')
				return plain_string(c, r->errno_name, sizeof r->errno_name);
			strcpy(r->errno_name, "unknown");
			return integer(c, &n);
		}
		break;
	case 'c':
		if (strcmp(key, "call") == 0)
			return plain_string(c, r->call, sizeof r->call);
		if (strcmp(key, "created") == 0)
			return literal(c, "null") == 0 ? (r->created = -1, 0) : boolean(c, &r->created);
		break;
	case 'p':
		if (strcmp(key, "pid") == 0)
			return integer(c, &r->pid);
		break;
	case 't':
		if (strcmp(key, "ts") == 0) {
			long long ts;
			return integer(c, &ts) || ts < 0 ? -1 : (r->ts = (unsigned long long)ts, r->has_ts = 1, 0);
		}
		break;
	case 'a':
		if (strcmp(key, "args") == 0)
			return object(c, arg_member, r) ? -1 : (r->has_args = 1, 0);
		break;
	case 'r':
		if (strcmp(key, "ret") == 0) {
			ws(c);
			if (c->p < c->end && *c->p == '"')
				return hex_string(c, &r->ret_addr);
			return integer(c, &r->ret);
		}
		break;
	case 'i':
		if (strcmp(key, "injected") == 0)
			return boolean(c, &r->injected);
		break;
	case 'k':
		if (strcmp(key, "key") == 0) { /* ftok's result */
			unsigned long long v;
			if (hex_string(c, &v) || v > 0xffffffffu)
				return -1;
			r->has_ftok_key = 1;
			r->ftok_key = (unsigned)v;
			return 0;
		}
		break;
	case 's':
		if (strcmp(key, "stack") == 0) /* an id or null; inline frames go to jansson */
			return literal(c, "null") == 0 ? 0 : integer(c, &r->stack_id);
		break;
	}
	return skip_value(c, 1);
}

int scan_call(const char *s, size_t len, struct call_rec *out)
{
	static const char prefix[] = "{\"event\":\"call\"";
	struct cursor c = {s, s + len};
	if (len < sizeof prefix - 1 || memcmp(s, prefix, sizeof prefix - 1) != 0)
		return SCAN_OTHER;
	memset(out, 0, sizeof *out);
	out->created = -1;
	out->pid = -1;
	if (object(&c, member, out) != 0)
		return SCAN_OTHER;
	ws(&c);
	if (c.p != c.end || !out->call[0] || out->pid < 0 || !out->has_ts || !out->has_args)
		return SCAN_OTHER;
	return SCAN_CALL;
}

static void copy_string(char *dst, size_t cap, const json_t *v)
{
	const char *s = json_string_value(v);
	snprintf(dst, cap, "%s", s ? s : "");
}

static int hex_value(const json_t *v, unsigned long long *out)
{
	const char *s = json_string_value(v);
	if (!s || strncmp(s, "0x", 2) != 0)
		return -1;
	*out = strtoull(s + 2, NULL, 16);
	return 0;
}

int call_from_json(const json_t *rec, struct call_rec *r)
{
	const json_t *args = json_object_get(rec, "args");
	const json_t *pid = json_object_get(rec, "pid"), *ts = json_object_get(rec, "ts");
	const json_t *err = json_object_get(rec, "errno"), *ret = json_object_get(rec, "ret");
	unsigned long long key;
	memset(r, 0, sizeof *r);
	if (!json_is_string(json_object_get(rec, "call")) || !json_is_integer(pid) || !json_is_integer(ts) ||
	    !json_is_object(args))
		return -1;
	copy_string(r->call, sizeof r->call, json_object_get(rec, "call"));
	r->pid = json_integer_value(pid);
	r->ts = (unsigned long long)json_integer_value(ts);
	r->has_ts = r->has_args = 1;
	r->failed = err && !json_is_null(err);
	snprintf(r->errno_name, sizeof r->errno_name, "%s", json_is_string(err) ? json_string_value(err) : "unknown");
	r->injected = json_is_true(json_object_get(rec, "injected"));
	const json_t *created = json_object_get(rec, "created");
	r->created = json_is_boolean(created) ? json_is_true(created) : -1;
	if (json_is_integer(ret))
		r->ret = json_integer_value(ret);
	else
		hex_value(ret, &r->ret_addr);
	if (hex_value(json_object_get(args, "key"), &key) == 0)
		r->has_key = 1, r->key = (unsigned)key;
	r->size = (unsigned long long)json_integer_value(json_object_get(args, "size"));
	r->has_shmid = json_is_integer(json_object_get(args, "shmid"));
	r->shmid = json_integer_value(json_object_get(args, "shmid"));
	r->has_shmaddr = hex_value(json_object_get(args, "shmaddr"), &r->shmaddr) == 0;
	copy_string(r->cmd, sizeof r->cmd, json_object_get(args, "cmd"));
	copy_string(r->name, sizeof r->name,
		    json_object_get(args, "name") ? json_object_get(args, "name") : json_object_get(args, "path"));
	r->id = json_integer_value(json_object_get(args, "id"));
	if (hex_value(json_object_get(rec, "key"), &key) == 0)
		r->has_ftok_key = 1, r->ftok_key = (unsigned)key;
	return 0;
}
