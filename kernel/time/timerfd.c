/* timerfd: a timer as a file, on the kernel's timer service. The kernel
 * timer is one-shot at the next expiration; its callback (run from the
 * event loop) counts the expirations, missed periods included (itimer.c),
 * re-arms it and notifies. read and gettime catch up first, so a service
 * that has not let the loop run still sees the right count. Absolute
 * CLOCK_REALTIME times become monotonic deadlines when set (the wall
 * clock never jumps here, so TFD_TIMER_CANCEL_ON_SET never cancels). */
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/timerfd.h>
#include <time.h>

#include <kern/clock.h>
#include <kern/file.h>
#include <kern/timer.h>
#include <kern/uaccess.h>
#include <kern/component.h>
#include <kern/syscall.h>

#include "fs/file_internal.h"
#include "time/itimerspec.h"
#include "mm/pool.h"
#include "core/sys.h"

#define NS 1000000000ULL

struct timerfd {
	struct kern_file *file;
	struct kern_timer timer;
	struct kern_itimer it;
	int clock;
};

static struct kern_pool pool = KERN_POOL(struct timerfd, KERN_FD_MAX);
static const struct kern_file_ops timerfd_ops;

/* Now on t's clock. */
static uint64_t clock_now(const struct timerfd *t)
{
	return t->clock == CLOCK_REALTIME ? kern_clock_realtime_ns() :
					    kern_clock_ns();
}

static void fire(struct kern_timer *kt, void *arg);

/* Count what is due and set the kernel timer for the next expiration;
 * returns the expirations added. */
static uint64_t sync_timer(struct timerfd *t)
{
	uint64_t n = kern_itimer_advance(&t->it, kern_clock_ns());

	if (!t->it.armed)
		kern_timer_stop(&t->timer);
	else if (n || !t->timer.slot)
		kern_timer_start(&t->timer, t->it.deadline, 0, fire, t);
	return n;
}

static void fire(struct kern_timer *kt, void *arg)
{
	struct timerfd *t = arg;

	(void)kt;
	if (sync_timer(t))
		kern_file_notify(t->file);
}

static ssize_t tfd_read(struct kern_file *f, void *buf, size_t n)
{
	struct timerfd *t = f->priv;
	uint64_t v;
	long r;

	if (n < sizeof(v))
		return -EINVAL;
	for (sync_timer(t); !t->it.ticks; sync_timer(t)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		r = kern_file_wait(f, POLLIN, -1);
		if (r < 0)
			return r;
	}
	v = t->it.ticks;
	if (kern_copy_safe(buf, &v, sizeof(v)))
		return -EFAULT; /* the expirations stay counted */
	kern_itimer_take(&t->it);
	return sizeof(v);
}

/* Readable when expirations wait, counted or merely due. */
static unsigned tfd_poll(struct kern_file *f)
{
	struct timerfd *t = f->priv;
	int due = t->it.armed && kern_clock_ns() >= t->it.deadline;

	return t->it.ticks || due ? POLLIN : 0;
}

static int tfd_stat(struct kern_file *f, struct stat *st)
{
	(void)f;
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	return 0;
}

static void tfd_release(struct kern_file *f)
{
	struct timerfd *t = f->priv;

	kern_timer_stop(&t->timer);
	kern_pool_put(&pool, t);
}

static const struct kern_file_ops timerfd_ops = {
	.name = "timerfd",
	.read = tfd_read,
	.poll = tfd_poll,
	.stat = tfd_stat,
	.release = tfd_release,
};

static int clock_ok(long clk)
{
	return clk == CLOCK_MONOTONIC || clk == CLOCK_REALTIME ||
	       clk == CLOCK_BOOTTIME || clk == CLOCK_REALTIME_ALARM ||
	       clk == CLOCK_BOOTTIME_ALARM;
}

