/* Fatal-error reporting: CPU exception reports, panics and backtraces. */
#ifndef KERN_FAULT_H
#define KERN_FAULT_H

#include <stdint.h>

/* Take over the CPU's exception hook: any exception prints a report
 * (name, error code, registers, symbolized backtrace) and ends the image
 * with OS_EXIT_TRAP. */
void kern_fault_init(void);

/* Name a stack so that the unwinder may walk it and reports can name it.
 * Returns 0, or -ENOSPC when the table is full. */
int kern_stack_register(const char *name, uintptr_t lo, uintptr_t hi);

/* Print a backtrace (raw console): pc first, unless it is 0, then the
 * return addresses found by walking frame records from fp. */
void kern_backtrace_print(uint64_t pc, uint64_t fp);

#endif
