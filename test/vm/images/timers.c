/* timers: time, timers, interrupts and signals inside libos, for the VM
 * tests and benchmarks. The first argument picks the check:
 *   sleep        nanosleep 10/50/200 ms each last at least that long
 *   overshoot N  N sleeps of 1 ms; prints median and max overshoot
 *   periodic     a periodic os_timer fires 20 times in order; one-shot
 *                timers fire in the order of the deadlines they really got
 *                (each known to lie between the clock read just before and
 *                just after os_timer_start), never early; a cancelled timer
 *                never fires
 *   monotonic    100k clock_gettime(MONOTONIC) calls never go back
 *   realtime     prints CLOCK_REALTIME (the test compares with the host)
 *   redzone      the red zone survives timer interrupts landing mid-loop
 *   echo         reads a line from the serial console and prints it
 *   sigterm      a SIGTERM handler runs when the power button is pressed
 *   race         20000 rounds of a timer a few us out, then os_loop_once:
 *                an interrupt between looking for work and halting must
 *                not be lost
 *   resethand    a SA_RESETHAND handler runs once, then the default
 *                action (ending the service with 128 + SIGUSR1)
 *   idle S       sleeps S seconds (the idle-cost benchmark)
 * Each prints "timers: ... ok" lines and exits 0, or exits 1. No check
 * assumes the vCPU runs without pause: the host may stall it for
 * milliseconds between (or inside) any two calls, while the clock goes on.
 */
#include <os/loop.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long redzone_spin(long rounds);

/* How late a timer or a sleep may end and still pass. Generous on
 * purpose: the host may take the vCPU away while the guest clock goes on
 * (CI runs two VMs on two cores; with load averages of 5 to 16 on two
 * cores, timers fired up to 10 ms and sleeps ended up to 37 ms late), so
 * this only catches a wake-up that was lost and came from something else,
 * such as a timer half a second off. */
#define LATE_NS 250000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000),
			       (long)(ns % 1000000000) };

	nanosleep(&ts, 0);
}

/* Each sleep lasts at least its request, and at most LATE_NS longer. */
static int check_sleep(void)
{
	static const int ms[] = { 10, 50, 200 };
	int ok = 1;

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		uint64_t t0 = now_ns(), took;

		sleep_ns(ms[i] * 1000000ULL);
		took = now_ns() - t0;
		printf("timers: sleep %d ms took %llu us\n", ms[i],
		       (unsigned long long)(took / 1000));
		if (took < ms[i] * 1000000ULL ||
		    took > ms[i] * 1000000ULL + LATE_NS)
			ok = 0;
	}
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int overshoot(int n)
{
	uint64_t *over = calloc((size_t)n, sizeof(*over));

	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		sleep_ns(1000000);
		over[i] = now_ns() - t0 - 1000000;
	}
	qsort(over, (size_t)n, sizeof(*over), cmp_u64);
	printf("timers: overshoot of %d sleeps of 1 ms: median %llu us, "
	       "90%% %llu us, max %llu us\n",
	       n, (unsigned long long)(over[n / 2] / 1000),
	       (unsigned long long)(over[n * 9 / 10] / 1000),
	       (unsigned long long)(over[n - 1] / 1000));
	return 1;
}

static int ticks;
static uint64_t last_tick;
static struct os_timer periodic;

static void on_tick(struct os_timer *t, void *arg)
{
	uint64_t now = os_clock_ns();

	(void)arg;
	if (now < last_tick)
		ticks = -1000;
	last_tick = now;
	if (++ticks == 20) {
		os_timer_stop(t);
		os_loop_stop();
	}
}

/* One timer of an ordering round. The kernel takes its deadline as its
 * clock at some moment inside os_timer_start plus the delay, so the
 * deadline lies in [lo, hi]: the clock read just before and just after
 * the call, plus the delay. The call itself can take milliseconds when
 * the host stalls the vCPU, so nothing assumes the starts are close. */
struct probe {
	struct os_timer t;
	uint64_t lo, hi, fired_at;
	int fired;
};

#define ROUND 3
static struct probe probes[ROUND], cancelled;
static struct probe *fire_seq[ROUND + 1];
static int nfired;

static void on_probe(struct os_timer *t, void *arg)
{
	struct probe *p = arg;

	(void)t;
	p->fired_at = os_clock_ns();
	p->fired++;
	if (nfired <= ROUND)
		fire_seq[nfired++] = p;
}

