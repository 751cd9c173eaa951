/* Our one-line warnings go to descriptor 2 only while it is still the file
 * it was when this image started.  A program may close descriptor 2 and
 * open its own data file there (daemons do, and so does `2>file` inside a
 * program that re-opens it): a line of ours in the middle of its data would
 * corrupt it.  So we note the device and inode behind descriptor 2 at start
 * and, before each warning, check that it still names that file.  If
 * descriptor 2 was closed at start, we never write to it. */
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static int noted;          /* descriptor 2 was open at start */
static dev_t start_dev;
static ino_t start_ino;

void stderr_note(void)
{
	struct stat st;
	noted = sys_fstat(STDERR_FILENO, &st) == 0;
	if (noted)
		start_dev = st.st_dev, start_ino = st.st_ino;
}

int stderr_unchanged(void)
{
	struct stat st;
	return noted && sys_fstat(STDERR_FILENO, &st) == 0 && st.st_dev == start_dev && st.st_ino == start_ino;
}
