/* Time system calls: clock_gettime/getres, gettimeofday, time, nanosleep
 * and clock_nanosleep, on the kernel's clocks and event loop. The
 * service's structures are copied in and out (kern/uaccess.h). */
#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include <kern/clock.h>
#include <kern/loop.h>
#include <kern/uaccess.h>

#include "core/sys.h"

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

/* ns as a timespec, copied out to the service's uts: 0 or -EFAULT. */
static long put_timespec(uint64_t ns, void *uts)
{
	struct timespec ts = { (time_t)(ns / NS), (long)(ns % NS) };

	return kern_copy_out(uts, &ts, sizeof(ts));
}

long sys_clock_gettime(const long *a)
{
	int64_t ns = clock_now(a[0]);

	if (ns < 0)
		return ns;
	return put_timespec((uint64_t)ns, (void *)a[1]);
}

long sys_clock_getres(const long *a)
{
	if (clock_now(a[0]) < 0)
		return -EINVAL;
	return a[1] ? put_timespec(1, (void *)a[1]) : 0;
}

long sys_gettimeofday(const long *a)
{
	uint64_t ns = kern_clock_realtime_ns();
	struct timeval tv = { (time_t)(ns / NS),
			      (suseconds_t)(ns % NS / 1000) };

	return a[0] ? kern_copy_out((void *)a[0], &tv, sizeof(tv)) : 0;
}

long sys_time(const long *a)
{
	time_t t = (time_t)(kern_clock_realtime_ns() / NS);

	if (a[0] && kern_copy_out((void *)a[0], &t, sizeof(t)))
		return -EFAULT;
	return (long)t;
}

/* Sleep until monotonic deadline; on a signal, -EINTR with the time left
 * in the service's *urem (if given; -EFAULT if that cannot be written). */
static long sleep_until(uint64_t deadline, void *urem)
{
	int r = kern_loop_wait(0, 0, deadline, 1);
	uint64_t now;

	if (r != -EINTR)
		return 0;
	now = kern_clock_ns();
	if (urem && put_timespec(deadline > now ? deadline - now : 0, urem))
		return -EFAULT;
	return -EINTR;
}

/* Checked nanoseconds of the service's timespec uts, or -EFAULT,
 * -EINVAL. */
static int64_t timespec_ns(const void *uts)
{
	struct timespec ts;

	if (kern_copy_in(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NS)
		return -EINVAL;
	if ((uint64_t)ts.tv_sec > INT64_MAX / NS - 1)
		return INT64_MAX;
	return (int64_t)((uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec);
}

long sys_nanosleep(const long *a)
{
	int64_t ns = timespec_ns((const void *)a[0]);

	if (ns < 0)
		return ns;
	return sleep_until(kern_clock_ns() + (uint64_t)ns, (void *)a[1]);
}

long sys_clock_nanosleep(const long *a)
{
	int64_t now = clock_now(a[0]), ns;
	uint64_t mono = kern_clock_ns();

	if (now < 0 || a[0] == CLOCK_PROCESS_CPUTIME_ID ||
	    a[0] == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	ns = timespec_ns((const void *)a[2]);
	if (ns < 0)
		return ns;
	if (!(a[1] & TIMER_ABSTIME))
		return sleep_until(mono + (uint64_t)ns, (void *)a[3]);
	/* An absolute time on clock a[0], as a monotonic deadline. */
	return ns <= now ? 0 : sleep_until(mono + (uint64_t)(ns - now), 0);
}
