#include "secure_exec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define CAPS_EFFECTIVE 0x000001    /* VFS_CAP_FLAGS_EFFECTIVE, in magic_etc */
#define CAPS_REVISION_3 0x03000000 /* VFS_CAP_REVISION_3: a namespace's root id follows */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The id that ID is in our parent namespace, from MAP ("inside outside
 * count" lines): false if it has none there, or MAP is unknown. */
static bool id_outside(const char *map, unsigned long id, unsigned long *outside)
{
	for (const char *p = map; p && *p;) {
		char *end;
		unsigned long inside = strtoul(p, &end, 10), out = strtoul(end, &end, 10), count = strtoul(end, &end, 10);
		if (end == p)
			break;
		if (id >= inside && id - inside < count) {
			*outside = out + (id - inside);
			return true;
		}
		p = end + strspn(end, " \n");
	}
	return false;
}

/* struct vfs_cap_data: magic_etc, then {permitted, inheritable} for bits
 * 0-31 and (from revision 2 on) 32-63, then (revision 3) the root id of
 * the user namespace they are for, as the reader's namespace sees it: 0
 * if it is ours (the kernel then gives revision 2), else they count only
 * if that id is our parent namespace's root (re-check 31: a namespace in
 * a namespace) -- not another namespace's (re-check 29: `setcap -n 1000`).
 * Namespaces further up are not seen from here. */
static bool caps_apply(const struct exec_facts *f)
{
	const unsigned char *v = f->caps;
	if (f->caps_len < 12)
		return false;
	if ((le32(v) & 0xff000000) != CAPS_REVISION_3)
		return true;
	unsigned long outside;
	return f->caps_len >= 24 && (le32(v + 20) == 0 || (id_outside(f->uid_map, le32(v + 20), &outside) && outside == 0));
}

static uint64_t caps_word(const struct exec_facts *f, int at)
{
	return le32(f->caps + at) | (f->caps_len >= 20 ? (uint64_t)le32(f->caps + at + 8) << 32 : 0);
}

/* Whether the file's capabilities give a user other than root anything
 * (cap_bprm_creds_from_file): its effective bit, or a new permitted set
 * (fP & bounding) | (fI & pI) that is not empty -- no more than the
 * process's permitted under no_new_privs.  The bounding set (re-check 31:
 * a container's, without the capability) and the inheritable one
 * (re-check 31: +i files for a process that holds them) count; unknown,
 * they are taken as the usual full and empty. */
static bool caps_raise(const struct exec_facts *f)
{
	if (!caps_apply(f))
		return false;
	if (le32(f->caps) & CAPS_EFFECTIVE)
		return true;
	uint64_t bounding = f->caps_known ? f->cap_bounding : ~0ull, inheritable = f->caps_known ? f->cap_inheritable : 0;
	uint64_t gained = (caps_word(f, 4) & bounding) | (caps_word(f, 8) & inheritable);
	if (f->no_new_privs)
		gained &= f->caps_known ? f->cap_permitted : 0;
	return gained != 0;
}

void process_caps(struct exec_facts *f, long (*sys)(long number, long a, long b, long c, long d))
{
	struct {
		uint32_t version;
		int pid;
	} head = {0x20080522, 0}; /* _LINUX_CAPABILITY_VERSION_3: 64 bits */
	struct {
		uint32_t effective, permitted, inheritable;
	} sets[2];
	f->caps_known = false;
	if (sys(SYS_capget, (long)&head, (long)sets, 0, 0) != 0)
		return;
	f->cap_permitted = sets[0].permitted | (uint64_t)sets[1].permitted << 32;
	f->cap_inheritable = sets[0].inheritable | (uint64_t)sets[1].inheritable << 32;
	f->cap_bounding = 0;
	for (long cap = 0; cap < 64; cap++) {
		long in = sys(SYS_prctl, PR_CAPBSET_READ, cap, 0, 0);
		if (in < 0) /* past the kernel's last capability */
			break;
		f->cap_bounding |= (uint64_t)(in == 1) << cap;
	}
	f->caps_known = true;
}

bool id_mapped(const char *map, unsigned long id)
{
	unsigned long outside;
	return !map || id_outside(map, id, &outside);
}

/* The kernel ignores the set-user-ID and set-group-ID bits of a file
 * whose owner or group has no mapping in the user namespace (re-check
 * 29: nobody's set-user-ID program under `unshare -r`). */
enum secure_exec secure_exec(const struct exec_facts *f)
{
	if (f->ruid != f->euid || f->rgid != f->egid)
		return SECURE_IDS_DIFFER;
	/* The kernel ignores a script's own bits and capabilities, and a
	 * nosuid mount's. */
	if (!f->known || f->script || f->nosuid)
		return SECURE_NOT;
	/* Under no_new_privs no id changes, and no capability is granted
	 * past the process's own, but the effective bit still makes the exec
	 * secure (re-check 29). */
	if (f->no_new_privs)
		return f->ruid != 0 && caps_raise(f) ? SECURE_CAPS : SECURE_NOT;
	/* Secure when the new effective ids are not the real ones
	 * (__is_setuid: new euid against the old real uid); set-group-ID
	 * counts only with group execute (re-check 29: mode 2745). */
	bool setgid = (f->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
	if (!f->ids_unmapped && (((f->mode & S_ISUID) && f->owner != f->ruid) || (setgid && f->group != f->rgid)))
		return SECURE_SETID;
	return f->ruid != 0 && caps_raise(f) ? SECURE_CAPS : SECURE_NOT;
}
