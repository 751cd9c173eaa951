#ifndef SHMTRACE_TRIM_H
#define SHMTRACE_TRIM_H

void trim_trace_files(const char *dir);

#endif
