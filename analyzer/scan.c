#include "scan.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bytestext.h"

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

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
						    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return 0;
}

/* One escape after the backslash at c->p, as UTF-8 into u (1-4 bytes);
 * what jansson refuses (a lone surrogate, \u0000) is refused here too. */
static int escape(struct cursor *c, char u[4], size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = ++c->p < c->end ? strchr(from, *c->p) : NULL;
	if (e && *c->p) {
		c->p++;
		u[0] = to[e - from];
		return *n = 1, 0;
	}
	unsigned cp, lo;
	if (c->p >= c->end || *c->p != 'u' || c->end - c->p < 5 || hex4(c->p + 1, &cp))
		return -1;
	c->p += 5;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) || lo < 0xdc00 ||
		    lo > 0xdfff)
			return -1;
		c->p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return -1;
	if (cp < 0x80)
		return u[0] = (char)cp, *n = 1, 0;
	if (cp < 0x800)
		return u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), *n = 2, 0;
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		return *n = 3, 0;
	}
	u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f));
	return *n = 4, 0;
}

/* A JSON string, unescaped into buf (NUL-terminated); -1 if it is not one
 * jansson would take.  When it does not fit: -1, or with `cut` its first
 * cap - 1 bytes, as snprintf would keep them (call_from_json does). */
static int string_into(struct cursor *c, char *buf, size_t cap, int cut)
{
	size_t n = 0;
	if (eat(c, '"'))
		return -1;
	while (c->p < c->end && *c->p != '"') {
		char u[4];
		size_t len;
		unsigned char ch = (unsigned char)*c->p;
		if (ch >= 0x20 && ch < 0x80 && ch != '\\') { /* a run of plain ASCII, copied whole */
			const char *run = c->p;
			while (c->p < c->end && (unsigned char)*c->p >= 0x20 && (unsigned char)*c->p < 0x80 &&
			       *c->p != '"' && *c->p != '\\')
				c->p++;
			size_t n_run = (size_t)(c->p - run);
			if (n + n_run >= cap) {
				if (!cut)
					return -1;
				n_run = n + 1 < cap ? cap - 1 - n : 0;
			}
			memcpy(buf + n, run, n_run);
			n += n_run;
			continue;
		}
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (escape(c, u, &len))
				return -1;
		} else {
			len = ch < 0x80 ? 1 : utf8_sequence((const unsigned char *)c->p, (size_t)(c->end - c->p));
			if (!len)
				return -1; /* jansson takes only UTF-8 */
			memcpy(u, c->p, len);
			c->p += len;
		}
		for (size_t i = 0; i < len; i++) {
			if (n + 1 >= cap && !cut)
				return -1;
			if (n + 1 < cap)
				buf[n++] = u[i];
		}
	}
	if (c->p >= c->end)
		return -1;
	buf[n] = '\0';
	c->p++;
	return 0;
}

