/* The generic I/O system calls on descriptors: read, write, readv,
 * writev, close, dup, dup2, dup3, fcntl, ioctl, fstat and lseek, for
 * every kind of file (kern/file.h); each kind's own calls live with it.
 * Buffers are checked here (kern/uaccess.h); the files' operations move
 * the bytes with kern_copy_safe. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kern/file.h>
#include <kern/uaccess.h>

#include "fs/file_internal.h"
#include "core/sys.h"
#include "fs/vfs_calls.h"

#define MAX_RW 0x7ffff000L /* Linux's limit on one transfer */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

/* The file behind descriptor a (an int in the ABI), or NULL. */
static struct kern_file *file_of(long a)
{
	return kern_fd_file((int)a);
}

/* The file fd if it may be read (want 0) or written (want 1), or NULL
 * with *err set (-EBADF; an O_PATH descriptor does no I/O). */
static struct kern_file *file_for(long fd, int want, long *err)
{
	struct kern_file *f = file_of(fd);
	int mode = f ? f->flags & 3 : 0;

	*err = -EBADF;
	if (!f || (f->flags & O_PATH) || (want == 0 && mode == O_WRONLY) ||
	    (want == 1 && mode == O_RDONLY))
		return NULL;
	*err = 0;
	return f;
}

static size_t clamp(size_t n)
{
	return n > MAX_RW ? MAX_RW : n;
}

long sys_read(const long *a)
{
	long err;
	struct kern_file *f = file_for(a[0], 0, &err);

	if (!f)
		return err;
	if (!f->ops->read)
		return -EINVAL;
	if (kern_user_check((void *)a[1], (size_t)a[2], KERN_UWRITE))
		return -EFAULT;
	return f->ops->read(f, (void *)a[1], clamp((size_t)a[2]));
}

long sys_write(const long *a)
{
	long err;
	struct kern_file *f = file_for(a[0], 1, &err);

	if (!f)
		return err;
	if (!f->ops->write)
		return -EINVAL;
	if (kern_user_check((const void *)a[1], (size_t)a[2], KERN_UREAD))
		return -EFAULT;
	return f->ops->write(f, (const void *)a[1], clamp((size_t)a[2]));
}

/* readv as reads: the first segment with data may wait; the later ones
 * take only what is there (the file is non-blocking for them). */
static long read_vec(struct kern_file *f, const struct iovec *iov, long cnt)
{
	int nonblock = f->flags & O_NONBLOCK;
	long total = 0;

	for (long i = 0; i < cnt; i++) {
		ssize_t r;

		if (!iov[i].iov_len)
			continue;
		r = f->ops->read(f, iov[i].iov_base, clamp(iov[i].iov_len));
		if (r < 0) {
			total = total ? total : r;
			break;
		}
		total += r;
		if ((size_t)r < iov[i].iov_len)
			break;
		f->flags |= O_NONBLOCK;
	}
	f->flags = (f->flags & ~O_NONBLOCK) | nonblock;
	return total;
}

/* writev as writes, stopping at the first short one. */
static long write_vec(struct kern_file *f, const struct iovec *iov, long cnt)
{
	long total = 0;

	for (long i = 0; i < cnt; i++) {
		ssize_t r;

		if (!iov[i].iov_len)
			continue;
		r = f->ops->write(f, iov[i].iov_base, clamp(iov[i].iov_len));
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < iov[i].iov_len)
			break;
	}
	return total;
}

long sys_readv(const long *a)
{
	const struct iovec *iov;
	long err;
	struct kern_file *f = file_for(a[0], 0, &err);

	if (!f)
		return err;
	if ((err = kern_iov_in((const struct iovec *)a[1], a[2], KERN_UWRITE,
			       &iov)))
		return err;
	if (f->ops->readv)
		return f->ops->readv(f, iov, (int)a[2]);
	if (!f->ops->read)
		return -EINVAL;
	return read_vec(f, iov, a[2]);
}

long sys_writev(const long *a)
{
	const struct iovec *iov;
	long err;
	struct kern_file *f = file_for(a[0], 1, &err);

	if (!f)
		return err;
	if ((err = kern_iov_in((const struct iovec *)a[1], a[2], KERN_UREAD,
			       &iov)))
		return err;
	if (f->ops->writev)
		return f->ops->writev(f, iov, (int)a[2]);
	if (!f->ops->write)
		return -EINVAL;
	return write_vec(f, iov, a[2]);
}

long sys_close(const long *a)
{
	struct kern_file *f = kern_fdtable_take(kern_fd_table(), (int)a[0]);

	if (!f)
		return -EBADF;
	kern_file_put(f);
	return 0;
}

/* A new descriptor >= min on fd's file (dup, F_DUPFD). */
static long dup_from(long fd, long min, int cloexec)
{
	struct kern_file *f = file_of(fd);
	int r;

	if (!f)
		return -EBADF;
	if (min < 0 || min >= KERN_FD_MAX)
		return -EINVAL;
	r = kern_fdtable_alloc(kern_fd_table(), (int)min, f, cloexec);
	if (r >= 0)
		kern_file_get(f);
	return r;
}

long sys_dup(const long *a)
{
	return dup_from(a[0], 0, 0);
}

/* dup2/dup3 once the arguments are checked. */
static long dup_to(int oldfd, int newfd, int cloexec)
{
	struct kern_file *f = file_of(oldfd), *displaced;
	int r;

	if (f && oldfd != newfd)
		kern_file_get(f); /* before the old newfd's may go */
	r = kern_fdtable_dup2(kern_fd_table(), oldfd, newfd, cloexec,
			      &displaced);
	if (r < 0 && f && oldfd != newfd)
		kern_file_put(f);
	if (displaced)
		kern_file_put(displaced);
	return r;
}

