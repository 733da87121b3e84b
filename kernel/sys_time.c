/* Time system calls: clock_gettime/getres, gettimeofday, time, nanosleep
 * and clock_nanosleep, on the kernel's clocks and event loop. */
#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include <kern/clock.h>
#include <kern/loop.h>

#include "sys.h"

#define NS 1000000000ULL

/* Nanoseconds on clock clk, or -EINVAL. */
static int64_t clock_now(long clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return (int64_t)kern_clock_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return (int64_t)kern_clock_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: /* time not spent halted */
		return (int64_t)(kern_clock_ns() - kern_loop_idle_ns());
	default:
		return -EINVAL;
	}
}

static void to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS);
	ts->tv_nsec = (long)(ns % NS);
}

long sys_clock_gettime(const long *a)
{
	int64_t ns = clock_now(a[0]);

	if (ns < 0)
		return ns;
	to_timespec((uint64_t)ns, (struct timespec *)a[1]);
	return 0;
}

long sys_clock_getres(const long *a)
{
	if (clock_now(a[0]) < 0)
		return -EINVAL;
	if (a[1])
		to_timespec(1, (struct timespec *)a[1]);
	return 0;
}

long sys_gettimeofday(const long *a)
{
	struct timeval *tv = (struct timeval *)a[0];
	uint64_t ns = kern_clock_realtime_ns();

	if (tv) {
		tv->tv_sec = (time_t)(ns / NS);
		tv->tv_usec = (suseconds_t)(ns % NS / 1000);
	}
	return 0;
}

long sys_time(const long *a)
{
	time_t t = (time_t)(kern_clock_realtime_ns() / NS);

	if (a[0])
		*(time_t *)a[0] = t;
	return (long)t;
}

/* Sleep until monotonic deadline; on a signal, -EINTR with the time left
 * in *rem (if given). */
static long sleep_until(uint64_t deadline, struct timespec *rem)
{
	int r = kern_loop_wait(0, 0, deadline, 1);
	uint64_t now;

	if (r != -EINTR)
		return 0;
	now = kern_clock_ns();
	if (rem)
		to_timespec(deadline > now ? deadline - now : 0, rem);
	return -EINTR;
}

/* Checked nanoseconds of ts, or -EINVAL. */
static int64_t timespec_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NS)
		return -EINVAL;
	if ((uint64_t)ts->tv_sec > INT64_MAX / NS - 1)
		return INT64_MAX;
	return (int64_t)((uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec);
}

long sys_nanosleep(const long *a)
{
	int64_t ns = timespec_ns((const struct timespec *)a[0]);

	if (ns < 0)
		return ns;
	return sleep_until(kern_clock_ns() + (uint64_t)ns,
			   (struct timespec *)a[1]);
}

long sys_clock_nanosleep(const long *a)
{
	int64_t ns = timespec_ns((const struct timespec *)a[2]);
	int64_t now = clock_now(a[0]);
	uint64_t mono = kern_clock_ns();

	if (now < 0 || a[0] == CLOCK_PROCESS_CPUTIME_ID ||
	    a[0] == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (ns < 0)
		return ns;
	if (!(a[1] & TIMER_ABSTIME))
		return sleep_until(mono + (uint64_t)ns,
				   (struct timespec *)a[3]);
	/* An absolute time on clock a[0], as a monotonic deadline. */
	return ns <= now ? 0 : sleep_until(mono + (uint64_t)(ns - now), 0);
}
