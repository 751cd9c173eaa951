/* POSIX shared-memory names (shm_open, shm_unlink), followed until they
 * are unlinked, and the keys ftok makes: which file and id each came
 * from, and two files whose keys collide while both are in use. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model_state.h"

/* glibc's shm_open and shm_unlink drop every leading slash (its
 * __shm_get_name): "x", "/x" and "//x" are one object, /dev/shm/x. */
static uint64_t name_hash(const char *name)
{
	return hash_str(name + strspn(name, "/")) | 1;
}

void on_shm_open(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	if (c->created != 1)
		return;
	struct posix_name *n = calloc(1, sizeof *n);
	*n = (struct posix_name){strdup(c->name), p->pid, p->exe ? strdup(p->exe) : NULL, stack, c->ts,
				 call_has(c, DEV) && call_has(c, INO), c->dev, c->ino};
	struct posix_name *old = map_get(&m->posix, name_hash(c->name));
	if (old) { /* created again after an unlink the trace did not see */
		free(old->name);
		free(old->exe);
		free(old);
	}
	map_put(&m->posix, name_hash(c->name), n);
}

void on_shm_unlink(struct model *m, const struct call_rec *c)
{
	struct posix_name *n = map_remove(&m->posix, name_hash(c->name));
	if (n) {
		free(n->name);
		free(n->exe);
		free(n);
	}
}

/* The record has the file's device and inode (ftok's, shm_open's). */
static int file_id_of(const struct call_rec *c)
{
	return call_has(c, DEV) && call_has(c, INO);
}

/* Whether two ftok calls named one file: by device and inode when the
 * records have them ("./k" and "/abs/k" are one file), else by path. */
static int same_file(const struct ftok_origin *o, const struct call_rec *c)
{
	if (o->has_file_id && file_id_of(c))
		return o->dev == c->dev && o->ino == c->ino;
	return strcmp(o->path, c->name) == 0;
}

/* A segment with this key exists now. */
static int key_alive(struct model *m, unsigned key)
{
	uint64_t id;
	void *v;
	for (size_t i = 0; map_next(&m->segments, &i, &id, &v);)
		if (((struct segment *)v)->key == key && !((struct segment *)v)->removed)
			return 1;
	return 0;
}

/* The key's file is still in use: a segment has the key, or its process
 * asked for the key and has not used it yet.  Once its segment is gone,
 * the key is free for another file (a temporary file that got the inode
 * of one just deleted is no collision). */
static int ftok_in_use(struct model *m, const struct ftok_origin *o, unsigned key)
{
	const struct process *p = map_get(&m->processes, (uint64_t)o->pid);
	return key_alive(m, key) || (!o->got_segment && p && !p->ended);
}

static void free_ftok_origin(struct ftok_origin *o)
{
	free(o->path);
	free(o);
}

static struct ftok_origin *new_ftok_origin(const struct process *p, const struct call_rec *c, struct stack *stack)
{
	struct ftok_origin *o = calloc(1, sizeof *o);
	*o = (struct ftok_origin){strdup(c->name), c->id, file_id_of(c), c->dev, c->ino, p->pid, stack, c->ts, c->ts, 0};
	return o;
}

static struct ftok_call ftok_call(const char *path, long long id, const struct ftok_origin *o, unsigned long long from,
				  unsigned long long to)
{
	return (struct ftok_call){findings_strdup(path), id, from, to, o->has_file_id, o->dev, o->ino};
}

/* Two different files (or ids) giving one key while both are in use: two
 * programs that think they have segments of their own silently share one
 * (ftok(3), NOTES).  One file after the other is no collision. */
void on_ftok(struct model *m, struct process *p, const struct call_rec *c, struct stack *stack)
{
	if (!call_has(c, FTOK_KEY))
		return;
	uint64_t slot = (uint64_t)c->ftok_key + 1;
	struct ftok_origin *o = map_get(&m->ftoks, slot);
	if (o && same_file(o, c) && o->id == c->id) {
		o->last_ts = c->ts;
		o->pid = p->pid;
		o->got_segment = 0;
		return;
	}
	if (o && ftok_in_use(m, o, c->ftok_key)) {
		int fresh;
		struct misuse_finding *f =
			model_misuse(m, MISUSE_FTOK_COLLISION, p, stack, mix(hash_str(c->name), (uint64_t)c->id),
				     "ftok gave the same key for two different files or ids in use at once", &fresh);
		if (fresh) {
			struct ftok_origin now = {.has_file_id = file_id_of(c), .dev = c->dev, .ino = c->ino};
			f->key = c->ftok_key;
			f->ftok = ftok_call(c->name, c->id, &now, c->ts, c->ts);
			f->first_ftok = ftok_call(o->path, o->id, o, o->first_ts, o->last_ts);
			f->first_pid = o->pid;
			f->first_stack = symbolize_backtrace(m->symbols, o->stack);
		}
		return;
	}
	/* The first use of the key, or the key free again: this file's now. */
	if (o)
		free_ftok_origin(o);
	map_put(&m->ftoks, slot, new_ftok_origin(p, c, stack));
}

