/* The queue of end-of-pass work (see core/deferq.h): a singly linked
 * FIFO through the work items themselves, so queueing never allocates
 * and never fails. */
#include <stddef.h>

#include "core/deferq.h"

enum {
	IDLE,
	QUEUED,
	RUNNING
};

int kern_deferq_add(struct kern_deferq *q, struct kern_deferred *d)
{
	if (d->state != IDLE)
		return 0;
	d->state = QUEUED;
	d->next = NULL;
	if (q->head)
		q->tail->next = d;
	else
		q->head = d;
	q->tail = d;
	return 1;
}

int kern_deferq_run(struct kern_deferq *q)
{
	struct kern_deferred *d;
	int n = 0;

	while ((d = q->head)) {
		q->head = d->next;
		d->next = NULL;
		d->state = RUNNING;
		d->fn(d->arg);
		d->state = IDLE;
		n++;
	}
	return n;
}

int kern_deferq_empty(const struct kern_deferq *q)
{
	return q->head == NULL;
}
