/* The kernel log: printf-style lines with the "os: " prefix through libc's
 * vsnprintf. Compiled normally (not for exception context), so
 * floating-point arguments work. */
#include <stdarg.h>
#include <stdio.h>

#include <kern/clock.h>
#include <kern/console.h>

static enum kern_log_level log_level = KERN_LOG_INFO;

/* "[seconds.micros] " since kernel entry, once the clock runs. */
static void stamp(void)
{
	uint64_t ns = kern_clock_ns();
	char t[32];
	int n;

	if (!ns)
		return;
	n = snprintf(t, sizeof(t), "[%lu.%06lu] ",
		     (unsigned long)(ns / 1000000000),
		     (unsigned long)(ns / 1000 % 1000000));
	kern_console_write(t, (size_t)n);
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	kern_console_write("os: ", 4);
	stamp();
	buf[n++] = '\n';
	kern_console_write(buf, (size_t)n);
}

void kern_log_set_level(enum kern_log_level level)
{
	log_level = level;
}
