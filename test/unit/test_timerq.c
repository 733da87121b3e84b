/* Unit tests of kernel/time/timerq.c: the timer queue (a min-heap of deadlines). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kern/timer.h>

#define SMALL 64
#define MANY 10000
#define MANY_OPS 100000

struct fixture {
	struct kern_timerq q;
	struct kern_timer *storage[MANY];
	struct kern_timer t[MANY];
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	kern_timerq_init(&x->q, x->storage, MANY);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* A deterministic PRNG (splitmix64). */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The heap property and every queued timer's slot. */
static void check_heap(const struct kern_timerq *q)
{
	for (size_t i = 0; i < q->n; i++) {
		assert_non_null(q->heap[i]);
		assert_int_equal(q->heap[i]->slot, i + 1);
		if (i)
			assert_true(q->heap[(i - 1) / 2]->deadline <=
				    q->heap[i]->deadline);
	}
}

static void add(struct fixture *x, size_t i, uint64_t deadline)
{
	x->t[i].deadline = deadline;
	assert_int_equal(kern_timerq_add(&x->q, &x->t[i]), 0);
	assert_int_not_equal(x->t[i].slot, 0);
}

/* Add timers 0..n-1 with random deadlines below limit. */
static void add_random(struct fixture *x, size_t n, uint64_t seed,
		       uint64_t limit)
{
	for (size_t i = 0; i < n; i++)
		add(x, i, rnd(&seed) % limit);
	assert_int_equal(x->q.n, n);
	check_heap(&x->q);
}

/* Pop everything; check the order and that each timer comes out once.
 * Returns how many came out. */
static size_t drain(struct fixture *x, unsigned char *seen)
{
	struct kern_timer *t;
	uint64_t last = 0;
	size_t n = 0;

	while ((t = kern_timerq_pop_due(&x->q, UINT64_MAX))) {
		size_t i = (size_t)(t - x->t);

		assert_true(i < MANY);
		assert_false(seen[i]);
		seen[i] = 1;
		assert_true(t->deadline >= last);
		assert_int_equal(t->slot, 0);
		last = t->deadline;
		n++;
	}
	assert_int_equal(x->q.n, 0);
	assert_null(kern_timerq_first(&x->q));
	return n;
}

static void test_empty(void **state)
{
	struct fixture *x = *state;

	assert_null(kern_timerq_first(&x->q));
	assert_null(kern_timerq_pop_due(&x->q, 0));
	assert_null(kern_timerq_pop_due(&x->q, UINT64_MAX));
	assert_int_equal(x->q.n, 0);
}

static void test_single(void **state)
{
	struct fixture *x = *state;

	add(x, 0, 1000);
	assert_ptr_equal(kern_timerq_first(&x->q), &x->t[0]);
	assert_null(kern_timerq_pop_due(&x->q, 999));
	assert_ptr_equal(kern_timerq_first(&x->q), &x->t[0]);
	assert_ptr_equal(kern_timerq_pop_due(&x->q, 1000), &x->t[0]);
	assert_int_equal(x->t[0].slot, 0);
	assert_null(kern_timerq_first(&x->q));
}

/* pop_due(now) gives only deadlines <= now, earliest first. */
static void test_order_due_only(void **state)
{
	struct fixture *x = *state;
	uint64_t now = 500000, last = 0;
	unsigned char seen[MANY] = { 0 };
	size_t due = 0, popped = 0;
	struct kern_timer *t;

	add_random(x, SMALL * 4, 1, 1000000);
	for (size_t i = 0; i < SMALL * 4; i++)
		due += x->t[i].deadline <= now;
	while ((t = kern_timerq_pop_due(&x->q, now))) {
		assert_true(t->deadline <= now);
		assert_true(t->deadline >= last);
		last = t->deadline;
		seen[t - x->t] = 1;
		popped++;
		check_heap(&x->q);
	}
	assert_int_equal(popped, due);
	assert_true(kern_timerq_first(&x->q)->deadline > now);
	assert_int_equal(popped + drain(x, seen), SMALL * 4);
}

