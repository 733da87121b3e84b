/* epoll: a set of watched files, itself a file. Each item watches its
 * file (kern_file_watch); a notify queues it on the set's ready list, and
 * a wait looks only at queued items, reporting by the rules in
 * epready.h (level, edge, one-shot). Items are keyed by (descriptor,
 * file) as on Linux, and leave the set when their file is released.
 * Sets nest (a set in a set) up to EP_MAX_NESTS levels; cycles are
 * refused with ELOOP. */
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/epoll.h>

#include <kern/file.h>
#include <kern/loop.h>
#include <kern/uaccess.h>
#include <kern/component.h>
#include <kern/syscall.h>

#include "fs/epready.h"
#include "fs/file_internal.h"
#include "mm/pool.h"
#include "core/sys.h"

#define EP_MAX_NESTS 4
#define MAX_SETS 1024
#define MAX_ITEMS (4 * KERN_FD_MAX)
#define MS 1000000LL

struct epoll;

struct epitem {
	struct kern_file_watch w; /* first: a watch is an item */
	struct epoll *ep;
	struct kern_file *file;
	int fd;
	uint64_t data;
	struct kern_epready st;
	struct epitem *next, *prev;   /* all of the set's items */
	struct epitem *rnext, *rprev; /* the ready list, while st.queued */
};

struct epoll {
	struct kern_file *file;
	struct epitem *items;
	struct epitem *rhead, *rtail;
};

static struct kern_pool sets = KERN_POOL(struct epoll, MAX_SETS);
static struct kern_pool items = KERN_POOL(struct epitem, MAX_ITEMS);
static const struct kern_file_ops epoll_ops;

static int is_epoll(struct kern_file *f)
{
	return f->ops == &epoll_ops;
}

static void ready_append(struct epoll *ep, struct epitem *it)
{
	it->rnext = NULL;
	it->rprev = ep->rtail;
	if (ep->rtail)
		ep->rtail->rnext = it;
	else
		ep->rhead = it;
	ep->rtail = it;
}

static void ready_unlink(struct epoll *ep, struct epitem *it)
{
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->rhead = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	else
		ep->rtail = it->rprev;
	it->rnext = it->rprev = NULL;
}

/* The item's file was notified: queue it, and tell whoever watches the
 * set. */
static void item_notify(struct kern_file_watch *w)
{
	struct epitem *it = (struct epitem *)w;

	if (!kern_epready_notify(&it->st))
		return;
	ready_append(it->ep, it);
	kern_file_notify(it->ep->file);
}

/* Take it out of its set and free it (its watch is already off). */
static void item_free(struct epitem *it)
{
	struct epoll *ep = it->ep;

	if (it->st.queued)
		ready_unlink(ep, it);
	if (it->prev)
		it->prev->next = it->next;
	else
		ep->items = it->next;
	if (it->next)
		it->next->prev = it->prev;
	kern_pool_put(&items, it);
}

static void item_gone(struct kern_file_watch *w)
{
	item_free((struct epitem *)w);
}

/* The item of set ep for (fd, f), or NULL. */
static struct epitem *find(struct epoll *ep, int fd, struct kern_file *f)
{
	for (struct kern_file_watch *w = kern_file_watchers(f); w;
	     w = w->next) {
		struct epitem *it = (struct epitem *)w;

		if (w->gone == item_gone && it->ep == ep && it->fd == fd)
			return it;
	}
	return NULL;
}

/* Levels of sets below ep (0: it holds no set). */
static int depth_below(struct epoll *ep)
{
	int d = 0;

	for (struct epitem *it = ep->items; it; it = it->next)
		if (is_epoll(it->file)) {
			int sub = 1 + depth_below(it->file->priv);

			d = sub > d ? sub : d;
		}
	return d;
}

/* Levels of sets above ep (0: no set holds it). */
static int depth_above(struct epoll *ep)
{
	int d = 0;

	for (struct kern_file_watch *w = kern_file_watchers(ep->file); w;
	     w = w->next) {
		int up;

		if (w->gone != item_gone)
			continue;
		up = 1 + depth_above(((struct epitem *)w)->ep);
		d = up > d ? up : d;
	}
	return d;
}

