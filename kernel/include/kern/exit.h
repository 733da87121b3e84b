/* Ending the image with a status tools/run can decode (see os/exit.h). */
#ifndef KERN_EXIT_H
#define KERN_EXIT_H

/* The value written to the exit device for an image status s (a service
 * status, or one of the reserved OS_EXIT_* statuses), as os/exit.h lays
 * out; statuses that cannot cross map to OS_EXIT_RANGE's code. */
unsigned kern_exit_code(int status);

/* Run fn at service exit (before the VM stops; not on panic or CPU
 * exception), e.g. to let a device finish sending or to print counters.
 * Up to 8 functions, run last registered first. 0 or -ENOSPC. */
int kern_atexit(void (*fn)(void));

/* The service ended with status (exit(), exit_group() or return from
 * main). Reports it on the console and leaves the VM. */
__attribute__((noreturn)) void kern_exit(int status);

/* Leave the VM with one of the reserved OS_EXIT_* statuses. Raw console
 * only: safe on the panic path. */
__attribute__((noreturn)) void kern_exit_reserved(int status);

/* Print "os: panic: " and the raw-formatted message, a backtrace of the
 * caller, and leave with OS_EXIT_PANIC. Uses the raw console only. */
__attribute__((noreturn, format(printf, 1, 2))) void kern_panic(const char *fmt,
								...);

/* Stop the boot over bad configuration: print "os: boot configuration:
 * " and the message, leave with OS_EXIT_BOOTCONF. */
__attribute__((noreturn, format(printf, 1, 2))) void
kern_bootconf_error(const char *fmt, ...);

#endif
