/* lwIP's clock and timers on the kernel's timer service, tickless: after
 * each sys_check_timeouts() one kernel timer is set for lwIP's next
 * timeout (sys_timeouts_sleeptime()), nothing in between. Whenever lwIP's
 * state changes (a frame arrived, a raw-API call: lwIP asserts "core
 * locked" on every entry, see lwipopts.h) a second timer, due at once,
 * makes the next pass of the event loop run the due timeouts, recompute
 * the next one and flush the frames queued while receiving, so a burst of
 * received frames is answered with one notification of the device. */
#include <stdint.h>

#include <kern/clock.h>
#include <kern/entropy.h>
#include <kern/timer.h>
#include <lwip/sys.h>
#include <lwip/timeouts.h>

#include "net_internal.h"

#define NS_PER_MS 1000000ULL

static struct kern_timer lwip_timer, kick_timer;
static int in_pass;

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

static void pass(struct kern_timer *t, void *arg);

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
	if (kern_timer_start(&lwip_timer, (now + ms) * NS_PER_MS, 0, pass,
			     NULL))
		net_diag("no kernel timer left for lwIP");
}

/* One pass: lwIP's due timeouts, interface upkeep, frames out. */
static void pass(struct kern_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	in_pass = 1;
	sys_check_timeouts();
	net_netif_upkeep();
	net_netif_flush();
	schedule();
	in_pass = 0;
}

void net_lwip_touched(void)
{
	if (in_pass || kick_timer.slot)
		return;
	if (kern_timer_start(&kick_timer, 0, 0, pass, NULL))
		net_diag("no kernel timer left for lwIP");
}
