/* kernel/time: clocks and timers. The clock (clock.c: the TSC, the
 * wall clock; tsc.c its arithmetic), the timer service (this file, its
 * queue in timerq.c), the time calls and sleeps (sys_time.c), timerfd
 * (timerfd.c, its arithmetic in itimerspec.c), and the real-time
 * interval timer behind setitimer and alarm (itimer_real.c).
 *
 * The kernel's timer service (see kern/timer.h): one queue, the hardware
 * timer programmed for its earliest deadline only, service timers handed
 * to the service's own loop through a ready list. */
#include <stdint.h>

#include <arch/cpu.h>
#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/mm.h>
#include <kern/timer.h>

#define MAX_TIMERS 4096
#define MAX_AHEAD_NS 1000000000ULL /* longer waits wake and re-arm */

static struct kern_timerq queue;
static struct kern_timer *ready_head, **ready_tail = &ready_head;
static uint64_t programmed = UINT64_MAX;

void kern_timer_init(void)
{
	size_t pages = (MAX_TIMERS * sizeof(void *) + 4095) / 4096;

	kern_timerq_init(&queue, kern_mm_alloc(pages), MAX_TIMERS);
}

int kern_timer_start(struct kern_timer *t, uint64_t deadline, uint64_t period,
		     kern_timer_fn fn, void *arg)
{
	int err;

	kern_timer_stop(t);
	t->deadline = deadline;
	t->period = period;
	t->fn = fn;
	t->arg = arg;
	err = kern_timerq_add(&queue, t);
	if (err)
		return err;
	if (deadline < programmed || programmed <= kern_clock_ns())
		kern_timer_program(kern_timer_next());
	return 0;
}

/* Take t off the ready list if it waits there. */
static void unready(struct kern_timer *t)
{
	for (struct kern_timer **p = &ready_head; *p; p = &(*p)->next_ready)
		if (*p == t) {
			*p = t->next_ready;
			if (ready_tail == &t->next_ready)
				ready_tail = p;
			t->next_ready = 0;
			return;
		}
}

void kern_timer_stop(struct kern_timer *t)
{
	kern_timerq_remove(&queue, t);
	if (t->service)
		unready(t);
}

/* Re-queue periodic t after its deadline passed at now. */
static void rearm(struct kern_timer *t, uint64_t now)
{
	t->deadline += t->period;
	if (t->deadline <= now) /* skip periods that were missed */
		t->deadline = now + t->period - (now - t->deadline) % t->period;
	kern_timerq_add(&queue, t);
}

int kern_timer_run_due(void)
{
	uint64_t now = kern_clock_ns();
	size_t budget = queue.n; /* a timer restarted in the past waits */
	struct kern_timer *t;
	int n = 0;

	while (budget && (t = kern_timerq_pop_due(&queue, now))) {
		budget--;
		n++;
		if (t->service) {
			unready(t);
			*ready_tail = t;
			ready_tail = &t->next_ready;
		} else {
			if (t->period)
				rearm(t, now);
			t->fn(t, t->arg);
		}
	}
	programmed = UINT64_MAX;
	return n;
}

int kern_timer_run_service(void)
{
	uint64_t now = kern_clock_ns();
	int n = 0;

	while (ready_head) {
		struct kern_timer *t = ready_head;

		ready_head = t->next_ready;
		if (!ready_head)
			ready_tail = &ready_head;
		t->next_ready = 0;
		if (t->period)
			rearm(t, now);
		t->fn(t, t->arg);
		n++;
	}
	return n;
}

int kern_timer_ready(void)
{
	return ready_head != 0;
}

uint64_t kern_timer_next(void)
{
	struct kern_timer *t = kern_timerq_first(&queue);

	return t ? t->deadline : UINT64_MAX;
}

void kern_timer_program(uint64_t deadline)
{
	uint64_t now, hz = kern_clock_lapic_hz();

	programmed = deadline;
	if (deadline == UINT64_MAX) {
		arch_lapic_timer_oneshot(0);
		return;
	}
	if (arch_lapic_has_tsc_deadline()) {
		/* Relative to now, so kvmclock and the TSC cannot drift apart;
		 * at most a second ahead, so the sum cannot wrap. */
		uint64_t delta;

		now = kern_clock_ns();
		delta = deadline > now ? deadline - now : 0;
		if (delta > MAX_AHEAD_NS)
			delta = MAX_AHEAD_NS;
		arch_lapic_timer_deadline(
			arch_rdtsc() + kern_ns_to_tsc(kern_clock_tsc(), delta) -
			kern_clock_tsc()->tsc0);
		return;
	}
	now = kern_clock_ns();
	if (deadline <= now) {
		arch_lapic_timer_oneshot(1);
		return;
	}
	uint64_t ticks = (uint64_t)((unsigned __int128)(deadline - now) * hz /
				    1000000000ULL);
	arch_lapic_timer_oneshot(ticks > UINT32_MAX ? UINT32_MAX :
				 ticks		    ? (uint32_t)ticks :
						      1);
}
