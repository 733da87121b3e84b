/* Unit tests of kernel/time/timer.c: the kernel's timer service on its
 * queue (timerq.c), over a clock and a local APIC timer faked here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/mm.h>
#include <kern/timer.h>

#define LOTS 100000 /* more timers than the service can hold */
#define SPIN_LIMIT 1000

static uint64_t now;
static uint64_t lapic_hz;
static uint32_t oneshot_count; /* the last count programmed */
static unsigned programs;      /* times the timer was programmed */

/* ---- The fakes under timer.c. */

uint64_t kern_clock_ns(void)
{
	return now;
}

uint64_t kern_clock_lapic_hz(void)
{
	return lapic_hz;
}

const struct kern_tsc_conv *kern_clock_tsc(void)
{
	fail_msg("TSC-deadline mode was never offered");
	return NULL;
}

int arch_lapic_has_tsc_deadline(void)
{
	return 0;
}

void arch_lapic_timer_deadline(uint64_t tsc)
{
	(void)tsc;
	fail_msg("TSC-deadline mode was never offered");
}

void arch_lapic_timer_oneshot(uint32_t count)
{
	oneshot_count = count;
	programs++;
}

void *kern_mm_alloc(size_t n)
{
	void *p = calloc(n, 4096);

	assert_non_null(p);
	return p;
}

/* ---- Helpers. */

static unsigned fired;

static void count_fire(struct kern_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	fired++;
}

/* The service keeps one queue for the whole program: it is set up once,
 * and each test takes its timers from here and leaves the queue empty
 * (stop_all, also when the test fails). */
static struct kern_timer *pool;
static size_t npool;

static struct kern_timer *timers(size_t n)
{
	pool = calloc(n, sizeof(*pool));
	assert_non_null(pool);
	npool = n;
	return pool;
}

static int setup_service(void **state)
{
	(void)state;
	kern_timer_init();
	return 0;
}

/* A fresh start for each test: the clock at 1 s, nothing programmed. */
static int reset(void **state)
{
	(void)state;
	now = 1000000000ULL;
	lapic_hz = 1000000000ULL; /* one tick a nanosecond */
	fired = 0;
	assert_int_equal(kern_timer_run_due(), 0); /* forgets the program */
	assert_int_equal(kern_timer_next(), UINT64_MAX);
	programs = 0;
	oneshot_count = 0;
	return 0;
}

static int stop_all(void **state)
{
	(void)state;
	for (size_t i = 0; i < npool; i++)
		kern_timer_stop(&pool[i]);
	free(pool);
	pool = NULL;
	npool = 0;
	return 0;
}

/* ---- Tests. */

/* A full queue: kern_timer_start returns -ENOSPC (kern/timer.h's
 * contract, not -1), the timer refused is not running, a queued timer
 * still restarts, and one stopped makes room again. */
static void test_start_when_full(void **state)
{
	struct kern_timer *t = timers(LOTS + 1), *extra = &t[LOTS];
	size_t n = 0;
	int r = 0;

	(void)state;
	while (n < LOTS && !(r = kern_timer_start(&t[n], now + 1000 + n, 0,
						  count_fire, NULL)))
		n++;
	assert_true(n > 0 && n < LOTS);
	assert_int_equal(r, -ENOSPC);
	assert_int_equal(t[n].slot, 0);
	assert_int_equal(kern_timer_start(extra, now, 0, count_fire, NULL),
			 -ENOSPC);
	assert_int_not_equal(t[0].slot, 0);
	assert_int_equal(kern_timer_start(&t[0], now + 5, 0, count_fire, NULL),
			 0);
	kern_timer_stop(&t[1]);
	assert_int_equal(kern_timer_start(extra, now + 1, 0, count_fire, NULL),
			 0);
	now += 1000 + n; /* everything queued is due; the refused never ran */
	assert_int_equal(kern_timer_run_due(), (int)n);
	assert_int_equal(fired, n);
	assert_int_equal(kern_timer_next(), UINT64_MAX);
}

