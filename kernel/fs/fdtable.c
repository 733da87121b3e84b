/* The descriptor table's bookkeeping (see fdtable.h): two bitmaps (open,
 * FD_CLOEXEC) and an array of file pointers. Pure code, unit-tested. */
#include <errno.h>
#include <stddef.h>

#include "fs/fdtable.h"

#define BIT(fd) (1ULL << ((fd) % 64))

static int in_range(const struct kern_fdtable *t, int fd)
{
	return fd >= 0 && fd < t->max;
}

static int is_open(const struct kern_fdtable *t, int fd)
{
	return in_range(t, fd) && (t->open[fd / 64] & BIT(fd));
}

/* Open fd (which is free) on f. */
static void place(struct kern_fdtable *t, int fd, struct kern_file *f,
		  int cloexec)
{
	t->file[fd] = f;
	t->open[fd / 64] |= BIT(fd);
	if (cloexec)
		t->cloexec[fd / 64] |= BIT(fd);
	else
		t->cloexec[fd / 64] &= ~BIT(fd);
}

void kern_fdtable_init(struct kern_fdtable *t, struct kern_file **storage,
		       int max)
{
	for (int i = 0; i < KERN_FDT_WORDS; i++)
		t->open[i] = t->cloexec[i] = 0;
	for (int i = 0; i < max; i++)
		storage[i] = NULL;
	t->file = storage;
	t->max = max;
}

struct kern_file *kern_fdtable_get(const struct kern_fdtable *t, int fd)
{
	return is_open(t, fd) ? t->file[fd] : NULL;
}

/* The lowest free descriptor >= min (in range), or -1. */
static int lowest_free(const struct kern_fdtable *t, int min)
{
	for (int w = min / 64; w * 64 < t->max; w++) {
		uint64_t used = t->open[w];

		if (w == min / 64)
			used |= BIT(min) - 1; /* below min counts as used */
		if (~used) {
			int fd = w * 64 + __builtin_ctzll(~used);

			return fd < t->max ? fd : -1;
		}
	}
	return -1;
}

int kern_fdtable_alloc(struct kern_fdtable *t, int min, struct kern_file *f,
		       int cloexec)
{
	int fd;

	if (!in_range(t, min))
		return -EINVAL;
	fd = lowest_free(t, min);
	if (fd < 0)
		return -EMFILE;
	place(t, fd, f, cloexec);
	return fd;
}

struct kern_file *kern_fdtable_take(struct kern_fdtable *t, int fd)
{
	struct kern_file *f = kern_fdtable_get(t, fd);

	if (f) {
		t->open[fd / 64] &= ~BIT(fd);
		t->cloexec[fd / 64] &= ~BIT(fd);
		t->file[fd] = NULL;
	}
	return f;
}

int kern_fdtable_dup2(struct kern_fdtable *t, int oldfd, int newfd, int cloexec,
		      struct kern_file **displaced)
{
	struct kern_file *f = kern_fdtable_get(t, oldfd);

	*displaced = NULL;
	if (!f || !in_range(t, newfd))
		return -EBADF;
	if (oldfd == newfd)
		return newfd;
	*displaced = kern_fdtable_take(t, newfd);
	place(t, newfd, f, cloexec);
	return newfd;
}

int kern_fdtable_cloexec(const struct kern_fdtable *t, int fd)
{
	if (!is_open(t, fd))
		return -EBADF;
	return (t->cloexec[fd / 64] & BIT(fd)) != 0;
}

int kern_fdtable_set_cloexec(struct kern_fdtable *t, int fd, int on)
{
	if (!is_open(t, fd))
		return -EBADF;
	if (on)
		t->cloexec[fd / 64] |= BIT(fd);
	else
		t->cloexec[fd / 64] &= ~BIT(fd);
	return 0;
}

int kern_fdtable_count(const struct kern_fdtable *t)
{
	int n = 0;

	for (int i = 0; i < KERN_FDT_WORDS; i++)
		n += __builtin_popcountll(t->open[i]);
	return n;
}
