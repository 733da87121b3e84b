/* The console as a file, shared by descriptors 0, 1 and 2: writes go to
 * the kernel console, reads wait in the event loop for serial input, and
 * it answers TIOCGWINSZ like a terminal (musl then line-buffers stdout).
 * Input arrives without a notify, so the file is marked polled. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include <kern/console.h>
#include <kern/uaccess.h>

#include "fs/file_internal.h"

#define CHUNK 256 /* bytes moved through the kernel's hands at a time */

static int held = -1; /* a byte poll looked at, not read yet */

/* Whether a byte is waiting (then it is in held). */
static int have_byte(void)
{
	if (held < 0)
		held = kern_console_getc();
	return held >= 0;
}

/* The bytes waiting, up to n (and CHUNK), into buf: a count, -EAGAIN,
 * -EIO or -EFAULT (the bytes taken are lost then). */
static ssize_t take(void *buf, size_t n)
{
	char s[CHUNK];
	size_t got = 0;
	int c;

	if (!have_byte())
		return held;
	s[got++] = (char)held;
	held = -1;
	n = n < CHUNK ? n : CHUNK;
	while (got < n && (c = kern_console_getc()) >= 0)
		s[got++] = (char)c;
	return kern_copy_safe(buf, s, got) ? -EFAULT : (ssize_t)got;
}

static ssize_t con_read(struct kern_file *f, void *buf, size_t n)
{
	for (;;) {
		ssize_t r;
		long w;

		if (n == 0)
			return 0;
		r = take(buf, n);
		if (r != -EAGAIN || (f->flags & O_NONBLOCK))
			return r;
		w = kern_file_wait(f, POLLIN, -1);
		if (w < 0)
			return w;
	}
}

static ssize_t con_write(struct kern_file *f, const void *buf, size_t n)
{
	char s[CHUNK];
	size_t done = 0;

	(void)f;
	while (done < n) {
		size_t k = n - done < CHUNK ? n - done : CHUNK;

		if (kern_copy_safe(s, (const char *)buf + done, k))
			return done ? (ssize_t)done : -EFAULT;
		done += kern_console_write(s, k);
	}
	return (ssize_t)done;
}

static unsigned con_poll(struct kern_file *f)
{
	(void)f;
	return POLLOUT | (have_byte() ? POLLIN : 0);
}

static long con_ioctl(struct kern_file *f, unsigned long req, void *arg)
{
	const struct winsize ws = { .ws_row = 25, .ws_col = 80 };
	int n;

	(void)f;
	switch (req) {
	case TIOCGWINSZ:
		return kern_copy_out(arg, &ws, sizeof(ws));
	case FIONREAD:
		n = have_byte(); /* at least that many */
		return kern_copy_out(arg, &n, sizeof(n));
	default:
		return -ENOTTY;
	}
}

static int con_stat(struct kern_file *f, struct stat *st)
{
	(void)f;
	st->st_mode = S_IFCHR | 0620;
	st->st_rdev = makedev(4, 64); /* ttyS0 */
	return 0;
}

static const struct kern_file_ops console_ops = {
	.name = "console",
	.read = con_read,
	.write = con_write,
	.poll = con_poll,
	.ioctl = con_ioctl,
	.stat = con_stat,
};

struct kern_file *kern_console_file(void)
{
	struct kern_file *f = kern_file_new(&console_ops, NULL, O_RDWR);

	if (f)
		kern_file_set_polled(f);
	return f;
}
