/* timers: time, timers, interrupts and signals inside libos, for the VM
 * tests and benchmarks. The first argument picks the check:
 *   sleep        nanosleep 10/50/200 ms each last at least that long
 *   overshoot N  N sleeps of 1 ms; prints median and max overshoot
 *   periodic     a periodic os_timer fires N times in order; timers fire in
 *                deadline order; a cancelled timer never fires
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
 * Each prints "timers: ... ok" lines and exits 0, or exits 1. */
#include <os/loop.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

long redzone_spin(long rounds);

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

/* Each sleep lasts at least its request and at most request + 50 ms, a
 * bound that holds under TCG on a loaded 2-core host. */
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
		    took > (ms[i] + 50) * 1000000ULL)
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

static int fired[8], nfired, ticks;
static uint64_t last_tick;
static struct os_timer periodic, order[3], cancelled;

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

static void on_order(struct os_timer *t, void *arg)
{
	(void)t;
	fired[nfired++] = (int)(intptr_t)arg;
}

static int check_periodic(void)
{
	uint64_t t0 = os_clock_ns();

	/* started out of order: they must fire by deadline */
	os_timer_start(&order[0], 3000000, 0, on_order, (void *)2);
	os_timer_start(&order[1], 1000000, 0, on_order, (void *)0);
	os_timer_start(&order[2], 2000000, 0, on_order, (void *)1);
	os_timer_start(&cancelled, 1500000, 0, on_order, (void *)9);
	os_timer_stop(&cancelled);
	os_timer_start(&periodic, 5000000, 5000000, on_tick, 0);
	os_loop_run();
	printf("timers: periodic fired %d times in %llu ms; order %d %d %d "
	       "(%d fired)\n",
	       ticks, (unsigned long long)((os_clock_ns() - t0) / 1000000),
	       fired[0], fired[1], fired[2], nfired);
	return ticks == 20 && nfired == 3 && fired[0] == 0 && fired[1] == 1 &&
	       fired[2] == 2 && os_clock_ns() - t0 >= 100000000;
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
