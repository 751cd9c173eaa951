#include "inject.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "call_record.h"
#include "calls.h"
#include "xlat.h"

struct parse {
	char *err;
	size_t errlen;
	const char *rule; /* the whole rule, for messages */
};

static int fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "'%s': ", p->rule);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Unsigned decimal or 0x hex, all of S; K, M, G suffixes when `units`. */
static int number(const char *s, unsigned long long *out, int units)
{
	unsigned long long v = 0;
	int base = 10, digits = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	for (; *s; s++, digits++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0'
			: base == 16 && *s >= 'a' && *s <= 'f' ? *s - 'a' + 10
			: base == 16 && *s >= 'A' && *s <= 'F' ? *s - 'A' + 10
								: -1;
		if (d < 0)
			break;
		if (v > (~0ull - (unsigned)d) / (unsigned)base)
			return -1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (!digits)
		return -1;
	if (units && *s && !s[1]) {
		int shift = *s == 'K' || *s == 'k' ? 10 : *s == 'M' || *s == 'm' ? 20 : *s == 'G' || *s == 'g' ? 30 : -1;
		if (shift < 0 || v > (~0ull >> shift))
			return -1;
		v <<= shift, s++;
	}
	*out = v;
	return *s ? -1 : 0;
}

static int parse_calls(struct parse *p, const char *s, unsigned *calls)
{
	char name[64];
	*calls = 0;
	while (*s) {
		size_t len = strcspn(s, ",");
		if (len == 0 || len >= sizeof name)
			return fail(p, "empty or overlong call name");
		memcpy(name, s, len);
		name[len] = '\0';
		int id = call_by_name(name);
		if (strcmp(name, "all") == 0)
			*calls |= (1u << CALL_COUNT) - 1;
		else if (id < 0) {
			char known[256] = "";
			for (int c = 0; c < CALL_COUNT; c++)
				snprintf(known + strlen(known), sizeof known - strlen(known), "%s, ", call_table[c].name);
			return fail(p, "unknown call '%s' (expected %sor all)", name, known);
		}
		else
			*calls |= 1u << id;
		s += len;
		if (*s == ',' && !*++s)
			return fail(p, "a ',' with no call after it");
	}
	return *calls ? 0 : fail(p, "no call named");
}

/* when=N, N..M, N+, N+S: counted from 1, as strace counts. */
static int parse_when(struct parse *p, const char *v, struct inject_rule *r)
{
	char buf[64];
	if (strlen(v) >= sizeof buf)
		return fail(p, "when=%s: too long", v);
	strcpy(buf, v);
	char *dots = strstr(buf, ".."), *plus = strchr(buf, '+');
	if (dots)
		*dots = '\0';
	else if (plus)
		*plus = '\0';
	if (number(buf, &r->first, 0) != 0 || r->first == 0)
		return fail(p, "when=%s: expected N, N..M, N+ or N+S with N >= 1", v);
	r->last = r->first;
	r->step = 1;
	if (dots && (number(dots + 2, &r->last, 0) != 0 || r->last < r->first))
		return fail(p, "when=%s: the range must end at or after its start", v);
	if (plus) {
		r->last = 0;
		if (plus[1] && (number(plus + 1, &r->step, 0) != 0 || r->step == 0))
			return fail(p, "when=%s: the step after + must be a number >= 1", v);
	}
	return 0;
}

/* prob=0.25 or prob=25%: kept in millionths, parsed without the locale. */
static int parse_prob(struct parse *p, const char *v, struct inject_rule *r)
{
	unsigned long long whole = 0, frac = 0, scale = 1;
	const char *s = v;
	int digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		if (whole <= 100) /* past it the rule is refused: never let it wrap */
			whole = whole * 10 + (unsigned)(*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			if (scale < 1000000000ull)
				frac = frac * 10 + (unsigned)(*s - '0'), scale *= 10;
	int percent = *s == '%';
	if (!digits || s[percent] || whole > 100)
		return fail(p, "prob=%s: expected a probability from 0 to 1 (or 0%% to 100%%)", v);
	unsigned long long millionths = whole * 1000000 + frac * 1000000 / scale;
	if (percent)
		millionths /= 100;
	if (millionths > 1000000)
		return fail(p, "prob=%s: a probability is at most 1", v);
	if (!millionths && (whole || frac)) /* it would never fire */
		return fail(p, "prob=%s: below one in a million, the finest a rule takes", v);
	r->prob_per_million = (int)millionths;
	return 0;
}

/* The flag names of the calls of each "flags" field (inject.h's
 * CALLS_WITH_FLAGS): a name means one bit for one family of calls only
 * (IPC_CREAT is O_TRUNC's bit). */
static const struct {
	unsigned calls;
	const struct xlat *names;
} flag_names[] = {{CALLS_OF_SHMGET_FLAGS, xlat_shmget_flags}, {CALLS_OF_SHMAT_FLAGS, xlat_shmat_flags},
		  {CALLS_OF_OPEN_FLAGS, xlat_open_flags},	  {CALLS_OF_IPCGET_FLAGS, xlat_ipcget_flags},
		  {CALLS_OF_MSG_FLAGS, xlat_msg_flags}};

/* NAME's bit for every call of CALLS that has flags; -1 (and the first
 * call it is no flag of, in *NOT_OF) if one has none so named. */
static int flag_bit(const char *name, unsigned calls, unsigned long *bit, int *not_of)
{
	int found = 0, known = 0;
	for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++)
		known |= xlat_value(flag_names[i].names, name, bit) == 0;
	if (!known) /* no flag of any call: unknown, not another family's */
		return -1;
	for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++) {
		unsigned long b;
		if (!(flag_names[i].calls & calls))
			continue;
		if (xlat_value(flag_names[i].names, name, &b) != 0 || (found && b != *bit)) {
			*not_of = __builtin_ctz(flag_names[i].calls & calls);
			return -1;
		}
		*bit = b, found = 1;
	}
	return found ? 0 : -1;
}

