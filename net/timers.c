/* lwIP's clock and timers on the kernel's timer service, tickless: after
 * each sys_check_timeouts() one kernel timer is set for lwIP's next
 * timeout (sys_timeouts_sleeptime()), nothing in between. When that timer
 * fires, and whenever lwIP's state changes (a frame arrived, a raw-API
 * call: lwIP asserts "core locked" on every entry, see lwipopts.h), lwIP's
 * work is asked for at the end of the event loop's pass
 * (kern_loop_defer): the due timeouts run and the next one is computed
 * once per pass, however many frames or calls came in it. */
#include <stdint.h>

#include <kern/clock.h>
#include <kern/entropy.h>
#include <kern/loop.h>
#include <kern/prof.h>
#include <kern/timer.h>
#include <lwip/sys.h>
#include <lwip/timeouts.h>

#include "net_internal.h"

#define NS_PER_MS 1000000ULL

static void work(void *arg);

static struct kern_timer lwip_timer;
static struct kern_deferred lwip_work = { .fn = work };

u32_t sys_now(void)
{
	return (u32_t)(kern_clock_ns() / NS_PER_MS);
}

uint32_t net_rand(void)
{
	return kern_random_u32();
}

uint32_t net_tcp_isn(void)
{
	return kern_random_u32();
}

/* lwIP's timer fired: its work at the end of this pass. */
static void fired(struct kern_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	kern_loop_defer(&lwip_work);
}

/* Set the lwIP timer for lwIP's next timeout, or stop it if there is
 * none. Deadlines fall on the millisecond sys_now() reaches it. lwIP
 * counts milliseconds in 32 bits (sys_now() wraps after 49.7 days, which
 * lwIP's own comparisons allow for); the kernel's deadline is built from
 * the full 64-bit millisecond count, never from sys_now(), or it would
 * lie 2^32 ms in the past once the wrap is passed. */
static void schedule(void)
{
	uint64_t now = kern_clock_ns() / NS_PER_MS;
	u32_t ms = sys_timeouts_sleeptime();

	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
		kern_timer_stop(&lwip_timer);
		return;
	}
	if (kern_timer_start(&lwip_timer, (now + ms) * NS_PER_MS, 0, fired,
			     NULL))
		net_diag("no kernel timer left for lwIP");
}

/* lwIP's work at the end of a pass: its due timeouts, then its next one.
 * lwIP's calls from here ask for this work again, which the loop ignores
 * while it runs: the timer is set last, after all of them. */
static void work(void *arg)
{
	struct net_if *nif;
	int prev = kern_prof_enter(KERN_PROF_NET);

	(void)arg;
	for (int i = 0; (nif = net_netif_get(i)); i++)
		net_netif_poll(nif); /* so lwIP's timers may retransmit */
	sys_check_timeouts();
	schedule();
	kern_prof_leave(prev);
}

void net_lwip_touched(void)
{
	kern_loop_defer(&lwip_work);
}