/* Restarts itself for a deadline already passed, SPIN_LIMIT times. */
static void spin(struct kern_timer *t, void *arg)
{
	(void)arg;
	if (++fired < SPIN_LIMIT)
		assert_int_equal(kern_timer_start(t, 0, 0, spin, NULL), 0);
}

/* A timer that keeps restarting itself in the past does not hold
 * kern_timer_run_due: each call handles the timers queued when it
 * began, and the timer comes round again on the next call. */
static void test_run_due_returns(void **state)
{
	struct kern_timer *a = timers(2), *b = a + 1;

	(void)state;
	assert_int_equal(kern_timer_start(a, now - 1, 0, spin, NULL), 0);
	assert_int_equal(kern_timer_run_due(), 1);
	assert_int_equal(fired, 1);
	assert_int_not_equal(a->slot, 0);
	assert_int_equal(kern_timer_run_due(), 1);
	assert_int_equal(fired, 2);
	assert_int_equal(kern_timer_start(b, now + 1, 0, count_fire, NULL), 0);
	assert_int_equal(kern_timer_run_due(), 2); /* a, and a again */
	assert_int_equal(fired, 4);
}

/* A periodic timer late by more than a period skips the periods missed
 * and stays in phase. */
static void test_periodic_skips(void **state)
{
	struct kern_timer *t = timers(1);
	uint64_t start = now + 100;

	(void)state;
	assert_int_equal(kern_timer_start(t, start, 10, count_fire, NULL), 0);
	now = start + 35;
	assert_int_equal(kern_timer_run_due(), 1);
	assert_int_equal(fired, 1);
	assert_int_equal(t->deadline, start + 40);
	now = start + 40;
	assert_int_equal(kern_timer_run_due(), 1);
	assert_int_equal(t->deadline, start + 50);
	kern_timer_stop(t);
	assert_int_equal(kern_timer_next(), UINT64_MAX);
}

/* Service timers wait on the ready list until the service's loop runs
 * them; stopping one there means it never runs. */
static void test_service_ready(void **state)
{
	struct kern_timer *s = timers(2), *u = s + 1;

	(void)state;
	s->service = u->service = 1;
	assert_int_equal(kern_timer_start(s, now, 0, count_fire, NULL), 0);
	assert_int_equal(kern_timer_start(u, now, 0, count_fire, NULL), 0);
	assert_int_equal(kern_timer_run_due(), 2);
	assert_int_equal(fired, 0);
	assert_true(kern_timer_ready());
	kern_timer_stop(u);
	assert_int_equal(kern_timer_run_service(), 1);
	assert_int_equal(fired, 1);
	assert_false(kern_timer_ready());
}

/* The hardware timer is programmed for the earliest deadline only. */
static void test_programs_earliest(void **state)
{
	struct kern_timer *a = timers(3), *b = a + 1, *c = a + 2;

	(void)state;
	assert_int_equal(kern_timer_start(a, now + 5000, 0, count_fire, NULL),
			 0);
	assert_int_equal(programs, 1);
	assert_int_equal(oneshot_count, 5000);
	assert_int_equal(kern_timer_start(b, now + 9000, 0, count_fire, NULL),
			 0);
	assert_int_equal(programs, 1);
	assert_int_equal(kern_timer_start(c, now + 2000, 0, count_fire, NULL),
			 0);
	assert_int_equal(programs, 2);
	assert_int_equal(oneshot_count, 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_when_full, reset,
						stop_all),
		cmocka_unit_test_setup_teardown(test_run_due_returns, reset,
						stop_all),
		cmocka_unit_test_setup_teardown(test_periodic_skips, reset,
						stop_all),
		cmocka_unit_test_setup_teardown(test_service_ready, reset,
						stop_all),
		cmocka_unit_test_setup_teardown(test_programs_earliest, reset,
						stop_all),
	};

	return cmocka_run_group_tests(tests, setup_service, NULL);
}
