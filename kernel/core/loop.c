/* The event loop (see kern/loop.h and docs/event-loop.md). */
#include <errno.h>

#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/irq.h>
#include <kern/loop.h>
#include "proc/signal.h"
#include <kern/timer.h>

static uint64_t idle_ns;

int kern_loop_poll(void)
{
	int was = arch_irq_save();
	int n = kern_irq_run() + kern_timer_run_due();

	arch_irq_restore(was);
	return n;
}

/* Halt until an interrupt, with the timer set for wake. */
static void sleep_until(uint64_t wake)
{
	uint64_t t0;

	kern_timer_program(wake);
	if (kern_irq_pending())
		return;
	t0 = kern_clock_ns();
	arch_irq_idle();
	idle_ns += kern_clock_ns() - t0;
}

/* The loop proper, with interrupts off (they are taken only in hlt, so
 * none can slip in between looking for work and halting). */
static int wait_off(int (*cond)(void *), void *arg, uint64_t deadline,
		    int interruptible)
{
	for (;;) {
		uint64_t next;
		int work = kern_loop_poll();

		if (cond && cond(arg))
			return 0;
		if (interruptible && kern_signal_pending())
			return -EINTR;
		if (deadline != KERN_LOOP_FOREVER &&
		    kern_clock_ns() >= deadline)
			return -ETIMEDOUT;
		if (work)
			continue; /* look again before sleeping */
		next = kern_timer_next();
		sleep_until(next < deadline ? next : deadline);
	}
}

int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible)
{
	int was = arch_irq_save(); /* the service calls in with them on */
	int r = wait_off(cond, arg, deadline, interruptible);

	arch_irq_restore(was);
	return r;
}

uint64_t kern_loop_idle_ns(void)
{
	return idle_ns;
}
