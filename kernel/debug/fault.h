/* Fatal-error reporting: CPU exception reports, panics and backtraces. */
#ifndef KERN_FAULT_H
#define KERN_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "debug/unwind.h"

/* Take over the CPU's exception hook: any exception prints a report
 * (name, error code, registers, symbolized backtrace) and ends the image
 * with OS_EXIT_TRAP. */
void kern_fault_init(void);

/* Name the stack [lo, hi) so that the unwinder may walk it and reports
 * can name it; the page below lo is its guard page, never mapped. Returns
 * 0, or -ENOSPC when the table is full. */
int kern_stack_register(const char *name, uintptr_t lo, uintptr_t hi);

/* The registered stacks (*n of them). */
const struct kern_stack *kern_stacks(size_t *n);

/* Print a backtrace (raw console): pc first, unless it is 0, then the
 * return addresses found by walking frame records from fp. */
void kern_backtrace_print(uint64_t pc, uint64_t fp);

#endif
