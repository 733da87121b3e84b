/* Leaving the image: the mapping of statuses onto QEMU's exit device
 * (documented in include/os/exit.h), service exit, and boot-configuration
 * errors. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <arch/power.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <os/exit.h>

unsigned kern_exit_code(int status)
{
	if (status >= 0 && status <= OS_EXIT_MAX)
		return (unsigned)status + 1;
	if (status >= OS_EXIT_SIGNAL_MIN && status <= OS_EXIT_SIGNAL_MAX)
		return (unsigned)status - 27;
	if (status > OS_EXIT_RANGE && status <= OS_EXIT_TRAP)
		return (unsigned)status + 1;
	return OS_EXIT_RANGE + 1;
}

#define MAX_ATEXIT 8

static void (*atexit_fns[MAX_ATEXIT])(void);
static int natexit;

int kern_atexit(void (*fn)(void))
{
	if (natexit == MAX_ATEXIT)
		return -ENOSPC;
	atexit_fns[natexit++] = fn;
	return 0;
}

static void run_atexit(void)
{
	while (natexit > 0)
		atexit_fns[--natexit]();
}

/* Whether a service status crosses the exit device exactly. */
static int representable(int status)
{
	return (status >= 0 && status <= OS_EXIT_MAX) ||
	       (status >= OS_EXIT_SIGNAL_MIN && status <= OS_EXIT_SIGNAL_MAX);
}

void kern_exit(int status)
{
	run_atexit();
	if (!representable(status)) {
		kern_error("exit status %d cannot be reported exactly (0..%d "
			   "and %d..%d can): reported as %d",
			   status, OS_EXIT_MAX, OS_EXIT_SIGNAL_MIN,
			   OS_EXIT_SIGNAL_MAX, OS_EXIT_RANGE);
		arch_exit(OS_EXIT_RANGE + 1);
	}
	kern_info("service exited with status %d", status);
	arch_exit(kern_exit_code(status));
}

void kern_exit_reserved(int status)
{
	arch_exit(kern_exit_code(status));
}

void kern_bootconf_error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kern_error("boot configuration: %s", buf);
	kern_error("stopping (exit status %d)", OS_EXIT_BOOTCONF);
	kern_exit_reserved(OS_EXIT_BOOTCONF);
}