static int plain_string(struct cursor *c, char *buf, size_t cap)
{
	return string_into(c, buf, cap, 0);
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

/* The digits of a JSON integer (no fraction or exponent: the format has
 * none), unsigned, into *out; -1 past 2^64 - 1. */
static int digits(struct cursor *c, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *start = c->p;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (v > (~0ull - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (c->p == start || (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')))
		return -1;
	*out = v;
	return 0;
}

/* A JSON integer that fits a long long, as jansson's json_int_t. */
static int integer(struct cursor *c, long long *out)
{
	unsigned long long v;
	ws(c);
	int neg = c->p < c->end && *c->p == '-';
	c->p += neg;
	if (digits(c, &v) || v > (neg ? 1ull << 63 : (1ull << 63) - 1))
		return -1;
	*out = neg ? (long long)(0ull - v) : (long long)v;
	return 0;
}

/* An unsigned value up to 2^64 - 1: a size the shim wrote as the size_t
 * it was (stress-ng asks shmget for 2^64 - 16 MiB). */
static int uinteger(struct cursor *c, unsigned long long *out)
{
	ws(c);
	return digits(c, out);
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

/* "0x" and 1 to 16 lower-case hex digits, as the shim writes them; both
 * paths read hex the same way. */
static int parse_hex(const char *s, unsigned long long *out)
{
	size_t n = strlen(s);
	if (n < 3 || n > 18 || s[0] != '0' || s[1] != 'x')
		return -1;
	unsigned long long v = 0;
	for (s += 2; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return 0;
}

static int hex_string(struct cursor *c, unsigned long long *out)
{
	char buf[24];
	return plain_string(c, buf, sizeof buf) || parse_hex(buf, out) ? -1 : 0;
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
	unsigned long long u;
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
	case '-':
		c->p++;
		return digits(c, &u);
	default:
		return digits(c, &u);
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
		return uinteger(c, &r->size);
	if (strcmp(key, "shmid") == 0)
		return integer(c, &r->shmid) ? -1 : (r->has_shmid = 1, 0);
	if (strcmp(key, "shmaddr") == 0)
		return hex_string(c, &r->shmaddr) ? -1 : (r->has_shmaddr = 1, 0);
	if (strcmp(key, "name") == 0 || strcmp(key, "path") == 0)
		return string_into(c, r->name, sizeof r->name, 1);
	if (strcmp(key, "id") == 0)
		return integer(c, &r->id);
	if (strcmp(key, "shmflg") == 0 || strcmp(key, "oflag") == 0)
		return integer(c, &r->flags_raw) ? -1 : (r->has_flags = 1, 0);
	if (strcmp(key, "cmd_raw") == 0)
		return integer(c, &r->cmd_raw);
	if (strcmp(key, "dev") == 0)
		return uinteger(c, &r->dev) ? -1 : (r->has_file_id |= 1, 0);
	if (strcmp(key, "ino") == 0)
		return uinteger(c, &r->ino) ? -1 : (r->has_file_id |= 2, 0);
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
		if (strcmp(key, "tid") == 0)
			return integer(c, &r->tid);
		break;
	case 'd':
		if (strcmp(key, "dur") == 0) {
			long long dur;
			return integer(c, &dur) || dur < 0 ? -1 : (r->dur = (unsigned long long)dur, 0);
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
		if (strcmp(key, "stack") == 0) { /* an id, null, or inline frames for the reader */
			ws(c);
			if (c->p < c->end && *c->p == '[') {
				r->stack_text = c->p;
				if (skip_value(c, 1))
					return -1;
				r->stack_len = (size_t)(c->p - r->stack_text);
				return 0;
			}
			return literal(c, "null") == 0 ? 0 : integer(c, &r->stack_id);
		}
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
	memset(out, 0, offsetof(struct call_rec, name) + 1);
	out->created = -1;
	out->pid = -1;
	if (object(&c, member, out) != 0)
		return SCAN_OTHER;
	ws(&c);
	if (c.p != c.end || !out->call[0] || out->pid < 0 || !out->has_ts || !out->has_args)
		return SCAN_OTHER;
	out->has_file_id = out->has_file_id == 3; /* both, or neither counts */
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
	return s ? parse_hex(s, out) : -1;
}

int call_from_json(const json_t *rec, struct call_rec *r)
{
	const json_t *args = json_object_get(rec, "args");
	const json_t *pid = json_object_get(rec, "pid"), *ts = json_object_get(rec, "ts");
	const json_t *err = json_object_get(rec, "errno"), *ret = json_object_get(rec, "ret");
	unsigned long long key;
	memset(r, 0, offsetof(struct call_rec, name) + 1);
	if (!json_is_string(json_object_get(rec, "call")) || !json_is_integer(pid) || !json_is_integer(ts) ||
	    !json_is_object(args))
		return -1;
	copy_string(r->call, sizeof r->call, json_object_get(rec, "call"));
	r->pid = json_integer_value(pid);
	r->ts = (unsigned long long)json_integer_value(ts);
	r->tid = json_integer_value(json_object_get(rec, "tid"));
	long long dur = json_integer_value(json_object_get(rec, "dur"));
	r->dur = dur > 0 ? (unsigned long long)dur : 0;
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
	const json_t *size = json_object_get(args, "size");
	r->size = json_is_string(size) ? strtoull(json_string_value(size), NULL, 10)
				       : (unsigned long long)json_integer_value(size);
	const json_t *flags = json_object_get(args, json_object_get(args, "oflag") ? "oflag" : "shmflg");
	r->has_flags = json_is_integer(flags);
	r->flags_raw = json_integer_value(flags);
	r->cmd_raw = json_integer_value(json_object_get(args, "cmd_raw"));
	const json_t *dev = json_object_get(args, "dev"), *ino = json_object_get(args, "ino");
	r->has_file_id = (json_is_integer(dev) || json_is_string(dev)) && (json_is_integer(ino) || json_is_string(ino));
	r->dev = json_is_string(dev) ? strtoull(json_string_value(dev), NULL, 10) : (unsigned long long)json_integer_value(dev);
	r->ino = json_is_string(ino) ? strtoull(json_string_value(ino), NULL, 10) : (unsigned long long)json_integer_value(ino);
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

/* Whether the digits at p (n of them) exceed what a json_int_t holds. */
static int too_big(const char *p, size_t n, int neg)
{
	const char *max = neg ? "9223372036854775808" : "9223372036854775807";
	return n > 19 || (n == 19 && memcmp(p, max, 19) > 0);
}

/* A copy of the line with each integer too big for jansson quoted. */
static char *quote_big_integers(const char *s, size_t len, size_t *out_len)
{
	char *out = malloc(len * 3 + 1), *o = out;
	int in_string = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		if (in_string) {
			if (s[i] == '\\' && i + 1 < len)
				*o++ = s[i++];
			else if (s[i] == '"')
				in_string = 0;
			*o++ = s[i++];
			continue;
		}
		if (s[i] == '"')
			in_string = 1;
		int neg = s[i] == '-' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9';
		if (neg || (s[i] >= '0' && s[i] <= '9')) {
			size_t start = i + (size_t)neg, end = start;
			while (end < len && s[end] >= '0' && s[end] <= '9')
				end++;
			int quote = too_big(s + start, end - start, neg) &&
				    !(end < len && (s[end] == '.' || s[end] == 'e' || s[end] == 'E'));
			if (quote)
				*o++ = '"';
			memcpy(o, s + i, end - i);
			o += end - i;
			if (quote)
				*o++ = '"';
			i = end;
			continue;
		}
		*o++ = s[i++];
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

json_t *record_from_line(const char *line, size_t len, json_error_t *err)
{
	json_t *rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, err);
	if (rec || json_error_code(err) != json_error_numeric_overflow)
		return rec;
	size_t n;
	char *quoted = quote_big_integers(line, len, &n);
	if (quoted) {
		json_error_t again;
		rec = json_loadb(quoted, n, JSON_REJECT_DUPLICATES, &again);
		free(quoted);
	}
	return rec;
}
