/* The kernel console: the service's stdio, and the raw formatting used by
 * the panic and fault paths (the log, which uses libc, is in log.c). */
#include <errno.h>
#include <stdarg.h>

#include <kern/console.h>
#include <kern/loop.h>

static const struct kern_console *console;

void kern_console_register(const struct kern_console *c)
{
	console = c;
}

size_t kern_console_write(const char *s, size_t n)
{
	if (console)
		for (size_t i = 0; i < n; i++)
			console->putc(s[i]);
	return n;
}

/* Loop condition: a byte is waiting; it is kept in *arg. */
static int byte_ready(void *arg)
{
	int *c = arg;

	if (*c < 0)
		*c = console->getc();
	return *c >= 0;
}

long kern_console_read(char *s, size_t n)
{
	size_t got = 0;
	int c = -1;

	if (!console || !console->getc)
		return -EIO;
	if (n == 0)
		return 0;
	if (kern_loop_wait(byte_ready, &c, KERN_LOOP_FOREVER, 1))
		return -EINTR;
	do {
		s[got++] = (char)c;
	} while (got < n && (c = console->getc()) >= 0);
	return (long)got;
}

int kern_console_getc(void)
{
	int c;

	if (!console || !console->getc)
		return -EIO;
	c = console->getc();
	return c >= 0 ? c & 0xff : -EAGAIN;
}

void kern_raw_puts(const char *s)
{
	while (console && *s)
		console->putc(*s++);
}

void kern_raw_hex(uint64_t v, int width)
{
	char buf[17];
	int i = 16;

	buf[16] = '\0';
	do {
		buf[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while ((v || 16 - i < width) && i > 0);
	kern_raw_puts(buf + i);
}

void kern_raw_udec(uint64_t u)
{
	char buf[21];
	int i = 20;

	buf[20] = '\0';
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	kern_raw_puts(buf + i);
}

void kern_raw_dec(int64_t v)
{
	if (v < 0)
		kern_raw_puts("-");
	kern_raw_udec(v < 0 ? -(uint64_t)v : (uint64_t)v);
}

/* One conversion of kern_raw_printf; fmt points after the '%'. */
static const char *raw_conv(const char *fmt, va_list *ap)
{
	int is_long = 0;
	char c[2] = { 0, 0 };

	while (*fmt == 'l') {
		is_long = 1;
		fmt++;
	}
	switch (*fmt) {
	case 's':
		kern_raw_puts(va_arg(*ap, const char *));
		break;
	case 'c':
		c[0] = (char)va_arg(*ap, int);
		kern_raw_puts(c);
		break;
	case 'd':
		kern_raw_dec(is_long ? va_arg(*ap, long) : va_arg(*ap, int));
		break;
	case 'u':
		kern_raw_udec(is_long ? va_arg(*ap, unsigned long) :
					va_arg(*ap, unsigned));
		break;
	case 'x':
		kern_raw_hex(is_long ? va_arg(*ap, unsigned long) :
				       va_arg(*ap, unsigned),
			     1);
		break;
	case 'p':
		kern_raw_puts("0x");
		kern_raw_hex((uintptr_t)va_arg(*ap, void *), 1);
		break;
	default:
		c[0] = *fmt ? *fmt : '%';
		kern_raw_puts(c);
	}
	return *fmt ? fmt + 1 : fmt;
}

void kern_raw_vprintf(const char *fmt, va_list ap)
{
	char c[2] = { 0, 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt == '%') {
			fmt = raw_conv(fmt + 1, &aq);
			continue;
		}
		c[0] = *fmt++;
		kern_raw_puts(c);
	}
	va_end(aq);
}

void kern_raw_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kern_raw_vprintf(fmt, ap);
	va_end(ap);
}