long sys_dup2(const long *a)
{
	return dup_to((int)a[0], (int)a[1], 0);
}

long sys_dup3(const long *a)
{
	if ((a[2] & ~O_CLOEXEC) || (int)a[0] == (int)a[1])
		return -EINVAL;
	return dup_to((int)a[0], (int)a[1], (a[2] & O_CLOEXEC) != 0);
}

long sys_fcntl(const long *a)
{
	struct kern_file *f = file_of(a[0]);
	int fd = (int)a[0];

	if (!f)
		return -EBADF;
	switch (a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return dup_from(fd, (int)a[2], a[1] == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return kern_fdtable_cloexec(kern_fd_table(), fd) ? FD_CLOEXEC :
								   0;
	case F_SETFD:
		return kern_fdtable_set_cloexec(kern_fd_table(), fd,
						(a[2] & FD_CLOEXEC) != 0);
	case F_GETFL:
		return f->flags;
	case F_SETFL:
		f->flags = (f->flags & ~SETFL_MASK) | ((int)a[2] & SETFL_MASK);
		return 0;
	default:
		return -EINVAL;
	}
}

/* FIONREAD for a file with an offset: what is left before its end, to
 * the service's *n. */
static long bytes_left(struct kern_file *f, int *n)
{
	struct stat st;
	off_t pos;
	int left;

	if (!f->ops->lseek || kern_file_stat(f, &st) || !S_ISREG(st.st_mode))
		return -ENOTTY;
	pos = f->ops->lseek(f, 0, SEEK_CUR);
	if (pos < 0)
		return -ENOTTY;
	left = st.st_size > pos ? (int)(st.st_size - pos) : 0;
	return kern_copy_out(n, &left, sizeof(left));
}

long sys_ioctl(const long *a)
{
	struct kern_file *f = file_of(a[0]);
	void *arg = (void *)a[2];
	long r;
	int on;

	if (!f)
		return -EBADF;
	switch ((unsigned long)a[1]) {
	case FIONBIO:
		if (kern_copy_in(&on, arg, sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~O_NONBLOCK;
		return 0;
	case FIOCLEX:
	case FIONCLEX:
		return kern_fdtable_set_cloexec(kern_fd_table(), (int)a[0],
						a[1] == FIOCLEX);
	}
	r = f->ops->ioctl ? f->ops->ioctl(f, (unsigned long)a[1], arg) :
			    -ENOTTY;
	if (r == -ENOTTY && a[1] == FIONREAD)
		r = bytes_left(f, arg);
	return r;
}

long sys_fstat(const long *a)
{
	struct kern_file *f = file_of(a[0]);
	struct stat st;
	int r;

	if (!f)
		return -EBADF;
	if ((r = kern_file_stat(f, &st)))
		return r;
	return kern_copy_out((void *)a[1], &st, sizeof(st));
}

long sys_lseek(const long *a)
{
	struct kern_file *f = file_of(a[0]);

	if (!f)
		return -EBADF;
	if (!f->ops->lseek)
		return -ESPIPE;
	return f->ops->lseek(f, (off_t)a[1], (int)a[2]);
}

/* The error for f without positioned I/O: EISDIR for a directory (as
 * Linux; sendfile and mmap want no ->pread there), else ESPIPE. */
static long no_positioned(struct kern_file *f)
{
	struct stat st;

	return !kern_file_stat(f, &st) && S_ISDIR(st.st_mode) ? -EISDIR :
								-ESPIPE;
}

/* pread64/pwrite64 once the file is checked: one transfer at off. */
static long positioned(struct kern_file *f, long ubuf, long n, long off,
		       int write)
{
	if (off < 0)
		return -EINVAL;
	if (!(write ? (void *)f->ops->pwrite : (void *)f->ops->pread))
		return no_positioned(f);
	if (kern_user_check((void *)ubuf, (size_t)n,
			    write ? KERN_UREAD : KERN_UWRITE))
		return -EFAULT;
	return write ? f->ops->pwrite(f, (const void *)ubuf, clamp((size_t)n),
				      off) :
		       f->ops->pread(f, (void *)ubuf, clamp((size_t)n), off);
}

long sys_pread64(const long *a)
{
	long err;
	struct kern_file *f = file_for(a[0], 0, &err);

	return f ? positioned(f, a[1], a[2], a[3], 0) : err;
}

long sys_pwrite64(const long *a)
{
	long err;
	struct kern_file *f = file_for(a[0], 1, &err);

	return f ? positioned(f, a[1], a[2], a[3], 1) : err;
}

/* preadv/pwritev: each segment in turn from off, stopping at a short
 * one (x86_64 passes the whole offset in the fourth argument). */
static long positioned_vec(const long *a, int write)
{
	const struct iovec *iov;
	long err, total = 0, off = a[3];
	struct kern_file *f = file_for(a[0], write, &err);

	if (!f)
		return err;
	if (off < 0)
		return -EINVAL;
	if (!(write ? (void *)f->ops->pwrite : (void *)f->ops->pread))
		return no_positioned(f);
	if ((err = kern_iov_in((const struct iovec *)a[1], a[2],
			       write ? KERN_UREAD : KERN_UWRITE, &iov)))
		return err;
	for (long i = 0; i < a[2]; i++) {
		size_t len = clamp(iov[i].iov_len);
		ssize_t r = write ? f->ops->pwrite(f, iov[i].iov_base, len,
						   off + total) :
				    f->ops->pread(f, iov[i].iov_base, len,
						  off + total);

		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < iov[i].iov_len) /* short, or clamped */
			break;
	}
	return total;
}

long sys_preadv(const long *a)
{
	return positioned_vec(a, 0);
}

long sys_pwritev(const long *a)
{
	return positioned_vec(a, 1);
}