/* A shmget by key: the key's ftok file is in use through the segment. */
void ftok_key_used(struct model *m, unsigned key)
{
	struct ftok_origin *o = map_get(&m->ftoks, (uint64_t)key + 1);
	if (o)
		o->got_segment = 1;
}

/* run's /dev/shm after the run (its table's "dev_shm_entries"): each
 * name's key -> its inode + 1, into OUT, and the device; 0 if the table
 * has no such list (an older run's). */
int dev_shm_after(const struct model *m, struct map *out, unsigned long long *dev)
{
	const json_t *after = m->kernel_after, *list = after ? json_object_get(after, "dev_shm_entries") : NULL;
	const json_t *on = after ? json_object_get(after, "dev_shm_dev") : NULL;
	size_t i;
	json_t *entry;
	if (!json_is_array(list) || !json_is_integer(on))
		return 0;
	*dev = (unsigned long long)json_integer_value(on);
	json_array_foreach(list, i, entry)
	{
		const char *text; /* as the trace's names are kept: text (bytestext.h) */
		json_int_t ino;
		if (json_unpack(entry, "[sI]", &text, &ino) != 0)
			continue;
		if (map_put(out, name_hash(text), (void *)(uintptr_t)((unsigned long long)ino + 1)) != 0)
			return 0;
	}
	return 1;
}

int posix_name_gone(const struct map *after, unsigned long long dev, const struct posix_name *n)
{
	return n->has_file_id && n->dev == dev && (uintptr_t)map_get(after, name_hash(n->name)) != n->ino + 1;
}

/* Names in /dev/shm at the end that run's watch says a process of the run
 * made (its "dev_shm_made": the kernel's word), other than the file a
 * traced shm_open made there (a traced leak): made by open("/dev/shm/..."),
 * a clone(CLONE_VM) child, a static program, or put in the place of the
 * traced one by a script's rm and echo.  Leaks all the same (fourth
 * hostile trial, b05; outside re-check). */
void names_untraced(struct model *m)
{
	size_t i;
	json_t *made;
	json_array_foreach(json_object_get(m->run_processes, "dev_shm_made"), i, made)
	{
		const char *text;
		json_int_t pid, ino;
		char name[1100];
		if (json_unpack(made, "[sII]", &text, &pid, &ino) != 0 || strlen(text) + 2 > sizeof name)
			continue;
		snprintf(name, sizeof name, "/%s", text);
		const struct posix_name *traced = map_get(&m->posix, name_hash(name));
		if (traced && (!traced->has_file_id || traced->ino == (unsigned long long)ino))
			continue;
		const struct process *p = pid > 0 && pid < INT32_MAX ? map_get(&m->processes, (uint64_t)pid) : NULL;
		struct posix_finding *f = findings_alloc(sizeof *f);
		*f = (struct posix_finding){
			.name = findings_strdup(name),
			.pid = (int)pid,
			.program = findings_strdup(p ? p->exe : NULL),
			.untraced = 1,
			.note = p ? "made by a traced process without a traced call (open of /dev/shm? a clone(CLONE_VM) child?)"
				  : "made during the run by a process that made no traced call (a static program? a clone(CLONE_VM) child?)"};
		FINDINGS_PUSH(&m->found->names, f);
	}
}

void names_free(struct model *m)
{
	uint64_t key;
	void *value;
	for (size_t i = 0; map_next(&m->posix, &i, &key, &value);) {
		free(((struct posix_name *)value)->name);
		free(((struct posix_name *)value)->exe);
		free(value);
	}
	for (size_t i = 0; map_next(&m->ftoks, &i, &key, &value);)
		free_ftok_origin(value);
}
