/* A timerfd's arithmetic (see itimerspec.h). Pure code, unit-tested. */
#include "time/itimerspec.h"

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void kern_itimer_arm(struct kern_itimer *t, uint64_t deadline,
		     uint64_t interval)
{
	t->deadline = deadline;
	t->interval = interval;
	t->ticks = 0;
	t->armed = 1;
}

void kern_itimer_disarm(struct kern_itimer *t)
{
	t->deadline = 0;
	t->interval = 0;
	t->ticks = 0;
	t->armed = 0;
}

uint64_t kern_itimer_advance(struct kern_itimer *t, uint64_t now)
{
	uint64_t n;

	if (!t->armed || now < t->deadline)
		return 0;
	if (!t->interval) {
		n = 1;
		t->armed = 0;
	} else {
		n = (now - t->deadline) / t->interval + 1;
		if (n > (UINT64_MAX - t->deadline) / t->interval)
			t->armed = 0; /* the next one is beyond time */
		else
			t->deadline += n * t->interval;
	}
	t->ticks = add_sat(t->ticks, n);
	return n;
}

uint64_t kern_itimer_take(struct kern_itimer *t)
{
	uint64_t n = t->ticks;

	t->ticks = 0;
	return n;
}

uint64_t kern_itimer_remaining(const struct kern_itimer *t, uint64_t now)
{
	if (!t->armed || t->deadline <= now)
		return 0;
	return t->deadline - now;
}

uint64_t kern_itimer_deadline(uint64_t value, int abs, uint64_t clock_now,
			      uint64_t mono_now)
{
	if (!abs)
		return add_sat(mono_now, value);
	if (value <= clock_now)
		return mono_now;
	return add_sat(mono_now, value - clock_now);
}
