/* Unit tests of kernel/time/itimerspec.c: timerfd expiration arithmetic (counts
 * with missed periods, one-shot, overflow, deadlines from settings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "time/itimerspec.h"

#define MS 1000000ULL

static void test_oneshot(void **state)
{
	struct kern_itimer t = { 0 };

	(void)state;
	kern_itimer_arm(&t, 100 * MS, 0);
	assert_int_equal(kern_itimer_advance(&t, 99 * MS), 0);
	assert_int_equal(kern_itimer_remaining(&t, 99 * MS), MS);
	assert_int_equal(kern_itimer_advance(&t, 500 * MS), 1);
	assert_false(t.armed);
	assert_int_equal(kern_itimer_advance(&t, 900 * MS), 0);
	assert_int_equal(kern_itimer_remaining(&t, 900 * MS), 0);
	assert_int_equal(kern_itimer_take(&t), 1);
	assert_int_equal(kern_itimer_take(&t), 0);
}

static void test_periodic_counts_missed(void **state)
{
	struct kern_itimer t = { 0 };

	(void)state;
	kern_itimer_arm(&t, 10 * MS, 10 * MS);
	assert_int_equal(kern_itimer_advance(&t, 10 * MS), 1); /* exactly */
	assert_int_equal(t.deadline, 20 * MS);
	assert_int_equal(kern_itimer_advance(&t, 55 * MS), 4); /* 20..50 */
	assert_int_equal(t.deadline, 60 * MS);
	assert_int_equal(kern_itimer_remaining(&t, 55 * MS), 5 * MS);
	assert_int_equal(kern_itimer_take(&t), 5);
	assert_int_equal(kern_itimer_advance(&t, 59 * MS), 0);
	assert_int_equal(kern_itimer_advance(&t, 60 * MS), 1);
	assert_true(t.armed);
}

static void test_rearm_resets(void **state)
{
	struct kern_itimer t = { 0 };

	(void)state;
	kern_itimer_arm(&t, 1, 1);
	kern_itimer_advance(&t, 1000);
	assert_int_equal(t.ticks, 1000);
	kern_itimer_arm(&t, 5000, 0);
	assert_int_equal(t.ticks, 0);
	kern_itimer_disarm(&t);
	assert_false(t.armed);
	assert_int_equal(kern_itimer_advance(&t, UINT64_MAX), 0);
}

static void test_overflow(void **state)
{
	struct kern_itimer t = { 0 };

	(void)state;
	/* the next expiration would be past 2^64: disarm, count right */
	kern_itimer_arm(&t, UINT64_MAX - 10, UINT64_MAX / 2);
	assert_int_equal(kern_itimer_advance(&t, UINT64_MAX - 5), 1);
	assert_false(t.armed);
	/* an interval of 1 ns over the whole range: counts saturate */
	kern_itimer_arm(&t, 0, 1);
	t.ticks = UINT64_MAX - 3;
	kern_itimer_advance(&t, 100);
	assert_int_equal(t.ticks, UINT64_MAX);
	/* a huge count with a small interval still lands after now */
	kern_itimer_arm(&t, 5, 3);
	assert_int_equal(kern_itimer_advance(&t, UINT64_MAX - 100),
			 (UINT64_MAX - 105) / 3 + 1);
	assert_true(t.deadline > UINT64_MAX - 100);
	assert_true(t.deadline - (UINT64_MAX - 100) <= 3);
}

static void test_deadline(void **state)
{
	(void)state;
	/* relative: from the monotonic now */
	assert_int_equal(kern_itimer_deadline(5, 0, 999, 100), 105);
	/* absolute, monotonic clock (clock_now == mono_now) */
	assert_int_equal(kern_itimer_deadline(300, 1, 100, 100), 300);
	/* absolute on the wall clock: the distance carries over */
	assert_int_equal(kern_itimer_deadline(1700000000ULL * 1000 * MS + 50, 1,
					      1700000000ULL * 1000 * MS, 7000),
			 7050);
	/* already past: due now */
	assert_int_equal(kern_itimer_deadline(10, 1, 20, 7000), 7000);
	/* saturating */
	assert_int_equal(kern_itimer_deadline(UINT64_MAX, 0, 0, 10),
			 UINT64_MAX);
	assert_int_equal(kern_itimer_deadline(UINT64_MAX, 1, 5, 10),
			 UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oneshot),
		cmocka_unit_test(test_periodic_counts_missed),
		cmocka_unit_test(test_rearm_resets),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