static void probe_start(struct probe *p, uint64_t delay)
{
	p->fired = 0;
	p->lo = os_clock_ns() + delay;
	os_timer_start(&p->t, delay, 0, on_probe, p);
	p->hi = os_clock_ns() + delay;
}

/* Run the loop until every probe fired (or is hopelessly late), then
 * until the cancelled probe would have been due, then once more. */
static void round_wait(void)
{
	uint64_t end = 0, now;

	for (int i = 0; i < ROUND; i++)
		if (probes[i].hi > end)
			end = probes[i].hi;
	end += LATE_NS;
	while (nfired < ROUND && (now = os_clock_ns()) < end)
		os_loop_once((int64_t)(end - now));
	while ((now = os_clock_ns()) < cancelled.hi)
		os_loop_once((int64_t)(cancelled.hi - now));
	os_loop_once(0); /* whatever became due meanwhile runs now */
}

static void probe_print(const char *what, const struct probe *p, uint64_t t0)
{
	printf("timers: %s: deadline in [%llu, %llu] us, fired %d times, "
	       "last at %llu us\n",
	       what, (unsigned long long)((p->lo - t0) / 1000),
	       (unsigned long long)((p->hi - t0) / 1000), p->fired,
	       p->fired ? (unsigned long long)((p->fired_at - t0) / 1000) :
			  0ULL);
}

/* What a failed round did: the timers in the order they fired, then any
 * that did not. */
static void round_print(uint64_t t0)
{
	for (int i = 0; i < nfired; i++)
		probe_print(fire_seq[i] == &cancelled ? "fired: cancelled" :
							"fired",
			    fire_seq[i], t0);
	for (int i = 0; i < ROUND; i++)
		if (!probes[i].fired)
			probe_print("never fired", &probes[i], t0);
}

/* Whether the fired timer p is right on its own: once, not before its
 * deadline, at most LATE_NS after it. The worst lateness goes to *worst. */
static int probe_ok(const struct probe *p, uint64_t *worst)
{
	if (p->fired_at > p->hi && p->fired_at - p->hi > *worst)
		*worst = p->fired_at - p->hi;
	return p->fired == 1 && p->fired_at >= p->lo &&
	       p->fired_at <= p->hi + LATE_NS;
}

/* Whether the timers fired in deadline order: each earlier one's deadline
 * may be the earlier (ties in any order). Pairs whose deadlines were
 * certainly apart, so that their order was checked and not merely
 * allowed, are added to *decided. */
static int fired_in_order(int *decided)
{
	int ok = 1;

	for (int i = 0; i < nfired; i++)
		for (int j = i + 1; j < nfired; j++) {
			ok &= fire_seq[i]->lo <= fire_seq[j]->hi;
			*decided += fire_seq[i]->hi < fire_seq[j]->lo;
		}
	return ok;
}

/* Spin for ns of the clock, as the host might stall the vCPU. */
static void stall(uint64_t ns)
{
	uint64_t end = os_clock_ns() + ns;

	while (os_clock_ns() < end)
		;
}

/* One round: timers 3, 1 and 2 ms ahead (started out of deadline order)
 * and one 1.5 ms ahead that is stopped at once. The three fire (see
 * probe_ok) in deadline order, the stopped one never. With stalled set,
 * a 4 ms stall after the first start puts it first: the order of the
 * deadlines, not of the delays, is what counts. */
static int order_round(int stalled, int *decided, uint64_t *worst)
{
	static const uint64_t delay_ms[ROUND] = { 3, 1, 2 };
	uint64_t t0 = os_clock_ns();
	int ok;

	nfired = 0;
	for (int i = 0; i < ROUND; i++) {
		probe_start(&probes[i], delay_ms[i] * 1000000);
		if (stalled && i == 0)
			stall(4000000);
	}
	probe_start(&cancelled, 1500000);
	os_timer_stop(&cancelled.t);
	round_wait();
	ok = nfired == ROUND && !cancelled.fired;
	for (int i = 0; ok && i < ROUND; i++)
		ok = probe_ok(fire_seq[i], worst);
	ok = ok && fired_in_order(decided);
	if (!ok)
		round_print(t0);
	return ok;
}

/* Rounds, every other one stalled, until 10 pairs of timers had deadlines
 * certainly apart (a stall by the host inside a start can leave a round's
 * deadlines too close to tell), at most 100, every one passing; at least
 * one pair decided. */
