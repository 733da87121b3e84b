/* kernel/fs: files. Open files and descriptors (this file, fdtable.c),
 * the calls on them (sys_io.c), the console as a file (console_file.c),
 * the synthetic /etc files (synthfs.c), and the event files and waits:
 * poll/select (poll.c), epoll (epoll.c, epready.c), eventfd (eventfd.c).
 * Other rooms and layers make files of their own through kern/file.h
 * (time's timerfd, net/'s sockets).
 *
 * Open files and the descriptor table (see kern/file.h): files come from
 * a pool, carry their watchers (epoll items), and go when their last
 * reference does; waiting for readiness runs the event loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <kern/exit.h>
#include <kern/clock.h>
#include <kern/file.h>
#include <kern/loop.h>
#include <kern/mm.h>
#include "proc/signal.h"
#include <kern/uaccess.h>

#include "fs/file_internal.h"
#include "mm/pool.h"

#define MAX_FILES (2 * KERN_FD_MAX)
#define NS 1000000000LL

/* An open file with the kernel's bookkeeping around it. */
struct file_obj {
	struct kern_file f; /* first: a kern_file is a file_obj */
	struct kern_file_watch *watchers;
	uint64_t ino;
	int polled;
};

static struct kern_pool files = KERN_POOL(struct file_obj, MAX_FILES);
static struct kern_fdtable fdt;
static uint64_t next_ino = 1;

static struct file_obj *obj(struct kern_file *f)
{
	return (struct file_obj *)f;
}

struct kern_file *kern_file_new(const struct kern_file_ops *ops, void *priv,
				int flags)
{
	struct file_obj *o = kern_pool_get(&files);

	if (!o)
		return NULL;
	o->f.ops = ops;
	o->f.priv = priv;
	o->f.flags = flags & ~O_CLOEXEC;
	o->f.refs = 1;
	o->ino = next_ino++;
	return &o->f;
}

void kern_file_get(struct kern_file *f)
{
	f->refs++;
}

/* The last reference went: leave every epoll set, then free. */
static void release(struct kern_file *f)
{
	struct kern_file_watch *w;

	while ((w = obj(f)->watchers)) {
		kern_file_unwatch(w);
		w->gone(w);
	}
	if (f->ops->release)
		f->ops->release(f);
	kern_pool_put(&files, obj(f));
}

void kern_file_put(struct kern_file *f)
{
	if (--f->refs == 0)
		release(f);
}

void kern_file_notify(struct kern_file *f)
{
	f->events++;
	for (struct kern_file_watch *w = obj(f)->watchers; w; w = w->next)
		w->notify(w);
}

void kern_file_watch(struct kern_file *f, struct kern_file_watch *w)
{
	struct file_obj *o = obj(f);

	w->next = o->watchers;
	if (w->next)
		w->next->pprev = &w->next;
	w->pprev = &o->watchers;
	o->watchers = w;
}

void kern_file_unwatch(struct kern_file_watch *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->next = NULL;
	w->pprev = NULL;
}

struct kern_file_watch *kern_file_watchers(struct kern_file *f)
{
	return obj(f)->watchers;
}

void kern_file_set_polled(struct kern_file *f)
{
	obj(f)->polled = 1;
}

int kern_file_polled(struct kern_file *f)
{
	return obj(f)->polled;
}

unsigned kern_file_poll(struct kern_file *f)
{
	unsigned m = f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT;

	if (m & POLLIN)
		m |= POLLRDNORM;
	if (m & POLLOUT)
		m |= POLLWRNORM;
	return m;
}

int kern_file_stat(struct kern_file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 1);
	st->st_ino = obj(f)->ino;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_mode = S_IFCHR | 0600;
	return f->ops->stat ? f->ops->stat(f, st) : 0;
}

uint64_t kern_file_deadline(int64_t timeout_ns)
{
	uint64_t now = kern_clock_ns();

	if (timeout_ns < 0)
		return KERN_LOOP_FOREVER;
	if ((uint64_t)timeout_ns >= KERN_LOOP_FOREVER - now)
		return KERN_LOOP_FOREVER - 1;
	return now + (uint64_t)timeout_ns;
}

int64_t kern_file_timespec_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= NS)
		return -EINVAL;
	if (ts->tv_sec > INT64_MAX / NS - 1)
		return INT64_MAX;
	return ts->tv_sec * NS + ts->tv_nsec;
}

int kern_file_sigmask_begin(const uint64_t *mask, size_t size, uint64_t *saved)
{
	uint64_t m;

	if (!mask)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	if (kern_copy_in(&m, mask, sizeof(m)))
		return -EFAULT;
	*saved = kern_signal_setmask(m);
	return 0;
}

long kern_file_sigmask_end(long r, const uint64_t *mask, uint64_t saved)
{
	if (!mask)
		return r;
	if (r == -EINTR)
		kern_signal_deliver(); /* the handler runs under *mask */
	kern_signal_setmask(saved);
	return r;
}

/* Loop condition of kern_file_wait. */
struct wait {
	struct kern_file *f;
	unsigned events, got;
};

static int file_ready(void *arg)
{
	struct wait *w = arg;

	w->got = kern_file_poll(w->f) & (w->events | POLLERR | POLLHUP);
	return w->got != 0;
}

long kern_file_wait(struct kern_file *f, unsigned events, int64_t timeout_ns)
{
	struct wait w = { .f = f, .events = events };
	int r = kern_loop_wait(file_ready, &w, kern_file_deadline(timeout_ns),
			       1);

	if (r == 0)
		return w.got;
	return r == -ETIMEDOUT ? 0 : r;
}

int kern_fd_install(struct kern_file *f, int cloexec)
{
	if (!fdt.max)
		return -EMFILE;
	return kern_fdtable_alloc(&fdt, 0, f, cloexec);
}

struct kern_file *kern_fd_file(int fd)
{
	return kern_fdtable_get(&fdt, fd);
}

struct kern_fdtable *kern_fd_table(void)
{
	return &fdt;
}

void kern_file_init(void)
{
	size_t bytes = KERN_FD_MAX * sizeof(struct kern_file *);
	struct kern_file *con = kern_console_file();

	if (!con)
		kern_panic("no memory for the console's file");
	kern_fdtable_init(&fdt, kern_mm_alloc((bytes + 4095) / 4096),
			  KERN_FD_MAX);
	for (int fd = 0; fd < 3; fd++) {
		if (fd)
			kern_file_get(con);
		kern_fd_install(con, 0);
	}
}
