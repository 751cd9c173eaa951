#include "secure_exec.h"

#include <stdint.h>
#include <sys/stat.h>

#define CAPS_EFFECTIVE 0x000001 /* VFS_CAP_FLAGS_EFFECTIVE, in magic_etc */

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* struct vfs_cap_data: magic_etc, then {permitted, inheritable} for bits
 * 0-31 and (from revision 2 on) 32-63.  Its effective bit, or any
 * permitted capability, raises a process; inheritable ones alone give
 * only what the process already holds (re-check 28: cap_ipc_lock+i was
 * refused, though the kernel ran it as any other program). */
static bool caps_raise(const unsigned char *v, ssize_t len)
{
	if (len < 12)
		return false;
	return (le32(v) & CAPS_EFFECTIVE) || le32(v + 4) || (len >= 20 && le32(v + 12));
}

enum secure_exec secure_exec(const struct exec_facts *f)
{
	if (f->ruid != f->euid || f->rgid != f->egid)
		return SECURE_IDS_DIFFER;
	/* The kernel ignores a script's own bits and capabilities, a nosuid
	 * mount's, and every one under no_new_privs. */
	if (!f->known || f->script || f->nosuid || f->no_new_privs)
		return SECURE_NOT;
	/* Secure when the new effective ids are not the real ones
	 * (__is_setuid: new euid against the old real uid). */
	if (((f->mode & S_ISUID) && f->owner != f->ruid) || ((f->mode & S_ISGID) && f->group != f->rgid))
		return SECURE_SETID;
	return f->ruid != 0 && caps_raise(f->caps, f->caps_len) ? SECURE_CAPS : SECURE_NOT;
}
