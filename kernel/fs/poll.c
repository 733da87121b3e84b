/* poll, ppoll, select and pselect6 over any kind of file: each copies
 * the service's descriptor sets in, looks at every descriptor's readiness
 * (ops->poll) from the event loop until one is ready, the timeout passes
 * or a signal arrives, and copies the results out. */
#include <sys/syscall.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include <kern/clock.h>
#include <kern/file.h>
#include <kern/loop.h>
#include <kern/uaccess.h>
#include <kern/component.h>
#include <kern/syscall.h>

#include "fs/file_internal.h"
#include "core/sys.h"

#define MS 1000000LL
#define US 1000LL
#define WORDS(n) (((n) + 63) / 64)

/* Always reported by poll, whatever was asked for. */
#define ALWAYS (POLLERR | POLLHUP | POLLNVAL)
/* What counts as ready for select's read, write and except sets. */
static const unsigned select_mask[3] = {
	POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR,
	POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR,
	POLLPRI,
};

struct pollset {
	struct pollfd *fds;
	unsigned long n;
	long count;
};

/* Loop condition: fill every revents; true when any is not 0. */
static int poll_scan(void *arg)
{
	struct pollset *ps = arg;

	ps->count = 0;
	for (unsigned long i = 0; i < ps->n; i++) {
		struct pollfd *p = &ps->fds[i];
		struct kern_file *f = p->fd < 0 ? NULL : kern_fd_file(p->fd);

		if (p->fd < 0)
			p->revents = 0;
		else if (!f)
			p->revents = POLLNVAL;
		else
			p->revents =
				(short)(kern_file_poll(f) &
					((unsigned short)p->events | ALWAYS));
		ps->count += p->revents != 0;
	}
	return ps->count != 0;
}

/* Run cond(arg) in the loop until deadline: 0 (it held), -ETIMEDOUT or
 * -EINTR. */
static int wait_for(int (*cond)(void *), void *arg, uint64_t deadline)
{
	return kern_loop_wait(cond, arg, deadline, 1);
}

/* poll on the service's n pollfds at ufds, through a kernel copy. */
static long do_poll(struct pollfd *ufds, unsigned long n, uint64_t deadline)
{
	static struct pollfd fds[KERN_FD_MAX]; /* one core, one call */
	struct pollset ps = { fds, n, 0 };
	size_t bytes = n * sizeof(*fds);
	int r;

	if (n > KERN_FD_MAX)
		return -EINVAL;
	if (kern_user_check(ufds, bytes, KERN_UREAD | KERN_UWRITE) ||
	    kern_copy_in(fds, ufds, bytes))
		return -EFAULT;
	r = wait_for(poll_scan, &ps, deadline);
	if (kern_copy_out(ufds, fds, bytes))
		return -EFAULT;
	return r == -EINTR ? -EINTR : ps.count;
}

long sys_poll(const long *a)
{
	int ms = (int)a[2];

	return do_poll((struct pollfd *)a[0], (unsigned long)a[1],
		       kern_file_deadline(ms < 0 ? -1 : ms * MS));
}

/* The deadline of the service's optional timespec timeout uts (a copy in
 * *ts), or -EFAULT, -EINVAL. */
static int64_t ts_deadline(const struct timespec *uts, struct timespec *ts,
			   uint64_t *deadline)
{
	int64_t ns = -1;

	if (uts && kern_copy_in(ts, uts, sizeof(*ts)))
		return -EFAULT;
	if (uts && (ns = kern_file_timespec_ns(ts)) < 0)
		return ns;
	*deadline = kern_file_deadline(ns);
	return 0;
}

/* Write the time left before deadline back into the service's uts, as
 * Linux does (and, as Linux, not minding if that fails). */
static void ts_left(struct timespec *uts, uint64_t deadline)
{
	uint64_t now = kern_clock_ns(), left;
	struct timespec ts;

	if (!uts)
		return;
	left = deadline > now ? deadline - now : 0;
	ts.tv_sec = (time_t)(left / 1000000000);
	ts.tv_nsec = (long)(left % 1000000000);
	kern_copy_out(uts, &ts, sizeof(ts));
}

long sys_ppoll(const long *a)
{
	struct timespec *uts = (struct timespec *)a[2], ts;
	const uint64_t *mask = (const uint64_t *)a[3];
	uint64_t deadline, saved = 0;
	long r = ts_deadline(uts, &ts, &deadline);

	if (!r)
		r = kern_file_sigmask_begin(mask, (size_t)a[4], &saved);
	if (r)
		return r;
	r = do_poll((struct pollfd *)a[0], (unsigned long)a[1], deadline);
	ts_left(uts, deadline);
	return kern_file_sigmask_end(r, mask, saved);
}

struct selset {
	int n;
	uint64_t *in[3]; /* the caller's sets, copied (NULL: none) */
	uint64_t copy[3][WORDS(KERN_FD_MAX)];
	uint64_t out[3][WORDS(KERN_FD_MAX)];
	long count;
	int bad;
};

/* The bits of set s for the 64 descriptors of word w. */
static uint64_t in_word(const struct selset *ss, int s, int w)
{
	uint64_t v = ss->in[s] ? ss->in[s][w] : 0;
	int rest = ss->n - w * 64;

	return rest >= 64 ? v : v & ((1ULL << rest) - 1);
}

/* Look at descriptor fd, asked for in the sets whose bits are in want
 * (bit s for set s); record what is ready. */