/* The bits some flag of a call of CALLS has; and the first call with
 * flags that has none of BITS's, in *NOT_OF (-1 if every one has them). */
static unsigned long flag_bits(unsigned calls, unsigned long bits, int *not_of)
{
	unsigned long all = 0;
	*not_of = -1;
	for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++) {
		unsigned long mine = 0;
		if (!(flag_names[i].calls & calls))
			continue;
		for (const struct xlat *t = flag_names[i].names; t->name; t++)
			mine |= t->mask;
		if ((bits & ~mine) && *not_of < 0)
			*not_of = __builtin_ctz(flag_names[i].calls & calls);
		all |= mine;
	}
	return all;
}

/* A number of flags: 0x1c0, 01000 (octal, as the C headers write them), 512. */
static int flag_number(const char *s, unsigned long long *n)
{
	if (s[0] != '0' || !s[1] || s[1] == 'x' || s[1] == 'X')
		return number(s, n, 0);
	char *end;
	errno = 0;
	*n = strtoull(s, &end, 8);
	return *end || errno ? -1 : 0;
}

static int parse_flags(struct parse *p, const char *v, struct inject_rule *r)
{
	char name[64];
	unsigned long *flags = &r->flags;
	*flags = 0;
	if (!*v)
		return fail(p, "flags=: expected flag names or a number, joined by '|'");
	for (const char *s = v; *s;) {
		size_t len = strcspn(s, "|");
		unsigned long long n;
		unsigned long bit = 0;
		if (len == 0 || len >= sizeof name)
			return fail(p, "flags=%s: empty or overlong name", v);
		memcpy(name, s, len);
		name[len] = '\0';
		int not_of = -1;
		if (flag_bit(name, r->calls, &bit, &not_of) == 0) {
			*flags |= bit;
		} else if (flag_number(name, &n) == 0) {
			/* Bits no flag has never match (the mode bits of shmget's
			 * shmflg are not its flags): refused, never silently idle. */
			flag_bits(r->calls, (unsigned long)n, &not_of);
			if (not_of >= 0)
				return fail(p, "flags=%s: %s holds bits that no flag of %s has", v, name,
					    call_table[not_of].name);
			*flags |= (unsigned long)n;
		} else if (not_of >= 0) {
			return fail(p, "flags=%s: '%s' is no flag of %s", v, name, call_table[not_of].name);
		} else {
			return fail(p, "flags=%s: unknown flag '%s'", v, name);
		}
		s += len;
		if (*s == '|' && !*++s)
			return fail(p, "flags=%s: a '|' with no flag after it", v);
	}
	return 0;
}