static int check_order(void)
{
	int rounds = 0, decided = 0, ok = 1;
	uint64_t worst = 0;

	while (ok && rounds < 100 && decided < 10) {
		ok = order_round(rounds % 2, &decided, &worst);
		rounds++;
	}
	printf("timers: order: %d rounds (every other stalled 4 ms after its "
	       "first start) %s; %d pairs ordered by deadlines certainly "
	       "apart; latest %llu us after its deadline\n",
	       rounds, ok ? "fired in deadline order" : "FAILED", decided,
	       (unsigned long long)(worst / 1000));
	return ok && decided > 0;
}

/* A periodic timer fires 20 times, never going back in time, and not
 * before 20 periods passed; then the timers ordering rounds. */
static int check_periodic(void)
{
	uint64_t t0 = os_clock_ns(), took;

	os_timer_start(&periodic, 5000000, 5000000, on_tick, 0);
	os_loop_run();
	took = os_clock_ns() - t0;
	printf("timers: periodic fired %d times in %llu ms\n", ticks,
	       (unsigned long long)(took / 1000000));
	return ticks == 20 && took >= 100000000 && check_order();
}

static int check_monotonic(void)
{
	uint64_t prev = now_ns();

	for (int i = 0; i < 100000; i++) {
		uint64_t t = now_ns();

		if (t < prev)
			return 0;
		prev = t;
	}
	return 1;
}

static void print_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	printf("timers: realtime %lld\n", (long long)ts.tv_sec);
}

static void on_nothing(struct os_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

static int check_redzone(void)
{
	uint64_t before = os_interrupts();
	long changed = 0;
	struct os_timer t;

	memset(&t, 0, sizeof(t));
	for (int round = 0; round < 200; round++) {
		os_timer_start(&t, 20000, 0, on_nothing, 0);
		changed += redzone_spin(20000);
	}
	os_timer_stop(&t);
	printf("timers: redzone: %llu interrupts during the loops, %ld words "
	       "changed\n",
	       (unsigned long long)(os_interrupts() - before), changed);
	return changed == 0 && os_interrupts() - before >= 100;
}

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = sig;
	printf("timers: SIGTERM handler ran\n");
}

static int wait_sigterm(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, 0);
	printf("timers: ready for the power button\n");
	fflush(stdout);
	while (!got_term)
		sleep_ns(10ULL * 1000000000);
	printf("timers: exiting after signal %d\n", (int)got_term);
	return 1;
}

static int echo(void)
{
	char line[128];

	printf("timers: type a line\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	printf("timers: echo: %s", line);
	return 1;
}

static int race_fired;

static void on_race(struct os_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	race_fired++;
}

static int check_race(void)
{
	struct os_timer t;

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < 20000; i++) {
		os_timer_start(&t, (uint64_t)(i % 64) * 100, 0, on_race, 0);
		while (os_loop_once(-1) == 0)
			;
	}
	printf("timers: race: %d timers fired\n", race_fired);
	return race_fired == 20000;
}

static int resets;

static void on_usr1(int sig)
{
	(void)sig;
	resets++;
	printf("timers: SIGUSR1 handler ran\n");
}

static int check_resethand(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR1, &sa, 0);
	raise(SIGUSR1);
	printf("timers: handler ran %d time(s); raising again\n", resets);
	fflush(stdout);
	raise(SIGUSR1); /* the default action now: the service ends */
	return 0;
}

static int report(const char *what, int ok)
{
	printf("timers: %s %s\n", what, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, 0, _IOLBF, 0);
	if (!strcmp(m, "sleep"))
		return report("sleep", check_sleep());
	if (!strcmp(m, "overshoot"))
		return report("overshoot",
			      overshoot(argc > 2 ? atoi(argv[2]) : 100));
	if (!strcmp(m, "periodic"))
		return report("periodic", check_periodic());
	if (!strcmp(m, "monotonic"))
		return report("monotonic", check_monotonic());
	if (!strcmp(m, "realtime")) {
		print_realtime();
		return 0;
	}
	if (!strcmp(m, "redzone"))
		return report("redzone", check_redzone());
	if (!strcmp(m, "echo"))
		return report("echo", echo());
	if (!strcmp(m, "sigterm"))
		return report("sigterm", wait_sigterm());
	if (!strcmp(m, "race"))
		return report("race", check_race());
	if (!strcmp(m, "resethand"))
		return report("resethand", check_resethand());
	if (!strcmp(m, "idle")) {
		printf("timers: idle\n");
		fflush(stdout);
		sleep_ns((argc > 2 ? atoi(argv[2]) : 10) * 1000000000ULL);
		return 0;
	}
	printf("timers: unknown mode '%s'\n", m);
	return 2;
}
