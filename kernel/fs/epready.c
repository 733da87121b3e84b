/* epoll's readiness rules for one item (see epready.h). Pure code,
 * unit-tested. */
#include <sys/epoll.h>

#include "fs/epready.h"

/* Bits of the interest mask that are modes, not events. */
#define MODES (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE)

void kern_epready_set(struct kern_epready *s, uint32_t events)
{
	s->events = events;
	s->queued = 1;
	s->disabled = 0;
}

int kern_epready_notify(struct kern_epready *s)
{
	if (s->queued || s->disabled)
		return 0;
	s->queued = 1;
	return 1;
}

uint32_t kern_epready_peek(const struct kern_epready *s, uint32_t ready)
{
	uint32_t want = (s->events & ~MODES) | EPOLLERR | EPOLLHUP;

	if (!s->queued || s->disabled)
		return 0;
	return ready & want;
}

uint32_t kern_epready_take(struct kern_epready *s, uint32_t ready, int polled)
{
	uint32_t got = kern_epready_peek(s, ready);

	if (!s->queued || s->disabled) {
		s->queued = 0;
		return 0;
	}
	if (got && (s->events & EPOLLONESHOT)) {
		s->disabled = 1;
		s->queued = 0;
	} else if (s->events & EPOLLET) {
		s->queued = polled != 0;
	} else {
		s->queued = got || polled;
	}
	return got;
}
