/* Unit tests of kernel/fs/epready.c: what epoll reports for one item,
 * level-triggered, edge-triggered (EPOLLET) and one-shot, given a
 * sequence of readiness masks and notifies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include <cmocka.h>

#include "fs/epready.h"

/* A wait looks at the item if it is queued (as on the ready list). */
static uint32_t wait_once(struct kern_epready *s, uint32_t ready)
{
	return s->queued ? kern_epready_take(s, ready, 0) : 0;
}

static void test_level(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN);
	assert_int_equal(wait_once(&s, 0), 0); /* added, not ready */
	assert_false(s.queued);
	assert_int_equal(wait_once(&s, EPOLLIN), 0); /* no notify yet */
	assert_int_equal(kern_epready_notify(&s), 1);
	assert_int_equal(kern_epready_notify(&s), 0); /* already queued */
	assert_int_equal(wait_once(&s, EPOLLIN | EPOLLOUT), EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN); /* still ready */
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(wait_once(&s, 0), 0); /* drained: leaves */
	assert_false(s.queued);
}

static void test_level_ready_at_add(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLOUT);
	assert_int_equal(wait_once(&s, EPOLLIN | EPOLLOUT), EPOLLOUT);
	assert_int_equal(wait_once(&s, EPOLLOUT), EPOLLOUT);
}

static void test_edge(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN | EPOLLET);
	/* ready when added: one report */
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLIN), 0); /* still ready: quiet */
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
	/* one notify while ready: exactly one more report */
	assert_int_equal(kern_epready_notify(&s), 1);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
	/* several notifies before a wait: still one report */
	kern_epready_notify(&s);
	kern_epready_notify(&s);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
	/* a notify the reader drained before the wait: nothing */
	kern_epready_notify(&s);
	assert_int_equal(wait_once(&s, 0), 0);
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
}

static void test_edge_other_event(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN | EPOLLET);
	assert_int_equal(wait_once(&s, EPOLLOUT), 0); /* not asked for */
	kern_epready_notify(&s);
	assert_int_equal(wait_once(&s, EPOLLOUT | EPOLLIN), EPOLLIN);
}

static void test_oneshot(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN | EPOLLONESHOT);
	assert_int_equal(wait_once(&s, 0), 0); /* not ready: stays armed */
	assert_int_equal(kern_epready_notify(&s), 1);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_true(s.disabled);
	/* disabled: notifies and readiness are ignored, errors too */
	assert_int_equal(kern_epready_notify(&s), 0);
	assert_int_equal(wait_once(&s, EPOLLIN | EPOLLERR), 0);
	assert_int_equal(kern_epready_peek(&s, EPOLLIN), 0);
	/* MOD re-arms */
	kern_epready_set(&s, EPOLLIN | EPOLLONESHOT);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
}

static void test_oneshot_edge(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN | EPOLLET | EPOLLONESHOT);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(kern_epready_notify(&s), 0);
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
}

static void test_err_hup_always(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLERR | EPOLLHUP | EPOLLOUT),
			 EPOLLERR | EPOLLHUP);
	/* EPOLLRDHUP only when asked for, as on Linux */
	kern_epready_set(&s, EPOLLIN);
	assert_int_equal(wait_once(&s, EPOLLRDHUP), 0);
	kern_epready_set(&s, EPOLLIN | EPOLLRDHUP);
	assert_int_equal(wait_once(&s, EPOLLRDHUP | EPOLLIN),
			 EPOLLRDHUP | EPOLLIN);
	/* interest 0: only errors */
	kern_epready_set(&s, 0);
	assert_int_equal(wait_once(&s, EPOLLIN), 0);
	kern_epready_set(&s, 0);
	assert_int_equal(wait_once(&s, EPOLLHUP | EPOLLIN), EPOLLHUP);
}

static void test_peek_changes_nothing(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	kern_epready_set(&s, EPOLLIN | EPOLLET);
	assert_int_equal(kern_epready_peek(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(kern_epready_peek(&s, EPOLLIN), EPOLLIN);
	assert_true(s.queued);
	assert_int_equal(wait_once(&s, EPOLLIN), EPOLLIN);
	assert_int_equal(kern_epready_peek(&s, EPOLLIN), 0);
}

static void test_polled_file(void **state)
{
	struct kern_epready s = { 0 };

	(void)state;
	/* level-triggered: stays queued even while not ready */
	kern_epready_set(&s, EPOLLIN);
	assert_int_equal(kern_epready_take(&s, 0, 1), 0);
	assert_true(s.queued);
	assert_int_equal(kern_epready_take(&s, EPOLLIN, 1), EPOLLIN);
	/* edge-triggered: reports like level (never fewer reports) */
	kern_epready_set(&s, EPOLLIN | EPOLLET);
	assert_int_equal(kern_epready_take(&s, EPOLLIN, 1), EPOLLIN);
	assert_int_equal(kern_epready_take(&s, EPOLLIN, 1), EPOLLIN);
	/* one-shot still disables */
	kern_epready_set(&s, EPOLLIN | EPOLLONESHOT);
	assert_int_equal(kern_epready_take(&s, EPOLLIN, 1), EPOLLIN);
	assert_false(s.queued);
	assert_int_equal(kern_epready_notify(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_level_ready_at_add),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_edge_other_event),
		cmocka_unit_test(test_oneshot),
		cmocka_unit_test(test_oneshot_edge),
		cmocka_unit_test(test_err_hup_always),
		cmocka_unit_test(test_peek_changes_nothing),
		cmocka_unit_test(test_polled_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
