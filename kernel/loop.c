/* The event loop (see kern/loop.h and docs/event-loop.md). */
#include <errno.h>

#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/irq.h>
#include <kern/loop.h>
#include <kern/signal.h>
#include <kern/timer.h>

static uint64_t idle_ns;

int kern_loop_poll(void)
{
	return kern_irq_run() + kern_timer_run_due();
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

int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
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

uint64_t kern_loop_idle_ns(void)
{
	return idle_ns;
}
