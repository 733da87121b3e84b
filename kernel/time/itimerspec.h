/* Private to kernel/: a timerfd's arithmetic, pure code, unit-tested. An
 * armed timer expires at a monotonic deadline and then every interval ns
 * (0: once); expirations are counted, missed periods included, until a
 * read takes the count. */
#ifndef KERNEL_ITIMER_H
#define KERNEL_ITIMER_H

#include <stdint.h>

struct kern_itimer {
	uint64_t deadline; /* monotonic ns of the next expiration */
	uint64_t interval; /* ns between expirations; 0: one-shot */
	uint64_t ticks;	   /* expirations not yet read */
	int armed;
};

/* Arm t for deadline, then every interval; the count restarts at 0. */
void kern_itimer_arm(struct kern_itimer *t, uint64_t deadline,
		     uint64_t interval);

/* Disarm t; the count restarts at 0. */
void kern_itimer_disarm(struct kern_itimer *t);

/* Count the expirations due by monotonic time now and move the deadline
 * past now (a one-shot timer disarms; a deadline that would pass
 * UINT64_MAX disarms too). Returns how many were added (ticks saturate
 * at UINT64_MAX). */
uint64_t kern_itimer_advance(struct kern_itimer *t, uint64_t now);

/* Take the count: returns it and sets it to 0. */
uint64_t kern_itimer_take(struct kern_itimer *t);

/* Nanoseconds from now to the next expiration (0 when disarmed or due). */
uint64_t kern_itimer_remaining(const struct kern_itimer *t, uint64_t now);

/* The monotonic deadline for a setting of value ns: relative to now, or
 * (abs) a time on a clock that reads clock_now while the monotonic clock
 * reads mono_now; a time already past gives mono_now. Saturates at
 * UINT64_MAX. */
uint64_t kern_itimer_deadline(uint64_t value, int abs, uint64_t clock_now,
			      uint64_t mono_now);

#endif
