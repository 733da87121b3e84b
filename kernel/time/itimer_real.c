/* The service's real-time interval timer (ITIMER_REAL): setitimer and
 * getitimer (musl's alarm() is built on them), raising SIGALRM from the
 * kernel's timer service. Like every signal here it is delivered when the
 * service next calls into the kernel (kernel/proc/signal.h). ITIMER_VIRTUAL and
 * ITIMER_PROF would count the process's CPU time, which this kernel does
 * not account per timer: they fail with EINVAL. */
#include <sys/syscall.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>

#include <kern/clock.h>
#include "proc/signal.h"
#include <kern/timer.h>
#include <kern/uaccess.h>
#include <kern/component.h>
#include <kern/syscall.h>

#include "time/itimerspec.h"
#include "core/sys.h"

#define NS_PER_US 1000ULL
#define US_PER_S 1000000ULL

static struct kern_timer timer;
static struct kern_itimer real;

/* Raise SIGALRM for expirations due and set the kernel timer for the
 * next one (overruns merge into one pending signal, as on Linux). */
static void fire(struct kern_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (kern_itimer_advance(&real, kern_clock_ns()))
		kern_signal_raise(SIGALRM);
	kern_itimer_take(&real);
	if (real.armed &&
	    kern_timer_start(&timer, real.deadline, 0, fire, NULL))
		kern_itimer_disarm(&real); /* no room in the timer queue */
}

/* A timeval to ns (saturating), or -EINVAL when out of range. */
static int tv_ns(const struct timeval *tv, uint64_t *ns)
{
	uint64_t s = (uint64_t)tv->tv_sec;

	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*ns = s > UINT64_MAX / (US_PER_S * NS_PER_US) - 1 ?
		      UINT64_MAX :
		      (s * US_PER_S + (uint64_t)tv->tv_usec) * NS_PER_US;
	return 0;
}

/* ns to a timeval, rounded up to a whole microsecond. */
static void ns_tv(uint64_t ns, struct timeval *tv)
{
	uint64_t us = ns / NS_PER_US + (ns % NS_PER_US != 0);

	tv->tv_sec = (time_t)(us / US_PER_S);
	tv->tv_usec = (suseconds_t)(us % US_PER_S);
}

/* The current setting; an armed timer that is due shows 1 us left. */
static void current(struct itimerval *v)
{
	uint64_t left = kern_itimer_remaining(&real, kern_clock_ns());

	ns_tv(real.armed && !left ? NS_PER_US : left, &v->it_value);
	ns_tv(real.armed ? real.interval : 0, &v->it_interval);
}

long sys_getitimer(const long *a)
{
	struct itimerval v;

	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	current(&v);
	return kern_copy_out((void *)a[1], &v, sizeof(v));
}

long sys_setitimer(const long *a)
{
	const void *unv = (const void *)a[1];
	void *uold = (void *)a[2];
	struct itimerval nv, old;
	uint64_t value = 0, interval = 0, now = kern_clock_ns();
	int err;

	if (a[0] != ITIMER_REAL)
		return -EINVAL;
	if (unv && kern_copy_in(&nv, unv, sizeof(nv)))
		return -EFAULT;
	if (unv && ((err = tv_ns(&nv.it_value, &value)) ||
		    (err = tv_ns(&nv.it_interval, &interval))))
		return err;
	if (uold) {
		current(&old);
		if (kern_copy_out(uold, &old, sizeof(old)))
			return -EFAULT;
	}
	if (!value) { /* a NULL new value disarms, as Linux does */
		kern_itimer_disarm(&real);
		kern_timer_stop(&timer);
		return 0;
	}
	kern_itimer_arm(&real,
			value > UINT64_MAX - now ? UINT64_MAX : now + value,
			interval);
	if (kern_timer_start(&timer, real.deadline, 0, fire, NULL)) {
		kern_itimer_disarm(&real); /* no room in the timer queue */
		return -EAGAIN;
	}
	return 0;
}

/* An optional part of the image: in it when the service uses itimer
 * (cmake/OsParts.cmake). */
static const struct kern_syscall_entry itimer_calls[] = {
	{ SYS_getitimer, sys_getitimer },
	{ SYS_setitimer, sys_setitimer },
};

KERN_SYSCALL_COMPONENT(itimer, itimer_calls);