static void test_order_extremes(void **state)
{
	struct fixture *x = *state;
	unsigned char seen[MANY] = { 0 };

	add(x, 0, UINT64_MAX);
	add(x, 1, 0);
	add(x, 2, UINT64_MAX - 1);
	add(x, 3, 1);
	assert_ptr_equal(kern_timerq_pop_due(&x->q, 0), &x->t[1]);
	assert_null(kern_timerq_pop_due(&x->q, 0));
	assert_ptr_equal(kern_timerq_pop_due(&x->q, 1), &x->t[3]);
	assert_null(kern_timerq_pop_due(&x->q, UINT64_MAX - 2));
	assert_ptr_equal(kern_timerq_pop_due(&x->q, UINT64_MAX - 1), &x->t[2]);
	assert_int_equal(drain(x, seen), 1);
	assert_true(seen[0]);
}

/* Equal deadlines: every timer comes out, exactly once. */
static void test_equal_deadlines(void **state)
{
	struct fixture *x = *state;
	unsigned char seen[MANY] = { 0 };

	for (size_t i = 0; i < SMALL; i++)
		add(x, i, i % 3 ? 777 : 555);
	check_heap(&x->q);
	for (size_t i = 0; i < SMALL; i += 3) {
		struct kern_timer *t = kern_timerq_pop_due(&x->q, 555);

		assert_non_null(t);
		assert_int_equal(t->deadline, 555);
	}
	assert_null(kern_timerq_pop_due(&x->q, 776));
	for (size_t i = 0; i < SMALL; i++)
		seen[i] = i % 3 == 0;
	assert_int_equal(drain(x, seen), SMALL - (SMALL + 2) / 3);
	for (size_t i = 0; i < SMALL; i++)
		assert_true(seen[i]);
}

/* Remove the timer at heap index pos; the rest come out in order. */
static void remove_at(struct fixture *x, size_t pos, uint64_t seed)
{
	unsigned char seen[MANY] = { 0 };
	struct kern_timer *t;

	add_random(x, SMALL - 1, seed, 1000);
	t = x->q.heap[pos];
	kern_timerq_remove(&x->q, t);
	assert_int_equal(t->slot, 0);
	assert_int_equal(x->q.n, SMALL - 2);
	check_heap(&x->q);
	seen[t - x->t] = 1;
	assert_int_equal(drain(x, seen), SMALL - 2);
}

static void test_remove_first(void **state)
{
	remove_at(*state, 0, 2);
}

static void test_remove_middle(void **state)
{
	struct fixture *x = *state;

	for (size_t pos = 1; pos < SMALL - 1; pos++) {
		remove_at(x, pos, 100 + pos);
		kern_timerq_init(&x->q, x->storage, MANY);
	}
}

static void test_remove_last(void **state)
{
	remove_at(*state, SMALL - 2, 3);
}

/* The filler moved into the hole must sift up when it is smaller than the
 * hole's parent (it comes from another subtree). */
static void test_remove_sifts_up(void **state)
{
	struct fixture *x = *state;
	static const uint64_t d[] = { 1, 100, 2, 101, 102, 3, 4 };
	unsigned char seen[MANY] = { 0 };

	for (size_t i = 0; i < 7; i++)
		add(x, i, d[i]);
	assert_ptr_equal(x->q.heap[3], &x->t[3]); /* 101, under 100 */
	kern_timerq_remove(&x->q, &x->t[3]);	  /* 4 fills the hole */
	check_heap(&x->q);
	assert_ptr_equal(x->q.heap[1], &x->t[6]);
	seen[3] = 1;
	assert_int_equal(drain(x, seen), 6);
}

static void test_remove_largest(void **state)
{
	struct fixture *x = *state;
	unsigned char seen[MANY] = { 0 };
	size_t max = 0;

	add_random(x, SMALL, 4, 1000000);
	for (size_t i = 1; i < SMALL; i++)
		if (x->t[i].deadline > x->t[max].deadline)
			max = i;
	kern_timerq_remove(&x->q, &x->t[max]);
	check_heap(&x->q);
	seen[max] = 1;
	assert_int_equal(drain(x, seen), SMALL - 1);
}

static void test_remove_only(void **state)
{
	struct fixture *x = *state;

	add(x, 0, 5);
	kern_timerq_remove(&x->q, &x->t[0]);
	assert_int_equal(x->t[0].slot, 0);
	assert_int_equal(x->q.n, 0);
	assert_null(kern_timerq_first(&x->q));
}

/* Removing a timer that is not queued (never, no more, or in another
 * queue) leaves the queue as it was. */
