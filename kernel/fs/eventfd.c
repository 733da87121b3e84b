/* eventfd: a 64-bit counter as a file. write adds (waiting while the sum
 * would pass 2^64 - 2), read takes the count (or 1 with EFD_SEMAPHORE,
 * waiting while it is 0); readable while not 0, writable while below the
 * maximum. Each change is notified (edge-triggered epoll). */
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>

#include <kern/file.h>
#include <kern/uaccess.h>
#include <kern/component.h>
#include <kern/syscall.h>

#include "fs/file_internal.h"
#include "mm/pool.h"
#include "core/sys.h"

#define COUNT_MAX (UINT64_MAX - 1)

struct eventfd {
	uint64_t count;
	int semaphore;
};

static struct kern_pool pool = KERN_POOL(struct eventfd, KERN_FD_MAX);

/* Wait until f is ready for events, unless it is non-blocking: 0, or
 * -EAGAIN / -EINTR. */
static long wait_ready(struct kern_file *f, unsigned events)
{
	long r;

	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	r = kern_file_wait(f, events, -1);
	return r < 0 ? r : 0;
}

static ssize_t efd_read(struct kern_file *f, void *buf, size_t n)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	long r;

	if (n < sizeof(v))
		return -EINVAL;
	while (!e->count)
		if ((r = wait_ready(f, POLLIN)))
			return r;
	v = e->semaphore ? 1 : e->count;
	if (kern_copy_safe(buf, &v, sizeof(v)))
		return -EFAULT; /* the count stays */
	e->count -= v;
	kern_file_notify(f);
	return sizeof(v);
}

static ssize_t efd_write(struct kern_file *f, const void *buf, size_t n)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	long r;

	if (n < sizeof(v))
		return -EINVAL;
	if (kern_copy_safe(&v, buf, sizeof(v)))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	while (e->count > COUNT_MAX - v)
		if ((r = wait_ready(f, POLLOUT)))
			return r;
	e->count += v;
	kern_file_notify(f);
	return sizeof(v);
}

static unsigned efd_poll(struct kern_file *f)
{
	struct eventfd *e = f->priv;

	return (e->count ? POLLIN : 0) | (e->count < COUNT_MAX ? POLLOUT : 0);
}

static int efd_stat(struct kern_file *f, struct stat *st)
{
	(void)f;
	st->st_mode = 0600; /* an anonymous inode, as on Linux */
	return 0;
}

static void efd_release(struct kern_file *f)
{
	kern_pool_put(&pool, f->priv);
}

static const struct kern_file_ops eventfd_ops = {
	.name = "eventfd",
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.stat = efd_stat,
	.release = efd_release,
};

/* A new eventfd counting from initval: its descriptor or -errno. */
static long create(unsigned initval, int flags)
{
	struct eventfd *e;
	struct kern_file *f;
	int fd;

	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	if (!(e = kern_pool_get(&pool)))
		return -ENFILE;
	e->count = initval;
	e->semaphore = (flags & EFD_SEMAPHORE) != 0;
	f = kern_file_new(&eventfd_ops, e, O_RDWR | (flags & EFD_NONBLOCK));
	if (!f) {
		kern_pool_put(&pool, e);
		return -ENFILE;
	}
	fd = kern_fd_install(f, (flags & EFD_CLOEXEC) != 0);
	if (fd < 0)
		kern_file_put(f);
	return fd;
}

long sys_eventfd(const long *a)
{
	return create((unsigned)a[0], 0);
}

long sys_eventfd2(const long *a)
{
	return create((unsigned)a[0], (int)a[1]);
}

/* An optional part of the image: in it when the service uses eventfd
 * (cmake/OsParts.cmake). */
static const struct kern_syscall_entry eventfd_calls[] = {
	{ SYS_eventfd, sys_eventfd },
	{ SYS_eventfd2, sys_eventfd2 },
};

KERN_SYSCALL_COMPONENT(eventfd, eventfd_calls);
