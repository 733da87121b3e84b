/* The timer queue: a binary min-heap on deadlines; each timer knows its
 * slot, so removal is O(log n). Pure code. */
#include <errno.h>

#include <kern/timer.h>

static void place(struct kern_timerq *q, size_t i, struct kern_timer *t)
{
	q->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct kern_timerq *q, size_t i)
{
	struct kern_timer *t = q->heap[i];

	while (i > 0 && q->heap[(i - 1) / 2]->deadline > t->deadline) {
		place(q, i, q->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(q, i, t);
}

static void sift_down(struct kern_timerq *q, size_t i)
{
	struct kern_timer *t = q->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n &&
		    q->heap[c + 1]->deadline < q->heap[c]->deadline)
			c++;
		if (q->heap[c]->deadline >= t->deadline)
			break;
		place(q, i, q->heap[c]);
		i = c;
	}
	place(q, i, t);
}

void kern_timerq_init(struct kern_timerq *q, struct kern_timer **storage,
		      size_t cap)
{
	*q = (struct kern_timerq){ .heap = storage, .cap = cap };
}

int kern_timerq_add(struct kern_timerq *q, struct kern_timer *t)
{
	if (q->n == q->cap)
		return -ENOSPC;
	q->heap[q->n++] = t;
	sift_up(q, q->n - 1);
	return 0;
}

void kern_timerq_remove(struct kern_timerq *q, struct kern_timer *t)
{
	struct kern_timer *moved;
	size_t i;

	if (!t->slot || t->slot > q->n || q->heap[t->slot - 1] != t)
		return;
	i = t->slot - 1;
	t->slot = 0;
	if (i == --q->n)
		return;
	moved = q->heap[q->n]; /* the last one fills the hole */
	place(q, i, moved);
	sift_down(q, i);
	sift_up(q, moved->slot - 1);
}

struct kern_timer *kern_timerq_first(const struct kern_timerq *q)
{
	return q->n ? q->heap[0] : 0;
}

struct kern_timer *kern_timerq_pop_due(struct kern_timerq *q, uint64_t now)
{
	struct kern_timer *t = kern_timerq_first(q);

	if (!t || t->deadline > now)
		return 0;
	kern_timerq_remove(q, t);
	return t;
}
