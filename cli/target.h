#ifndef SHMTRACE_TARGET_H
#define SHMTRACE_TARGET_H

#include <stddef.h>

/* 0 and the path in PATH, or EXIT_NOT_FOUND / EXIT_CANNOT_EXECUTE. */
int find_command(const char *name, char *path, size_t cap);
const char *untraceable_reason(const char *path);

#endif
