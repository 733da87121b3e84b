/* Delivering what TCP still holds when the service exits. exit() (or a
 * return from main) switches the VM off; what the service sent and
 * closed but TCP has not yet had acknowledged (segments unsent, or sent
 * and not acknowledged) would be lost, where Linux would still deliver
 * it after close(). So, at exit, the event loop runs until no
 * established or closing connection holds any such data or FIN, for as
 * long as the peers keep acknowledging: it gives up after DRAIN_STALL_NS
 * (2 s) in which nothing more was acknowledged, and after DRAIN_MAX_NS
 * (10 s) in all. With nothing queued (the usual case) exit is not
 * delayed. Only images with the network stack register this. */
#include <stdint.h>

#include <kern/clock.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/loop.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>

#include "net_internal.h"

#define DRAIN_STALL_NS 2000000000ULL
#define DRAIN_MAX_NS 10000000000ULL

/* Sequence space TCP still owes the peers of connections past the
 * handshake: data and FIN queued or unacknowledged. A connection still
 * opening carries none of the service's data and is not waited for. */
static uint64_t queued(int *conns)
{
	uint64_t sum = 0;

	*conns = 0;
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
		if (p->state < ESTABLISHED || (!p->unsent && !p->unacked))
			continue;
		sum += (uint32_t)(p->snd_lbb - p->lastack);
		++*conns;
	}
	return sum;
}

/* Whether TCP holds less than *arg now: the peers acknowledged some. */
static int less_queued(void *arg)
{
	int conns;

	return queued(&conns) < *(uint64_t *)arg;
}

/* At exit: run the loop while the peers take what is queued (see the
 * top of the file for the bounds). */
static void drain(void)
{
	int conns;
	uint64_t left = queued(&conns), end, deadline;

	if (!left)
		return;
	end = kern_clock_ns() + DRAIN_MAX_NS;
	while (left) {
		deadline = kern_clock_ns() + DRAIN_STALL_NS;
		if (kern_loop_wait(less_queued, &left,
				   deadline < end ? deadline : end, 0))
			break;
		left = queued(&conns);
	}
	if (left)
		kern_info("net: exit: %llu bytes not acknowledged on %d "
			  "connection(s); dropped",
			  (unsigned long long)left, conns);
}

void net_drain_at_exit(void)
{
	if (kern_atexit(drain))
		kern_error("net: no exit hook left: data queued at exit "
			   "may be lost");
}
