/* kernel/core: what every other room stands on. The event loop (this
 * file; kern/loop.h, docs/event-loop.md), the one thread's only way to
 * wait; system-call dispatch (syscall.c); the console and the log
 * (console.c, log.c); the command line and the kernel's own options
 * (cmdline.c, options.c); the optional parts of the image
 * (component.c); the time by layer under the option prof (prof.c); and
 * os/loop.h for the service (os_loop.c).
 *
 * The event loop (see kern/loop.h and docs/event-loop.md). */
#include <errno.h>

#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/irq.h>
#include <kern/loop.h>
#include <kern/prof.h>
#include "proc/signal.h"
#include <kern/timer.h>

#include "core/deferq.h"

static uint64_t idle_ns;
static struct kern_deferq at_end; /* kern_loop_defer's work */
static int in_pass;

void kern_loop_defer(struct kern_deferred *d)
{
	kern_deferq_add(&at_end, d);
}

int kern_loop_in_pass(void)
{
	return in_pass;
}

int kern_loop_poll(void)
{
	int was = arch_irq_save();
	int outer = in_pass; /* a pass may wait, and so nest another */
	int n;

	in_pass = 1;
	n = kern_irq_run() + kern_timer_run_due();
	n += kern_deferq_run(&at_end);
	in_pass = outer;
	arch_irq_restore(was);
	return n;
}

/* Halt until an interrupt, with the timer set for wake. */
static void sleep_until(uint64_t wake)
{
	uint64_t t0;
	int prev;

	kern_timer_program(wake);
	if (kern_irq_pending())
		return;
	t0 = kern_clock_ns();
	prev = kern_prof_enter(KERN_PROF_IDLE);
	arch_irq_idle();
	kern_prof_leave(prev);
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
		if (work || !kern_deferq_empty(&at_end))
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