static void test_remove_not_queued(void **state)
{
	struct fixture *x = *state;
	struct kern_timer *other_storage[4];
	struct kern_timerq other;
	unsigned char seen[MANY] = { 0 };

	add_random(x, 8, 5, 100);
	kern_timerq_remove(&x->q, &x->t[100]); /* never queued */
	kern_timerq_remove(&x->q, &x->t[0]);
	kern_timerq_remove(&x->q, &x->t[0]); /* twice */
	kern_timerq_init(&other, other_storage, 4);
	x->t[200].deadline = 0;
	assert_int_equal(kern_timerq_add(&other, &x->t[200]), 0);
	kern_timerq_remove(&x->q, &x->t[200]); /* in the other queue */
	assert_int_equal(x->t[200].slot, 1);
	x->t[300].slot = 7; /* stale slot, within range */
	kern_timerq_remove(&x->q, &x->t[300]);
	x->t[301].slot = 1000; /* stale slot, out of range */
	kern_timerq_remove(&x->q, &x->t[301]);
	assert_int_equal(x->q.n, 7);
	check_heap(&x->q);
	seen[0] = 1;
	assert_int_equal(drain(x, seen), 7);
	assert_ptr_equal(kern_timerq_pop_due(&other, 0), &x->t[200]);
}

static void test_readd_after_remove(void **state)
{
	struct fixture *x = *state;
	unsigned char seen[MANY] = { 0 };

	add_random(x, SMALL, 6, 1000);
	kern_timerq_remove(&x->q, &x->t[10]);
	kern_timerq_remove(&x->q, &x->t[20]);
	add(x, 10, 0);
	add(x, 20, 5000);
	check_heap(&x->q);
	assert_ptr_equal(kern_timerq_first(&x->q), &x->t[10]);
	assert_int_equal(drain(x, seen), SMALL);
	add(x, 10, 42); /* and after a pop */
	assert_ptr_equal(kern_timerq_pop_due(&x->q, 42), &x->t[10]);
}

static void test_full(void **state)
{
	struct fixture *x = *state;
	struct kern_timer late = { .deadline = 1 };

	kern_timerq_init(&x->q, x->storage, 8);
	add_random(x, 8, 7, 100);
	assert_int_equal(kern_timerq_add(&x->q, &late), -ENOSPC);
	assert_int_equal(late.slot, 0);
	assert_int_equal(x->q.n, 8);
	check_heap(&x->q);
	assert_non_null(kern_timerq_pop_due(&x->q, UINT64_MAX));
	assert_int_equal(kern_timerq_add(&x->q, &late), 0);
	assert_int_equal(kern_timerq_add(&x->q, &x->t[100]), -ENOSPC);
}

static void test_zero_capacity(void **state)
{
	struct fixture *x = *state;

	kern_timerq_init(&x->q, x->storage, 0);
	assert_int_equal(kern_timerq_add(&x->q, &x->t[0]), -ENOSPC);
	assert_null(kern_timerq_first(&x->q));
}

/* The reference: queued timers sorted by deadline. */
struct model {
	struct kern_timer *t[MANY];
	size_t n;
};

/* The first index whose deadline is >= d. */
static size_t model_lower(const struct model *m, uint64_t d)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->t[mid]->deadline < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void model_add(struct model *m, struct kern_timer *t)
{
	size_t i = model_lower(m, t->deadline);

	memmove(&m->t[i + 1], &m->t[i], (m->n - i) * sizeof(m->t[0]));
	m->t[i] = t;
	m->n++;
}

static void model_remove(struct model *m, struct kern_timer *t)
{
	size_t i = model_lower(m, t->deadline);

	while (i < m->n && m->t[i] != t)
		i++;
	assert_true(i < m->n);
	memmove(&m->t[i], &m->t[i + 1], (m->n - i - 1) * sizeof(m->t[0]));
	m->n--;
}

static void model_check(const struct fixture *x, const struct model *m)
{
	struct kern_timer *first = kern_timerq_first(&x->q);

	assert_int_equal(x->q.n, m->n);
	if (!m->n) {
		assert_null(first);
		return;
	}
	assert_non_null(first);
	assert_int_equal(first->deadline, m->t[0]->deadline);
}