/* The calls with a command, and each one's names for it. */
static const struct {
	unsigned call;
	const struct xlat *cmds;
} ctl_calls[] = {{C_SHMCTL, xlat_shmctl_cmds}, {C_SEMCTL, xlat_semctl_cmds}, {C_MSGCTL, xlat_msgctl_cmds}};

/* cmd=NAME: a command of every ctl call of the rule (the calls come first
 * in a rule), so that one number means one command for each: semctl's
 * GETVAL is msgctl's MSG_INFO. */
static int parse_cmd(struct parse *p, const char *v, struct inject_rule *r)
{
	unsigned long value = 0, first = 0;
	int named = 0;
	for (size_t i = 0; i < sizeof ctl_calls / sizeof *ctl_calls; i++) {
		if (!(r->calls & ctl_calls[i].call))
			continue;
		if (xlat_value(ctl_calls[i].cmds, v, &value) != 0 || (named && value != first))
			return fail(p, "cmd=%s: unknown %s command (IPC_RMID, IPC_STAT, IPC_SET, ...)", v,
				    call_table[__builtin_ctz(ctl_calls[i].call)].name);
		first = value, named = 1;
	}
	if (!named)
		return fail(p, "cmd= applies to shmctl, semctl and msgctl only");
	r->has_cmd = 1;
	r->cmd = (int)value;
	return 0;
}

static int parse_field(struct parse *p, const char *field, struct inject_rule *r)
{
	const char *eq = strchr(field, '=');
	unsigned long long n;
	unsigned long value;
	if (strncmp(field, "size>=", 6) == 0) {
		if (number(field + 6, &r->min_size, 1) != 0)
			return fail(p, "%s: expected a size such as 4096, 64K or 1M", field);
		return 0;
	}
	if (!eq)
		return fail(p, "'%s': expected FIELD=VALUE", field);
	size_t klen = (size_t)(eq - field);
	const char *v = eq + 1;
#define IS(name) (klen == strlen(name) && strncmp(field, name, klen) == 0)
	if (IS("error")) {
		if (xlat_value(xlat_errnos, v, &value) != 0)
			return fail(p, "error=%s: unknown errno name", v);
		r->error = (int)value;
	} else if (IS("when")) {
		return parse_when(p, v, r);
	} else if (IS("prob")) {
		return parse_prob(p, v, r);
	} else if (IS("key")) {
		if (strcmp(v, "IPC_PRIVATE") == 0)
			n = IPC_PRIVATE;
		else if (number(v, &n, 0) != 0 || n > 0xffffffffu)
			return fail(p, "key=%s: expected a key such as 0x5eed0001, or IPC_PRIVATE", v);
		r->has_key = 1;
		r->key = (unsigned)n;
	} else if (IS("cmd")) {
		return parse_cmd(p, v, r);
	} else if (IS("flags")) {
		return parse_flags(p, v, r);
	} else if (IS("name")) {
		if (!*v || strlen(v) >= sizeof r->name)
			return fail(p, "name=%s: expected a name or glob, under %zu characters", v, sizeof r->name);
		strcpy(r->name, v);
	} else if (IS("caller")) {
		if (!*v || strlen(v) >= sizeof r->caller)
			return fail(p, "caller=%s: expected a function name or glob, under %zu characters", v, sizeof r->caller);
		strcpy(r->caller, v);
	} else if (IS("site")) {
		if (number(v, &r->site, 0) != 0 || r->site == 0)
			return fail(p, "site=%s: expected a site hash as sweep prints it", v);
	} else if (IS("scope")) {
		if (strcmp(v, "run") != 0 && strcmp(v, "process") != 0)
			return fail(p, "scope=%s: expected process or run", v);
		r->scope_run = strcmp(v, "run") == 0;
	} else {
		return fail(p, "unknown field '%.*s' (expected error, when, prob, key, cmd, flags, size>=, name, caller, site, scope)",
			    (int)klen, field);
	}
#undef IS
	return 0;
}

/* What the rule asks must make sense for its calls: a fact is there for
 * the calls whose records have its field (common/call_table.h). */
