/* eventreader.h. */
#include "eventreader.h"

#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void *read_loop(void *arg)
{
	struct eventreader *r = arg;
	struct pollfd p[2] = {{.fd = r->fd, .events = POLLIN}, {.fd = r->wake, .events = POLLIN}};
	while (!atomic_load(&r->stop) && !(p[0].revents & (POLLERR | POLLNVAL)))
		if (poll(p, 2, -1) > 0 && (p[0].revents & POLLIN))
			while (r->read() == 0)
				;
	r->failed = (p[0].revents & (POLLERR | POLLNVAL)) != 0;
	return NULL;
}

int eventreader_start(struct eventreader *r)
{
	atomic_store(&r->stop, 0);
	r->failed = 0;
	r->wake = eventfd(0, EFD_CLOEXEC);
	if (r->wake >= 0 && pthread_create(&r->thread, NULL, read_loop, r) == 0)
		return 0;
	if (r->wake >= 0)
		close(r->wake);
	return -1;
}

void eventreader_stop(struct eventreader *r)
{
	atomic_store(&r->stop, 1);
	uint64_t one = 1;
	ssize_t ignored = write(r->wake, &one, sizeof one);
	(void)ignored;
	pthread_join(r->thread, NULL);
	close(r->wake);
	while (r->read() == 0)
		;
}