/* Whether set inner is ep or lies (at any depth) inside it. */
static int contains(struct epoll *ep, struct epoll *inner)
{
	if (ep == inner)
		return 1;
	for (struct epitem *it = ep->items; it; it = it->next)
		if (is_epoll(it->file) && contains(it->file->priv, inner))
			return 1;
	return 0;
}

/* 0 if set sub may go into set ep, else -ELOOP. */
static int check_nest(struct epoll *ep, struct epoll *sub)
{
	if (contains(sub, ep))
		return -ELOOP;
	if (depth_above(ep) + 1 + depth_below(sub) > EP_MAX_NESTS)
		return -ELOOP;
	return 0;
}

static int ctl_add(struct epoll *ep, int fd, struct kern_file *f,
		   const struct epoll_event *ev)
{
	struct epitem *it;

	if (find(ep, fd, f))
		return -EEXIST;
	if (is_epoll(f) && check_nest(ep, f->priv))
		return -ELOOP;
	it = kern_pool_get(&items);
	if (!it)
		return -ENOSPC;
	it->w.notify = item_notify;
	it->w.gone = item_gone;
	it->ep = ep;
	it->file = f;
	it->fd = fd;
	it->data = ev->data.u64;
	it->next = ep->items;
	if (it->next)
		it->next->prev = it;
	ep->items = it;
	kern_file_watch(f, &it->w);
	kern_epready_set(&it->st, ev->events);
	ready_append(ep, it);
	kern_file_notify(ep->file);
	return 0;
}

static int ctl_mod(struct epitem *it, const struct epoll_event *ev)
{
	if (it->st.events & EPOLLEXCLUSIVE)
		return -EINVAL;
	if (it->st.queued)
		ready_unlink(it->ep, it);
	it->data = ev->data.u64;
	kern_epready_set(&it->st, ev->events);
	ready_append(it->ep, it);
	kern_file_notify(it->ep->file);
	return 0;
}

static void ctl_del(struct epitem *it)
{
	kern_file_unwatch(&it->w);
	item_free(it);
}

/* -EINVAL unless op with events is a valid request. */
static int check_ctl(int op, const struct epoll_event *ev, struct epoll *ep,
		     struct kern_file *f)
{
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return -EINVAL;
	if (f == ep->file)
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || is_epoll(f) ||
	     (ev->events & ~(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
			     EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE))))
		return -EINVAL;
	return 0;
}

long sys_epoll_ctl(const long *a)
{
	struct kern_file *ef = kern_fd_file((int)a[0]);
	struct kern_file *f = kern_fd_file((int)a[2]);
	struct epoll_event evc = { 0 }, *ev = &evc;
	int op = (int)a[1], fd = (int)a[2], r;
	struct epitem *it;

	/* the event is read first, for every op but DEL, as on Linux */
	if (op != EPOLL_CTL_DEL && kern_copy_in(ev, (void *)a[3], sizeof(*ev)))
		return -EFAULT;
	if (!ef || !f)
		return -EBADF;
	if (!f->ops->poll)
		return -EPERM; /* a regular file: always ready */
	if (!is_epoll(ef))
		return -EINVAL;
	if ((r = check_ctl(op, ev, ef->priv, f)))
		return r;
	it = find(ef->priv, fd, f);
	if (op == EPOLL_CTL_ADD)
		return ctl_add(ef->priv, fd, f, ev);
	if (!it)
		return -ENOENT;
	if (op == EPOLL_CTL_MOD)
		return ctl_mod(it, ev);
	ctl_del(it);
	return 0;
}

/* The readiness of an item's file, as epoll sees it. */
static uint32_t item_ready(struct epitem *it)
{
	return kern_file_poll(it->file);
}

struct collect {
	struct epoll *ep;
	struct epoll_event *out; /* the service's, checked */
	int max, n;
	int fault; /* a copy out failed */
};

/* Loop condition of epoll_wait: report up to max queued items; the ones
 * that stay queued move to the back of the list (fairness). */
