/*
 * The native event loop of libos, for services that do not use POSIX
 * blocking calls.
 *
 * One core, one loop. Interrupts are only recorded when they happen; the
 * work runs in the loop. A service's timer callbacks run only while the
 * service itself is in os_loop_once() or os_loop_run(), never behind its
 * back (not during a blocking POSIX call, not from an interrupt), so no
 * callback needs locking. Signals with handlers are delivered while the
 * service waits in the loop (see docs/event-loop.md).
 */
#ifndef OS_LOOP_H
#define OS_LOOP_H

#include <stdint.h>

/* Storage for one timer; the service owns it (static or heap), libos
 * keeps a pointer to it while it runs. Contents are private. */
struct os_timer {
	uint64_t opaque[8];
};

typedef void (*os_timer_fn)(struct os_timer *t, void *arg);

/* Monotonic nanoseconds since boot. */
uint64_t os_clock_ns(void);

/* Hardware interrupts taken since boot. */
uint64_t os_interrupts(void);

/* Call fn(t, arg) from the loop once delay_ns from now, then every
 * period_ns if period_ns is not 0 (periods missed while the service was
 * busy are skipped, not bunched). Starting a running timer restarts it.
 * Returns 0, -EINVAL (fn is NULL) or -ENOSPC (too many timers). */
int os_timer_start(struct os_timer *t, uint64_t delay_ns, uint64_t period_ns,
		   os_timer_fn fn, void *arg);

/* Stop t; after this its callback does not run. Harmless if stopped. */
void os_timer_stop(struct os_timer *t);

/* Wait up to timeout_ns (forever if negative) for timers to become due,
 * then run their callbacks. Returns how many callbacks ran (0 on timeout
 * or when a signal handler ran instead). */
int os_loop_once(int64_t timeout_ns);

/* Run callbacks as they become due until os_loop_stop() is called (from a
 * callback or a signal handler). Returns 0. */
int os_loop_run(void);

/* Make os_loop_run() return after the current callback. */
void os_loop_stop(void);

#endif
