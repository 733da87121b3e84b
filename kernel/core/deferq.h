/* The queue behind kern_loop_defer() (kern/loop.h): work to run once at
 * the end of a pass of the loop. Pure code, shared by the loop and the
 * host stand-in of the kernel in test/unit, and unit-tested there. */
#ifndef KERN_CORE_DEFERQ_H
#define KERN_CORE_DEFERQ_H

#include <kern/loop.h>

struct kern_deferq {
	struct kern_deferred *head, *tail; /* head NULL: empty */
};

/* Queue d at the tail unless it is pending (queued, or its function
 * running): 1 if queued now, 0 if it was pending. */
int kern_deferq_add(struct kern_deferq *q, struct kern_deferred *d);

/* Take the queued work from the head, one at a time, and run it, work
 * queued meanwhile included, until the queue is empty; each is pending
 * until its function returns. Returns how many ran. A function may run
 * the queue itself (a nested pass): it goes on from where it is. */
int kern_deferq_run(struct kern_deferq *q);

/* Whether nothing is queued. */
int kern_deferq_empty(const struct kern_deferq *q);

#endif