long sys_timerfd_create(const long *a)
{
	int flags = (int)a[1];
	struct timerfd *t;
	int fd;

	if (!clock_ok(a[0]) || (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)))
		return -EINVAL;
	if (!(t = kern_pool_get(&pool)))
		return -ENFILE;
	t->clock = a[0] == CLOCK_REALTIME || a[0] == CLOCK_REALTIME_ALARM ?
			   CLOCK_REALTIME :
			   CLOCK_MONOTONIC; /* boot time: never suspended */
	t->file = kern_file_new(&timerfd_ops, t, O_RDWR | (flags & O_NONBLOCK));
	if (!t->file) {
		kern_pool_put(&pool, t);
		return -ENFILE;
	}
	fd = kern_fd_install(t->file, (flags & TFD_CLOEXEC) != 0);
	if (fd < 0)
		kern_file_put(t->file);
	return fd;
}

/* The timerfd behind fd, or NULL with *err set (-EBADF, -EINVAL). */
static struct timerfd *timerfd_of(long fd, long *err)
{
	struct kern_file *f = kern_fd_file((int)fd);

	*err = !f ? -EBADF : f->ops != &timerfd_ops ? -EINVAL : 0;
	return *err ? NULL : f->priv;
}

static void to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS);
	ts->tv_nsec = (long)(ns % NS);
}

/* The current setting of t, caught up first. */
static void get_setting(struct timerfd *t, struct itimerspec *cur)
{
	sync_timer(t);
	to_timespec(kern_itimer_remaining(&t->it, kern_clock_ns()),
		    &cur->it_value);
	to_timespec(t->it.armed ? t->it.interval : 0, &cur->it_interval);
}

/* Arm or disarm t as its new setting says. 0 or -ENOMEM. */
static long apply(struct timerfd *t, const struct itimerspec *new, int abs)
{
	uint64_t value = kern_file_timespec_ns(&new->it_value);
	uint64_t interval = kern_file_timespec_ns(&new->it_interval);
	uint64_t deadline;

	kern_timer_stop(&t->timer);
	if (!value) {
		kern_itimer_disarm(&t->it);
		return 0;
	}
	deadline =
		kern_itimer_deadline(value, abs, clock_now(t), kern_clock_ns());
	kern_itimer_arm(&t->it, deadline, interval);
	if (kern_timer_start(&t->timer, t->it.deadline, 0, fire, t)) {
		kern_itimer_disarm(&t->it);
		return -ENOMEM;
	}
	return 0;
}

long sys_timerfd_settime(const long *a)
{
	struct itimerspec new, old;
	void *uold = (void *)a[3];
	long err;
	struct timerfd *t = timerfd_of(a[0], &err);

	if (!t)
		return err;
	if (kern_copy_in(&new, (const void *)a[2], sizeof(new)) ||
	    (uold && kern_user_check(uold, sizeof(old), KERN_UWRITE)))
		return -EFAULT;
	if ((a[1] & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    kern_file_timespec_ns(&new.it_value) < 0 ||
	    kern_file_timespec_ns(&new.it_interval) < 0)
		return -EINVAL;
	if (uold)
		get_setting(t, &old);
	err = apply(t, &new, (a[1] & TFD_TIMER_ABSTIME) != 0);
	kern_file_notify(t->file); /* readiness may have gone */
	if (uold && kern_copy_out(uold, &old, sizeof(old)))
		return -EFAULT;
	return err;
}

long sys_timerfd_gettime(const long *a)
{
	struct itimerspec cur;
	long err;
	struct timerfd *t = timerfd_of(a[0], &err);

	if (!t)
		return err;
	get_setting(t, &cur);
	return kern_copy_out((void *)a[1], &cur, sizeof(cur));
}

/* An optional part of the image: in it when the service uses timerfd
 * (cmake/OsParts.cmake). */
static const struct kern_syscall_entry timerfd_calls[] = {
	{ SYS_timerfd_create, sys_timerfd_create },
	{ SYS_timerfd_settime, sys_timerfd_settime },
	{ SYS_timerfd_gettime, sys_timerfd_gettime },
};

KERN_SYSCALL_COMPONENT(timerfd, timerfd_calls);
