/* I/O system calls on the console descriptors 0, 1 and 2, which stand for
 * the serial console until the file layer (fd table) exists. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>

#include <kern/console.h>

#include "sys.h"

#define NCONSOLE_FDS 3

static unsigned char closed[NCONSOLE_FDS];

/* 0 if fd is an open console descriptor, else -EBADF. */
static long check_fd(long fd)
{
	return fd >= 0 && fd < NCONSOLE_FDS && !closed[fd] ? 0 : -EBADF;
}

long sys_read(const long *a)
{
	long err = check_fd(a[0]);

	return err ? err : kern_console_read((char *)a[1], (size_t)a[2]);
}

long sys_write(const long *a)
{
	long err = check_fd(a[0]);

	if (err)
		return err;
	return (long)kern_console_write((const char *)a[1], (size_t)a[2]);
}

long sys_readv(const long *a)
{
	const struct iovec *iov = (const struct iovec *)a[1];
	long err = check_fd(a[0]);

	if (err)
		return err;
	if (a[2] < 0 || a[2] > IOV_MAX)
		return -EINVAL;
	for (long i = 0; i < a[2]; i++) /* one read: stop after data */
		if (iov[i].iov_len)
			return kern_console_read(iov[i].iov_base,
						 iov[i].iov_len);
	return 0;
}

long sys_writev(const long *a)
{
	const struct iovec *iov = (const struct iovec *)a[1];
	long err = check_fd(a[0]), total = 0;

	if (err)
		return err;
	if (a[2] < 0 || a[2] > IOV_MAX)
		return -EINVAL;
	for (long i = 0; i < a[2]; i++)
		total += (long)kern_console_write(iov[i].iov_base,
						  iov[i].iov_len);
	return total;
}

long sys_ioctl(const long *a)
{
	long err = check_fd(a[0]);
	struct winsize *ws = (struct winsize *)a[2];

	if (err)
		return err;
	switch (a[1]) {
	case TIOCGWINSZ: /* a terminal: musl makes stdout line-buffered */
		*ws = (struct winsize){ .ws_row = 25, .ws_col = 80 };
		return 0;
	default:
		return -ENOTTY;
	}
}

long sys_close(const long *a)
{
	long err = check_fd(a[0]);

	if (!err)
		closed[a[0]] = 1;
	return err;
}

long sys_lseek(const long *a)
{
	long err = check_fd(a[0]);

	return err ? err : -ESPIPE;
}

long sys_fcntl(const long *a)
{
	long err = check_fd(a[0]);

	if (err)
		return err;
	switch (a[1]) {
	case F_GETFD:
	case F_SETFD:
		return 0;
	case F_GETFL:
		return a[0] == 0 ? O_RDONLY : O_WRONLY;
	default:
		return -EINVAL;
	}
}