static void select_one(struct selset *ss, int fd, unsigned want)
{
	struct kern_file *f = kern_fd_file(fd);
	unsigned ready;

	if (!f) {
		ss->bad = 1;
		return;
	}
	ready = kern_file_poll(f);
	for (int s = 0; s < 3; s++)
		if ((want & (1u << s)) && (ready & select_mask[s])) {
			ss->out[s][fd / 64] |= 1ULL << (fd % 64);
			ss->count++;
		}
}

/* Loop condition: fill the result sets; true when any bit is set or a
 * descriptor is not open. */
static int select_scan(void *arg)
{
	struct selset *ss = arg;

	ss->count = 0;
	memset(ss->out, 0, sizeof(ss->out));
	for (int w = 0; w < WORDS(ss->n) && !ss->bad; w++) {
		uint64_t bits[3], any;

		for (int s = 0; s < 3; s++)
			bits[s] = in_word(ss, s, w);
		for (any = bits[0] | bits[1] | bits[2]; any; any &= any - 1) {
			int b = __builtin_ctzll(any);
			unsigned want = 0;

			for (int s = 0; s < 3; s++)
				want |= ((bits[s] >> b) & 1) << s;
			select_one(ss, w * 64 + b, want);
		}
	}
	return ss->count || ss->bad;
}

/* Copy the service's sets in: 0 or -EFAULT. Each must be readable and
 * writable (the results go over it). */
static int select_in(struct selset *ss, fd_set **sets)
{
	size_t bytes = WORDS(ss->n) * 8;

	for (int s = 0; s < 3; s++) {
		if (!sets[s])
			continue;
		if (kern_user_check(sets[s], bytes, KERN_UREAD | KERN_UWRITE) ||
		    kern_copy_in(ss->copy[s], sets[s], bytes))
			return -EFAULT;
		ss->in[s] = ss->copy[s];
	}
	return 0;
}

/* Copy the results over the service's sets: 0 or -EFAULT. */
static int select_out(const struct selset *ss, fd_set **sets)
{
	for (int s = 0; s < 3; s++)
		if (sets[s] &&
		    kern_copy_out(sets[s], ss->out[s], WORDS(ss->n) * 8))
			return -EFAULT;
	return 0;
}

static long do_select(int n, fd_set **sets, uint64_t deadline)
{
	static struct selset ss; /* too big for the stack; one core */
	int r;

	if (n < 0)
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	ss.n = n > KERN_FD_MAX ? KERN_FD_MAX : n;
	if (select_in(&ss, sets))
		return -EFAULT;
	r = wait_for(select_scan, &ss, deadline);
	if (ss.bad)
		return -EBADF;
	if (r == -EINTR)
		return -EINTR;
	return select_out(&ss, sets) ? -EFAULT : ss.count;
}

/* The deadline of select's timeval tv, or -EINVAL. */
static long tv_deadline(const struct timeval *tv, uint64_t *deadline)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*deadline = kern_file_deadline(tv->tv_sec > INT64_MAX / 1000000000 - 1 ?
					       INT64_MAX :
					       tv->tv_sec * 1000000000 +
						       tv->tv_usec * US);
	return 0;
}

long sys_select(const long *a)
{
	fd_set *sets[3] = { (fd_set *)a[1], (fd_set *)a[2], (fd_set *)a[3] };
	struct timeval *utv = (struct timeval *)a[4], tv;
	uint64_t deadline = KERN_LOOP_FOREVER, now, left;
	long r;

	if (utv && kern_copy_in(&tv, utv, sizeof(tv)))
		return -EFAULT;
	if (utv && (r = tv_deadline(&tv, &deadline)))
		return r;
	r = do_select((int)a[0], sets, deadline);
	if (utv) { /* the time left, as Linux writes it (failing quietly) */
		now = kern_clock_ns();
		left = deadline > now ? deadline - now : 0;
		tv.tv_sec = (time_t)(left / 1000000000);
		tv.tv_usec = (suseconds_t)(left % 1000000000 / US);
		kern_copy_out(utv, &tv, sizeof(tv));
	}
	return r;
}

/* pselect6's sixth argument. */
struct sigmask_arg {
	const uint64_t *mask;
	size_t size;
};

long sys_pselect6(const long *a)
{
	fd_set *sets[3] = { (fd_set *)a[1], (fd_set *)a[2], (fd_set *)a[3] };
	struct timespec *uts = (struct timespec *)a[4], ts;
	struct sigmask_arg sa = { NULL, 0 };
	uint64_t deadline, saved = 0;
	long r = ts_deadline(uts, &ts, &deadline);

	if (!r && a[5] && kern_copy_in(&sa, (const void *)a[5], sizeof(sa)))
		r = -EFAULT;
	if (!r)
		r = kern_file_sigmask_begin(sa.mask, sa.size, &saved);
	if (r)
		return r;
	r = do_select((int)a[0], sets, deadline);
	ts_left(uts, deadline);
	return kern_file_sigmask_end(r, sa.mask, saved);
}

/* An optional part of the image: in it when the service uses poll
 * (cmake/OsParts.cmake). */
static const struct kern_syscall_entry poll_calls[] = {
	{ SYS_poll, sys_poll },
	{ SYS_ppoll, sys_ppoll },
	{ SYS_select, sys_select },
	{ SYS_pselect6, sys_pselect6 },
};

KERN_SYSCALL_COMPONENT(poll, poll_calls);
