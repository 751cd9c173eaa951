/* DIR/kernel.jsonl as run writes it: through the descriptor run created,
 * with a copy of every byte kept, so that a file the traced program
 * replaced or changed is found before run writes its last records, and
 * put right (kernelfile.c). */
#ifndef SHMTRACE_KERNELFILE_H
#define SHMTRACE_KERNELFILE_H

#include <stdio.h>
#include <sys/types.h>

struct kernel_file {
	FILE *f; /* what the snapshot writers write to */
	const char *name; /* in dirfd */
	int dirfd, fd;
	char *copy; /* every byte written, in order */
	size_t len, cap;
};

/* Creates NAME new in DIRFD (replacing one an earlier run left) and opens
 * K->f on it; 0, or -1 after saying why (SHOWN: the directory as given). */
int kernel_file_create(struct kernel_file *k, int dirfd, const char *name, const char *shown);

/* Whether NAME in the directory is still the file K created, holding
 * exactly what K wrote: 1 yes, 0 no (replaced, removed, or changed). */
int kernel_file_intact(struct kernel_file *k);

/* After kernel_file_intact said no: the file found under NAME (if any)
 * moved aside to NAME.replaced, and NAME made anew from the copy, K->f
 * writing to it from now on.  0, or -1 with errno. */
int kernel_file_restore(struct kernel_file *k);

/* Closes K->f and the descriptors; 0, or EOF if a write failed. */
int kernel_file_close(struct kernel_file *k);

#endif
