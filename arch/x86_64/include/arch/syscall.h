/* The x86_64 SYSCALL entry and the kernel handler it calls. */
#ifndef ARCH_SYSCALL_H
#define ARCH_SYSCALL_H

/* The kernel's handler: nr and the six arguments of the Linux x86_64
 * ABI; returns the result, a negative errno on failure. */
typedef long (*arch_syscall_handler_t)(long nr, const long *args);

/* The entry point LSTAR points at (syscall_entry.S). */
void arch_syscall_entry(void);

/* Where arch_syscall_entry sends every call. */
extern arch_syscall_handler_t arch_syscall_handler;

#endif