/* Pop what is due at now from both. */
static void model_pop(struct fixture *x, struct model *m, uint64_t now)
{
	struct kern_timer *t;

	while ((t = kern_timerq_pop_due(&x->q, now))) {
		assert_true(m->n > 0);
		assert_int_equal(t->deadline, m->t[0]->deadline);
		assert_int_equal(t->slot, 0);
		model_remove(m, t);
	}
	assert_true(!m->n || m->t[0]->deadline > now);
}

/* One random operation on both the queue and the model. */
static void model_step(struct fixture *x, struct model *m, uint64_t *seed,
		       uint64_t *now)
{
	uint64_t r = rnd(seed);
	struct kern_timer *t = &x->t[(r >> 8) % MANY];

	switch (r % 8) {
	case 0: /* time passes */
		*now += rnd(seed) % 20;
		model_pop(x, m, *now);
		break;
	case 1:
	case 2: /* remove (queued or not) */
		if (t->slot)
			model_remove(m, t);
		kern_timerq_remove(&x->q, t);
		assert_int_equal(t->slot, 0);
		break;
	default: /* add, or move */
		if (t->slot) {
			kern_timerq_remove(&x->q, t);
			model_remove(m, t);
		}
		t->deadline = *now + rnd(seed) % 100000;
		assert_int_equal(kern_timerq_add(&x->q, t), 0);
		model_add(m, t);
	}
}

static void test_many_against_model(void **state)
{
	struct fixture *x = *state;
	struct model *m = calloc(1, sizeof(*m));
	uint64_t seed = 8, now = 0;

	assert_non_null(m);
	for (long i = 0; i < MANY_OPS; i++) {
		model_step(x, m, &seed, &now);
		model_check(x, m);
		if (i % 1000 == 0)
			check_heap(&x->q);
	}
	assert_true(m->n > MANY / 4); /* it did get crowded */
	check_heap(&x->q);
	model_pop(x, m, UINT64_MAX);
	model_check(x, m);
	free(m);
}

/* All MANY at once: the queue holds its full capacity in order. */
static void test_many_full(void **state)
{
	struct fixture *x = *state;
	unsigned char *seen = calloc(MANY, 1);
	struct kern_timer extra = { 0 };

	assert_non_null(seen);
	add_random(x, MANY, 9, UINT64_MAX);
	assert_int_equal(kern_timerq_add(&x->q, &extra), -ENOSPC);
	for (size_t i = 0; i < MANY; i += 7)
		kern_timerq_remove(&x->q, &x->t[i]);
	check_heap(&x->q);
	for (size_t i = 0; i < MANY; i += 7)
		seen[i] = 1;
	assert_int_equal(drain(x, seen), MANY - (MANY + 6) / 7);
	free(seen);
}

/* Periodic timers re-added at deadline + period after each pop fire in
 * deadline order, each as often as its period allows. */
static void test_periodic_readd(void **state)
{
	struct fixture *x = *state;
	static const uint64_t period[] = { 7, 10, 13, 100, 1 };
	const size_t n = sizeof(period) / sizeof(period[0]);
	const uint64_t end = 999; /* a multiple of the step */
	size_t fired[5] = { 0 };
	uint64_t last = 0;

	for (size_t i = 0; i < n; i++) {
		x->t[i].period = period[i];
		add(x, i, period[i]);
	}
	for (uint64_t now = 0; now <= end; now += 3) {
		struct kern_timer *t;

		while ((t = kern_timerq_pop_due(&x->q, now))) {
			assert_true(t->deadline >= last);
			last = t->deadline;
			fired[t - x->t]++;
			t->deadline += t->period;
			assert_int_equal(kern_timerq_add(&x->q, t), 0);
		}
		check_heap(&x->q);
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(fired[i], end / period[i]);
		assert_true(x->t[i].deadline > end);
	}
	assert_int_equal(x->q.n, n);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_single),
		T(test_order_due_only),
		T(test_order_extremes),
		T(test_equal_deadlines),
		T(test_remove_first),
		T(test_remove_middle),
		T(test_remove_last),
		T(test_remove_sifts_up),
		T(test_remove_largest),
		T(test_remove_only),
		T(test_remove_not_queued),
		T(test_readd_after_remove),
		T(test_full),
		T(test_zero_capacity),
		T(test_many_against_model),
		T(test_many_full),
		T(test_periodic_readd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
