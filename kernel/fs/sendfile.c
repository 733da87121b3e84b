/* sendfile(2): a file's bytes to another file (a socket, for the HTTP
 * server) without passing through the service. A file with stable bytes
 * (baked-in and initrd files: kern/file.h's ->stable) hands them to the
 * output as they are, to ->write_stable where it has one (a TCP socket
 * then references them, no copy at all), else to ->write; any other file
 * is read with ->pread into a bounce buffer of the kernel's and written
 * from there. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <kern/file.h>
#include <kern/mm.h>
#include <kern/uaccess.h>

#include "fs/vfs_calls.h"

#define MAX_RW 0x7ffff000L /* Linux's limit on one transfer */
#define BOUNCE_PAGES 8
#define BOUNCE (BOUNCE_PAGES * 4096)

/* Write n bytes of src to out: stable bytes to ->write_stable where out
 * has one. What ->write returns. */
static ssize_t put(struct kern_file *out, const void *src, size_t n, int stable)
{
	if (stable && out->ops->write_stable)
		return out->ops->write_stable(out, src, n);
	return out->ops->write(out, src, n);
}

/* Up to n bytes of in from off into the bounce buffer (allocated once,
 * on first use): *src gets the buffer. The count (0 at the end of the
 * file) or -errno. */
static ssize_t bounce_read(struct kern_file *in, off_t off, size_t n,
			   const void **src)
{
	static void *bounce;

	if (!bounce && !(bounce = kern_mm_try_alloc(BOUNCE_PAGES)))
		return -ENOMEM;
	*src = bounce;
	return in->ops->pread(in, bounce, n < BOUNCE ? n : BOUNCE, off);
}

/* Move up to count bytes of in from off to out, a chunk at a time, until
 * the end of the file, a short write (out would block, or a signal), or
 * an error. The bytes written, or -errno if none were. */
static long transfer(struct kern_file *in, struct kern_file *out, off_t off,
		     size_t count)
{
	size_t done = 0;

	while (done < count) {
		size_t avail = 0, want = count - done;
		const void *src = in->ops->stable ?
					  in->ops->stable(in, off, &avail) :
					  NULL;
		int stable = src != NULL; /* else the bounce buffer's */
		ssize_t n = stable ? (ssize_t)(avail < want ? avail : want) :
				     bounce_read(in, off, want, &src);
		ssize_t w;

		if (n <= 0) /* the end of the file, or a failed read */
			return done ? (long)done : n;
		w = put(out, src, (size_t)n, stable);
		if (w < 0)
			return done ? (long)done : w;
		done += (size_t)w;
		off += w;
		if (w < n)
			break;
	}
	return (long)done;
}

/* The offset to read from: *uoff (the service's), or in's position when
 * uoff is NULL. 0 or -errno. */
static int start_at(struct kern_file *in, const off_t *uoff, off_t *off)
{
	if (uoff) {
		if (kern_copy_in(off, uoff, sizeof(*off)))
			return -EFAULT;
		return *off < 0 ? -EINVAL : 0;
	}
	if (!in->ops->lseek)
		return -EINVAL;
	*off = in->ops->lseek(in, 0, SEEK_CUR);
	return *off < 0 ? (int)*off : 0;
}

/* sendfile(out_fd, in_fd, offset, count), as Linux: EBADF unless in_fd
 * is open for reading and out_fd for writing, EINVAL when in_fd cannot
 * be read at an offset (no ->pread), out_fd cannot be written or is
 * O_APPEND, or the offset is negative; EFAULT for a bad offset pointer.
 * With an offset pointer the bytes come from *offset, which is advanced,
 * and in_fd's position is left alone; without one they come from in_fd's
 * position, which is advanced. count is clamped to 0x7ffff000 bytes (and
 * to the largest offset). Returns the bytes sent: fewer when out_fd
 * would block (non-blocking: -EAGAIN only if none could be sent) or a
 * signal came after some were, 0 at the end of the file. */
long sys_sendfile(const long *a)
{
	struct kern_file *out = kern_fd_file((int)a[0]);
	struct kern_file *in = kern_fd_file((int)a[1]);
	off_t *uoff = (off_t *)a[2], off;
	size_t count = (size_t)a[3] > MAX_RW ? MAX_RW : (size_t)a[3];
	long n;
	int err;

	if (!in || (in->flags & O_ACCMODE) == O_WRONLY || (in->flags & O_PATH))
		return -EBADF;
	if (!out || (out->flags & O_ACCMODE) == O_RDONLY ||
	    (out->flags & O_PATH))
		return -EBADF;
	if (!in->ops->pread || !out->ops->write || (out->flags & O_APPEND))
		return -EINVAL;
	if ((err = start_at(in, uoff, &off)))
		return err;
	if (off == LONG_MAX && count)
		return -EOVERFLOW;
	if ((size_t)(LONG_MAX - off) < count)
		count = (size_t)(LONG_MAX - off);
	n = count ? transfer(in, out, off, count) : 0;
	if (n <= 0)
		return n;
	off += n;
	if (uoff)
		return kern_copy_out(uoff, &off, sizeof(off)) ? -EFAULT : n;
	in->ops->lseek(in, off, SEEK_SET);
	return n;
}
