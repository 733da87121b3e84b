/* Private to kernel/: what epoll reports for one watched file, as a pure
 * state machine, unit-tested. An item is "queued" while it sits on its
 * set's ready list: after EPOLL_CTL_ADD/MOD, after a kern_file_notify()
 * of its file, and (level-triggered) for as long as it stays ready. A
 * wait examines queued items only:
 *   level-triggered  reported while ready; leaves the list when not
 *   EPOLLET          reported once per queueing (a notify or ADD/MOD)
 *                    if ready then, never again until the next one
 *   EPOLLONESHOT     after one report, disabled until EPOLL_CTL_MOD
 * EPOLLERR and EPOLLHUP are reported whether asked for or not; the other
 * events (EPOLLRDHUP included) only when asked for, as on Linux.
 * A "polled" file is one whose readiness changes are not notified (the
 * console): its item never leaves the list, so edge-triggered watching
 * of it reports like level-triggered (more reports, never fewer). */
#ifndef KERNEL_EPREADY_H
#define KERNEL_EPREADY_H

#include <stdint.h>

struct kern_epready {
	uint32_t events;	/* EPOLLIN ... | EPOLLET | EPOLLONESHOT */
	unsigned char queued;	/* on the ready list */
	unsigned char disabled; /* EPOLLONESHOT: reported, waits for MOD */
};

/* EPOLL_CTL_ADD or MOD with events: enabled and queued. */
void kern_epready_set(struct kern_epready *s, uint32_t events);

/* The file was notified. Returns 1 if the item must now be put on the
 * ready list (it was not queued and is not disabled), else 0. */
int kern_epready_notify(struct kern_epready *s);

/* What a wait would report now if the file polls ready (EPOLL* mask);
 * changes nothing. */
uint32_t kern_epready_peek(const struct kern_epready *s, uint32_t ready);

/* A wait examines the queued item: returns what to report (0: nothing)
 * and updates the state; s->queued then says whether the item stays on
 * the ready list. polled: see above. */
uint32_t kern_epready_take(struct kern_epready *s, uint32_t ready, int polled);

#endif
