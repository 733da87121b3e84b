/*
 * Exit statuses of a libos image, as `tools/run` reports them.
 *
 * QEMU's isa-debug-exit device turns a write of v into QEMU's own exit
 * status (v << 1) | 1, so only 128 odd values cross it, 1 collides with
 * QEMU's own failure and 0 cannot be produced at all (0 is what QEMU
 * returns after a triple fault under -no-reboot or a plain power-off).
 * libos therefore writes a code v from 1 to 124 that stands for one of:
 *
 *   0 .. OS_EXIT_MAX      the service's exit(n) or return from main
 *                         (v = n + 1)
 *   129 .. 147            the service ended by signal 1 to 19 (SIGTERM,
 *                         SIGKILL, SIGSEGV, SIGABRT ...), the conventional
 *                         128 + signal (v = n - 27)
 *   OS_EXIT_RANGE         any other service status; the kernel prints the
 *                         exact value
 *   OS_EXIT_BOOTCONF      bad boot configuration (e.g. an unknown option)
 *   OS_EXIT_PANIC         kernel panic (including stack smashing detected)
 *   OS_EXIT_TRAP          fatal CPU exception (the report is on the console)
 *                         (v = n + 1 for these four)
 *
 * and `tools/run` adds statuses that no guest can produce:
 *
 *   OS_EXIT_TIMEOUT   the guest ran past --timeout, or printed nothing
 *                     within --boot-timeout, and was stopped
 *   OS_EXIT_QEMU      bad use of tools/run (e.g. -m too small to load the
 *                     image), QEMU itself failed, or its status cannot be
 *                     decoded
 *   OS_EXIT_RESET     the guest reset (triple fault) or powered off
 *                     without reporting a status
 *   127               the guest did not stop within --stop-timeout of the
 *                     power button tools/run pressed on SIGTERM, SIGINT
 *                     or SIGHUP (or a second such signal came): QEMU was
 *                     killed
 *
 * so no crash or hang is ever reported as 0 or as a service status.
 */
#ifndef OS_EXIT_H
#define OS_EXIT_H

#define OS_EXIT_MAX 100
#define OS_EXIT_SIGNAL_MIN 129
#define OS_EXIT_SIGNAL_MAX 147
#define OS_EXIT_RANGE 120
#define OS_EXIT_BOOTCONF 121
#define OS_EXIT_PANIC 122
#define OS_EXIT_TRAP 123
#define OS_EXIT_TIMEOUT 124
#define OS_EXIT_QEMU 125
#define OS_EXIT_RESET 126

/* Stop the image over bad configuration the service found at start-up
 * (a zone database, a certificate, an option of its own): print
 * "os: boot configuration: " and message, and end with OS_EXIT_BOOTCONF,
 * as the kernel does for its own options. exit(121) cannot do this: a
 * service status of 121 is reported as OS_EXIT_RANGE. A long message is
 * cut to one console line (at most 255 bytes); one the service cannot
 * read is reported as such. Does not return; atexit handlers do not
 * run. */
__attribute__((noreturn)) void os_exit_bootconf(const char *message);

#endif
