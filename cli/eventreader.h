/* A thread that reads a descriptor's kernel events while a run lasts
 * (pidwatch.c: process events; namewatch.c: /dev/shm's), so that the
 * kernel's queue never overflows; woken by an eventfd when the run ends,
 * so that the end is not delayed, and the queue then drained whole. */
#ifndef SHMTRACE_EVENTREADER_H
#define SHMTRACE_EVENTREADER_H

#include <pthread.h>
#include <stdatomic.h>

struct eventreader {
	int fd;            /* non-blocking: the events */
	int (*read)(void); /* one batch of them: 0, or -1 when none was queued */
	int failed;        /* the descriptor failed (POLLERR): events may be lost */
	int wake;          /* an eventfd: the signal to stop */
	atomic_int stop;
	pthread_t thread;
};

/* Starts R's thread: 0, or -1 (nothing to stop; R->fd is the caller's). */
int eventreader_start(struct eventreader *r);
/* Stops R's thread, then reads what is left queued. */
void eventreader_stop(struct eventreader *r);

#endif