static int check(struct parse *p, struct inject_rule *r, int allow_any)
{
	if (r->min_size && !(r->calls & CALLS_OF_SIZE))
		return fail(p, "size>= applies to shmget only");
	if (r->flags && !(r->calls & CALLS_WITH_FLAGS))
		return fail(p, "flags= applies to shmget, shmat, shm_open, semget, msgget, msgsnd and msgrcv only");
	if (r->name[0] && !(r->calls & (CALLS_OF_NAME | CALLS_OF_PATH)))
		return fail(p, "name= applies to shm_open, shm_unlink and ftok (its path) only");
	if (r->has_key && !(r->calls & ~(unsigned)(C_SHM_OPEN | C_SHM_UNLINK | C_FTOK)))
		return fail(p, "key= applies to the System V calls only (shm_open, shm_unlink and ftok have no key to match)");
	if (!r->error || allow_any)
		return 0;
	for (int c = 0; c < CALL_COUNT; c++)
		if ((r->calls & (1u << c)) && !call_allows_errno(c, r->error)) {
			char allowed[128] = "";
			for (const int *e = call_table[c].errnos; *e; e++)
				snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
					 e == call_table[c].errnos ? "" : ", ", xlat_name(xlat_errnos, (unsigned long)*e));
			return fail(p, "%s cannot fail with %s (%s lists %s; to inject it anyway: --allow-any-errno, or SHMTRACE_ALLOW_ANY_ERRNO=1)",
				    call_table[c].name, xlat_name(xlat_errnos, (unsigned long)r->error), call_table[c].man,
				    allowed);
		}
	return 0;
}

/* The name a field is known by: what comes before '=', or "size>=". */
static size_t field_name_len(const char *field)
{
	if (strncmp(field, "size>=", 6) == 0)
		return 6;
	const char *eq = strchr(field, '=');
	return eq ? (size_t)(eq - field) : strlen(field);
}

/* A field given twice would leave one of the two ignored, the rule not
 * meaning what it says: refused.  SEEN holds more than the dozen field
 * names there are: a field past them is a repeat, or unknown and refused
 * by parse_field before another is read. */
static int check_once(struct parse *p, const char **seen, int *nseen, const char *field)
{
	size_t len = field_name_len(field);
	for (int i = 0; i < *nseen; i++)
		if (field_name_len(seen[i]) == len && strncmp(seen[i], field, len) == 0)
			return fail(p, "%.*s given twice: each field once in a rule", (int)len, field);
	seen[(*nseen)++] = field;
	return 0;
}

static int parse_rule(struct parse *p, char *text, struct inject_rule *r, int allow_any)
{
	const char *seen[16];
	int nseen = 0;
	memset(r, 0, sizeof *r);
	r->prob_per_million = -1;
	r->step = 1;
	snprintf(r->text, sizeof r->text, "%s", text);
	char *colon = strchr(text, ':');
	if (colon)
		*colon = '\0';
	if (parse_calls(p, text, &r->calls) != 0)
		return -1;
	for (char *field = colon ? colon + 1 : NULL; field;) {
		char *next = strchr(field, ':');
		if (next)
			*next++ = '\0';
		if (check_once(p, seen, &nseen, field) != 0 || parse_field(p, field, r) != 0)
			return -1;
		field = next;
	}
	return check(p, r, allow_any);
}

/* Every rule of LIST must say something: an empty one (an empty list, ";;",
 * a ';' at either end) is a mistake, refused like any other. */
int inject_parse(struct inject_rules *rules, const char *list, int allow_any, char *err, size_t errlen)
{
	char text[INJECT_RULE_TEXT];
	if (!*list) {
		snprintf(err, errlen, "'': an empty rule");
		return -1;
	}
	for (const char *s = list; *s;) {
		size_t len = strcspn(s, ";");
		struct parse p = {err, errlen, text};
		if (len >= sizeof text) {
			snprintf(err, errlen, "'%.40s...': a rule is at most %d characters", s, INJECT_RULE_TEXT - 1);
			return -1;
		}
		memcpy(text, s, len);
		text[len] = '\0';
		int last = !s[len];
		s += len + (s[len] == ';');
		if (len == 0 || (!*s && !last)) {
			snprintf(err, errlen, "'%s': an empty rule (nothing %s a ';')", list, len ? "after" : "before");
			return -1;
		}
		if (rules->n == INJECT_MAX_RULES) {
			snprintf(err, errlen, "'%s': at most %d rules", text, INJECT_MAX_RULES);
			return -1;
		}
		char work[INJECT_RULE_TEXT];
		memcpy(work, text, len + 1);
		if (parse_rule(&p, work, &rules->rule[rules->n], allow_any) != 0)
			return -1;
		rules->n++;
	}
	return 0;
}