static int collect(void *arg)
{
	struct collect *c = arg;
	struct epoll *ep = c->ep;
	struct epitem *stay = NULL, **tail = &stay, *it;

	c->n = 0;
	while (c->n < c->max && !c->fault && (it = ep->rhead)) {
		struct epoll_event ev;

		ready_unlink(ep, it);
		ev.events = kern_epready_take(&it->st, item_ready(it),
					      kern_file_polled(it->file));
		ev.data.u64 = it->data;
		if (ev.events) {
			if (kern_copy_safe(&c->out[c->n], &ev, sizeof(ev)))
				c->fault = 1;
			else
				c->n++;
		}
		if (it->st.queued) {
			*tail = it;
			tail = &it->rnext;
		}
	}
	while ((it = stay)) {
		stay = it->rnext;
		ready_append(ep, it);
	}
	return c->n > 0 || c->fault;
}

/* epoll_wait on the set behind epfd until deadline, into the service's
 * out. */
static long do_wait(long epfd, struct epoll_event *out, long max,
		    uint64_t deadline)
{
	struct kern_file *ef = kern_fd_file((int)epfd);
	struct collect c = { .out = out, .max = (int)max };
	int r;

	if (max <= 0 || max > INT_MAX / (long)sizeof(struct epoll_event))
		return -EINVAL;
	if (kern_user_check(out, (size_t)max * sizeof(*out), KERN_UWRITE))
		return -EFAULT;
	if (!ef)
		return -EBADF;
	if (!is_epoll(ef))
		return -EINVAL;
	c.ep = ef->priv;
	r = kern_loop_wait(collect, &c, deadline, 1);
	if (c.fault && !c.n)
		return -EFAULT;
	return r == -EINTR ? -EINTR : c.n;
}

long sys_epoll_wait(const long *a)
{
	int ms = (int)a[3];

	return do_wait(a[0], (struct epoll_event *)a[1], a[2],
		       kern_file_deadline(ms < 0 ? -1 : ms * MS));
}

long sys_epoll_pwait(const long *a)
{
	const uint64_t *mask = (const uint64_t *)a[4];
	uint64_t saved = 0;
	int ms = (int)a[3];
	long r = kern_file_sigmask_begin(mask, (size_t)a[5], &saved);

	if (r)
		return r;
	r = do_wait(a[0], (struct epoll_event *)a[1], a[2],
		    kern_file_deadline(ms < 0 ? -1 : ms * MS));
	return kern_file_sigmask_end(r, mask, saved);
}

/* A set is readable when a wait would report something. */
static unsigned ep_poll(struct kern_file *f)
{
	struct epoll *ep = f->priv;

	for (struct epitem *it = ep->rhead; it; it = it->rnext)
		if (kern_epready_peek(&it->st, item_ready(it)))
			return POLLIN;
	return 0;
}

static void ep_release(struct kern_file *f)
{
	struct epoll *ep = f->priv;

	while (ep->items)
		ctl_del(ep->items);
	kern_pool_put(&sets, ep);
}

static int ep_stat(struct kern_file *f, struct stat *st)
{
	(void)f;
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	return 0;
}

static const struct kern_file_ops epoll_ops = {
	.name = "epoll",
	.poll = ep_poll,
	.stat = ep_stat,
	.release = ep_release,
};

static long create(int flags)
{
	struct epoll *ep;
	struct kern_file *f;
	int fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	if (!(ep = kern_pool_get(&sets)))
		return -ENOMEM;
	if (!(f = kern_file_new(&epoll_ops, ep, O_RDWR))) {
		kern_pool_put(&sets, ep);
		return -ENFILE;
	}
	ep->file = f;
	kern_file_set_polled(f); /* what its items see moves without notify */
	fd = kern_fd_install(f, (flags & EPOLL_CLOEXEC) != 0);
	if (fd < 0)
		kern_file_put(f);
	return fd;
}

long sys_epoll_create(const long *a)
{
	return (int)a[0] <= 0 ? -EINVAL : create(0);
}

long sys_epoll_create1(const long *a)
{
	return create((int)a[0]);
}

/* An optional part of the image: in it when the service uses epoll
 * (cmake/OsParts.cmake). */
static const struct kern_syscall_entry epoll_calls[] = {
	{ SYS_epoll_create, sys_epoll_create },
	{ SYS_epoll_create1, sys_epoll_create1 },
	{ SYS_epoll_ctl, sys_epoll_ctl },
	{ SYS_epoll_wait, sys_epoll_wait },
	{ SYS_epoll_pwait, sys_epoll_pwait },
};

KERN_SYSCALL_COMPONENT(epoll, epoll_calls);
