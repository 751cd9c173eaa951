#include "secure_exec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CAPS_EFFECTIVE 0x000001    /* VFS_CAP_FLAGS_EFFECTIVE, in magic_etc */
#define CAPS_REVISION_3 0x03000000 /* VFS_CAP_REVISION_3: a namespace's root id follows */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* struct vfs_cap_data: magic_etc, then {permitted, inheritable} for bits
 * 0-31 and (from revision 2 on) 32-63, then (revision 3) the root id of
 * the user namespace they are for, as the reader's namespace sees it.
 * Capabilities for another namespace's root count for nothing here
 * (re-check 29: `setcap -n 1000`).  Inheritable ones alone give only
 * what the process already holds (re-check 28: cap_ipc_lock+i). */
static bool caps_apply(const unsigned char *v, ssize_t len)
{
	return len >= 12 && !((le32(v) & 0xff000000) == CAPS_REVISION_3 && (len < 24 || le32(v + 20) != 0));
}

static bool caps_effective(const unsigned char *v, ssize_t len)
{
	return caps_apply(v, len) && (le32(v) & CAPS_EFFECTIVE);
}

static bool caps_raise(const unsigned char *v, ssize_t len)
{
	return caps_effective(v, len) || (caps_apply(v, len) && (le32(v + 4) || (len >= 20 && le32(v + 12))));
}

bool id_mapped(const char *map, unsigned long id)
{
	if (!map)
		return true;
	for (const char *p = map; *p;) {
		char *end;
		unsigned long inside = strtoul(p, &end, 10), outside = strtoul(end, &end, 10), count = strtoul(end, &end, 10);
		(void)outside;
		if (end == p)
			break;
		if (id >= inside && id - inside < count)
			return true;
		p = end + strspn(end, " \n");
	}
	return false;
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
	/* Under no_new_privs no id changes, and capabilities are not granted,
	 * but the effective bit still makes the exec secure (re-check 29). */
	if (f->no_new_privs)
		return f->ruid != 0 && caps_effective(f->caps, f->caps_len) ? SECURE_CAPS : SECURE_NOT;
	/* Secure when the new effective ids are not the real ones
	 * (__is_setuid: new euid against the old real uid); set-group-ID
	 * counts only with group execute (re-check 29: mode 2745). */
	bool setgid = (f->mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
	if (!f->ids_unmapped && (((f->mode & S_ISUID) && f->owner != f->ruid) || (setgid && f->group != f->rgid)))
		return SECURE_SETID;
	return f->ruid != 0 && caps_raise(f->caps, f->caps_len) ? SECURE_CAPS : SECURE_NOT;
}
