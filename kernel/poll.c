/* poll, ppoll, select and pselect6 over any kind of file: each looks at
 * every descriptor's readiness (ops->poll) from the event loop until one
 * is ready, the timeout passes or a signal arrives. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>

#include <kern/clock.h>
#include <kern/file.h>
#include <kern/loop.h>

#include "file_internal.h"
#include "sys.h"

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

static long do_poll(struct pollfd *fds, unsigned long n, uint64_t deadline)
{
	struct pollset ps = { fds, n, 0 };
	int r;

	if (n > KERN_FD_MAX)
		return -EINVAL;
	r = wait_for(poll_scan, &ps, deadline);
	return r == -EINTR ? -EINTR : ps.count;
}

long sys_poll(const long *a)
{
	int ms = (int)a[2];

	return do_poll((struct pollfd *)a[0], (unsigned long)a[1],
		       kern_file_deadline(ms < 0 ? -1 : ms * MS));
}

/* The deadline of an optional timespec timeout, or -EINVAL. */
static int64_t ts_deadline(const struct timespec *ts, uint64_t *deadline)
{
	int64_t ns = ts ? kern_file_timespec_ns(ts) : -1;

	if (ts && ns < 0)
		return ns;
	*deadline = kern_file_deadline(ns);
	return 0;
}

/* Write the time left before deadline back into ts (Linux does). */
static void ts_left(struct timespec *ts, uint64_t deadline)
{
	uint64_t now = kern_clock_ns(), left;

	if (!ts)
		return;
	left = deadline > now ? deadline - now : 0;
	ts->tv_sec = (time_t)(left / 1000000000);
	ts->tv_nsec = (long)(left % 1000000000);
}

long sys_ppoll(const long *a)
{
	struct timespec *ts = (struct timespec *)a[2];
	const uint64_t *mask = (const uint64_t *)a[3];
	uint64_t deadline, saved = 0;
	long r = ts_deadline(ts, &deadline);

	if (!r)
		r = kern_file_sigmask_begin(mask, (size_t)a[4], &saved);
	if (r)
		return r;
	r = do_poll((struct pollfd *)a[0], (unsigned long)a[1], deadline);
	ts_left(ts, deadline);
	return kern_file_sigmask_end(r, mask, saved);
}

struct selset {
	int n;
	uint64_t *in[3]; /* the caller's sets (NULL: none) */
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

/* Copy the results over the caller's sets. */
static void select_out(const struct selset *ss)
{
	for (int s = 0; s < 3; s++)
		if (ss->in[s])
			memcpy(ss->in[s], ss->out[s], WORDS(ss->n) * 8);
}

static long do_select(int n, fd_set **sets, uint64_t deadline)
{
	static struct selset ss; /* too big for the stack; one core */
	int r;

	if (n < 0)
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	ss.n = n > KERN_FD_MAX ? KERN_FD_MAX : n;
	for (int s = 0; s < 3; s++)
		ss.in[s] = (uint64_t *)sets[s];
	r = wait_for(select_scan, &ss, deadline);
	if (ss.bad)
		return -EBADF;
	if (r == -EINTR)
		return -EINTR;
	select_out(&ss);
	return ss.count;
}

long sys_select(const long *a)
{
	fd_set *sets[3] = { (fd_set *)a[1], (fd_set *)a[2], (fd_set *)a[3] };
	struct timeval *tv = (struct timeval *)a[4];
	uint64_t deadline = KERN_LOOP_FOREVER, now, left;
	long r;

	if (tv) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return -EINVAL;
		deadline = kern_file_deadline(
			tv->tv_sec > INT64_MAX / 1000000000 - 1 ?
				INT64_MAX :
				tv->tv_sec * 1000000000 + tv->tv_usec * US);
	}
	r = do_select((int)a[0], sets, deadline);
	if (tv) {
		now = kern_clock_ns();
		left = deadline > now ? deadline - now : 0;
		tv->tv_sec = (time_t)(left / 1000000000);
		tv->tv_usec = (suseconds_t)(left % 1000000000 / US);
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
	struct timespec *ts = (struct timespec *)a[4];
	const struct sigmask_arg *sa = (const struct sigmask_arg *)a[5];
	const uint64_t *mask = sa ? sa->mask : NULL;
	uint64_t deadline, saved = 0;
	long r = ts_deadline(ts, &deadline);

	if (!r)
		r = kern_file_sigmask_begin(mask, sa ? sa->size : 0, &saved);
	if (r)
		return r;
	r = do_select((int)a[0], sets, deadline);
	ts_left(ts, deadline);
	return kern_file_sigmask_end(r, mask, saved);
}
