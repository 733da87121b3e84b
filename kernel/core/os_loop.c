/* The public native-loop API of include/os/loop.h: clocks, timers whose
 * callbacks run only inside os_loop_once(), and the loop itself. */
#include <errno.h>

#include <kern/clock.h>
#include <kern/irq.h>
#include <kern/loop.h>
#include "proc/signal.h"
#include <kern/timer.h>
#include <os/loop.h>

_Static_assert(sizeof(struct os_timer) >= sizeof(struct kern_timer),
	       "struct os_timer must hold a struct kern_timer");

static int stop_requested, running;

uint64_t os_clock_ns(void)
{
	return kern_clock_ns();
}

uint64_t os_interrupts(void)
{
	return kern_irq_count();
}

/* Calls the service's callback, kept in the timer's cookie. */
static void trampoline(struct kern_timer *k, void *arg)
{
	((os_timer_fn)k->cookie)((struct os_timer *)k, arg);
}

int os_timer_start(struct os_timer *t, uint64_t delay_ns, uint64_t period_ns,
		   os_timer_fn fn, void *arg)
{
	struct kern_timer *k = (struct kern_timer *)t;
	uint64_t now;

	if (!fn)
		return -EINVAL;
	kern_timer_stop(k);
	k->service = 1;
	k->next_ready = 0;
	k->cookie = (void *)fn;
	now = kern_clock_ns();
	return kern_timer_start(k,
				delay_ns > UINT64_MAX - now ? UINT64_MAX :
							      now + delay_ns,
				period_ns, trampoline, arg) ?
		       -ENOSPC :
		       0;
}

void os_timer_stop(struct os_timer *t)
{
	kern_timer_stop((struct kern_timer *)t);
}

/* Wake condition of os_loop_once: a ready timer or a stop request. */
static int service_work(void *arg)
{
	(void)arg;
	return kern_timer_ready() || (running && stop_requested);
}

int os_loop_once(int64_t timeout_ns)
{
	uint64_t deadline = timeout_ns < 0 ?
				    KERN_LOOP_FOREVER :
				    kern_clock_ns() + (uint64_t)timeout_ns;
	kern_loop_wait(service_work, 0, deadline, 1);
	if (kern_signal_pending()) /* even when timers are always ready */
		kern_signal_deliver();
	return kern_timer_run_service();
}

int os_loop_run(void)
{
	stop_requested = 0;
	running = 1;
	while (!stop_requested)
		os_loop_once(-1);
	running = stop_requested = 0;
	return 0;
}

void os_loop_stop(void)
{
	stop_requested = 1;
}
