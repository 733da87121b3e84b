/* The kernel console: a driver registers a polled character device; the
 * kernel writes its log and the service's stdout/stderr through it. The
 * "raw" functions format by hand and never call printf or malloc, so the
 * panic and fault paths can use them. */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct kern_console {
	const char *name;
	void (*putc)(char c); /* write one byte, waiting while busy */
	int (*getc)(void);    /* one byte, or -1 if none is waiting */
};

enum kern_log_level {
	KERN_LOG_QUIET,
	KERN_LOG_INFO,
	KERN_LOG_DEBUG
};

/* Make c the console. Output before any registration is dropped. */
void kern_console_register(const struct kern_console *c);

/* Write n bytes to the console; returns n. */
size_t kern_console_write(const char *s, size_t n);

/* Wait (running the event loop) until at least one byte can be read, then
 * read up to n; returns the count, -EINTR if a signal arrived first, or
 * -EIO when no console can be read. */
long kern_console_read(char *s, size_t n);

/* One byte without waiting: the byte (0-255), -EAGAIN when none is
 * waiting, -EIO when no console can be read. */
int kern_console_getc(void);

/* Raw output for the panic path: string, unsigned hex with at least
 * width digits, signed decimal. */
void kern_raw_puts(const char *s);
void kern_raw_hex(uint64_t v, int width);
void kern_raw_dec(int64_t v);
void kern_raw_udec(uint64_t v);

/* Raw printf subset (%s %c %d %u %x %lx %ld %lu %p %%) without libc. */
void kern_raw_printf(const char *fmt, ...);
void kern_raw_vprintf(const char *fmt, va_list ap);

/* Log through libc's formatting with the "os: " prefix and a newline, if
 * level is at or below the current log level. */
void kern_log(enum kern_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define kern_info(...) kern_log(KERN_LOG_INFO, __VA_ARGS__)
#define kern_debug(...) kern_log(KERN_LOG_DEBUG, __VA_ARGS__)
#define kern_error(...) kern_log(KERN_LOG_QUIET, __VA_ARGS__)

/* Set the log level (kernel option log=quiet|info|debug). */
void kern_log_set_level(enum kern_log_level level);

#endif
