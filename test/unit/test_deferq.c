/* Unit tests of kernel/core/deferq.c: the queue of end-of-pass work
 * behind kern_loop_defer (run once per request batch, in order, requests
 * merged while pending, work asked for by work run in the same drain). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/deferq.h"

#define LOG_MAX 64

static struct kern_deferq q;
static int log_[LOG_MAX], nlog;

/* One piece of work: records its id when it runs; may ask for other work
 * (or itself), or drain the queue itself, from inside its function. */
struct item {
	struct kern_deferred d;
	int id;
	struct item *asks; /* asked for while running, if not NULL */
	int nested;	   /* runs the queue from inside its function */
};

static void run(void *arg)
{
	struct item *it = arg;

	if (nlog == LOG_MAX)
		return; /* ran far too often: stop asking, let the test fail */
	log_[nlog++] = it->id;
	if (it->asks)
		kern_deferq_add(&q, &it->asks->d);
	if (it->nested)
		kern_deferq_run(&q);
}

static void item_init(struct item *it, int id)
{
	*it = (struct item){ .d = { .fn = run, .arg = it }, .id = id };
}

static int setup(void **state)
{
	(void)state;
	q = (struct kern_deferq){ 0 };
	nlog = 0;
	return 0;
}

static void expect_log(const int *want, int n)
{
	assert_int_equal(nlog, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(log_[i], want[i]);
}

/* Nothing queued: nothing runs, the queue is empty. */
static void test_empty(void **state)
{
	(void)state;
	assert_true(kern_deferq_empty(&q));
	assert_int_equal(kern_deferq_run(&q), 0);
	assert_int_equal(nlog, 0);
}

/* Work runs once, in the order asked for, and the queue is empty after. */
static void test_fifo_once(void **state)
{
	struct item a, b, c;
	static const int want[] = { 1, 2, 3 };

	(void)state;
	item_init(&a, 1);
	item_init(&b, 2);
	item_init(&c, 3);
	assert_int_equal(kern_deferq_add(&q, &a.d), 1);
	assert_int_equal(kern_deferq_add(&q, &b.d), 1);
	assert_int_equal(kern_deferq_add(&q, &c.d), 1);
	assert_false(kern_deferq_empty(&q));
	assert_int_equal(kern_deferq_run(&q), 3);
	expect_log(want, 3);
	assert_true(kern_deferq_empty(&q));
	assert_int_equal(kern_deferq_run(&q), 0);
	expect_log(want, 3);
}

/* Asking again while queued merges into the one run; the work keeps its
 * first place in the order. */
static void test_merge_while_queued(void **state)
{
	struct item a, b;
	static const int want[] = { 1, 2 };

	(void)state;
	item_init(&a, 1);
	item_init(&b, 2);
	kern_deferq_add(&q, &a.d);
	kern_deferq_add(&q, &b.d);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(kern_deferq_add(&q, &a.d), 0);
		assert_int_equal(kern_deferq_add(&q, &b.d), 0);
	}
	assert_int_equal(kern_deferq_run(&q), 2);
	expect_log(want, 2);
}

/* Once run, the work may be asked for again, and runs again. */
static void test_again_after_run(void **state)
{
	struct item a;
	static const int want[] = { 1, 1 };

	(void)state;
	item_init(&a, 1);
	kern_deferq_add(&q, &a.d);
	kern_deferq_run(&q);
	assert_int_equal(kern_deferq_add(&q, &a.d), 1);
	assert_int_equal(kern_deferq_run(&q), 1);
	expect_log(want, 2);
}

/* Work asking for itself while it runs is ignored: it runs once, and the
 * queue is empty after (the loop would otherwise never sleep). */
static void test_self_request_ignored(void **state)
{
	struct item a;
	static const int want[] = { 1 };

	(void)state;
	item_init(&a, 1);
	a.asks = &a;
	kern_deferq_add(&q, &a.d);
	assert_int_equal(kern_deferq_run(&q), 1);
	expect_log(want, 1);
	assert_true(kern_deferq_empty(&q));
}

/* Work asked for by running work runs in the same drain, after the work
 * already queued (lwIP's work sends frames: their flush comes after). */
static void test_chained_same_drain(void **state)
{
	struct item a, b, c;
	static const int want[] = { 1, 2, 3 };

	(void)state;
	item_init(&a, 1);
	item_init(&b, 2);
	item_init(&c, 3);
	a.asks = &c;
	kern_deferq_add(&q, &a.d);
	kern_deferq_add(&q, &b.d);
	assert_int_equal(kern_deferq_run(&q), 3);
	expect_log(want, 3);
	assert_true(kern_deferq_empty(&q));
}

/* Work asking for work already queued does not move or repeat it. */
static void test_chained_already_queued(void **state)
{
	struct item a, b;
	static const int want[] = { 1, 2 };

	(void)state;
	item_init(&a, 1);
	item_init(&b, 2);
	a.asks = &b;
	kern_deferq_add(&q, &a.d);
	kern_deferq_add(&q, &b.d);
	assert_int_equal(kern_deferq_run(&q), 2);
	expect_log(want, 2);
}

/* A function that runs the queue itself (a nested pass) takes the rest of
 * it; the outer drain then finds it empty and nothing runs twice. */
static void test_nested_run(void **state)
{
	struct item a, b, c;
	static const int want[] = { 1, 2, 3 };

	(void)state;
	item_init(&a, 1);
	item_init(&b, 2);
	item_init(&c, 3);
	a.nested = 1;
	a.asks = &a; /* and asks for itself: still pending, ignored */
	kern_deferq_add(&q, &a.d);
	kern_deferq_add(&q, &b.d);
	kern_deferq_add(&q, &c.d);
	kern_deferq_run(&q);
	expect_log(want, 3);
	assert_true(kern_deferq_empty(&q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_fifo_once, setup),
		cmocka_unit_test_setup(test_merge_while_queued, setup),
		cmocka_unit_test_setup(test_again_after_run, setup),
		cmocka_unit_test_setup(test_self_request_ignored, setup),
		cmocka_unit_test_setup(test_chained_same_drain, setup),
		cmocka_unit_test_setup(test_chained_already_queued, setup),
		cmocka_unit_test_setup(test_nested_run, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
