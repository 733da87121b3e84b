/* Fault-recovering copies (usercopy.S): a page fault or #GP on the
 * memory they read or write ends the copy and is reported, instead of
 * being fatal, through the exception table (arch_trap_fixup in
 * arch/trap.h). They check nothing about the addresses: the kernel's
 * kern/uaccess.h decides which ranges the service may name. */
#ifndef ARCH_USERCOPY_H
#define ARCH_USERCOPY_H

#include <stddef.h>

/* Copy n bytes from src to dst. Returns the bytes not copied: 0 when all
 * were, else the copy stopped at a fault after n minus that many. */
size_t arch_copy_safe(void *dst, const void *src, size_t n);

/* Copy bytes from src to dst until a NUL has been copied or n bytes
 * have. Returns the string's length when a NUL was copied, n when none
 * was among the n bytes, -1 when a fault stopped the copy. */
long arch_strncpy_safe(char *dst, const char *src, size_t n);

#endif
