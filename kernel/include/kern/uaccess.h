/* The service's pointers in system calls. Every pointer a system call
 * receives is checked against the service's own memory before use
 * (kernel/mm/urange.h says which ranges pass), and the kernel then reaches
 * that memory only through copies that recover from faults (the
 * exception table of arch/usercopy.h): a bad pointer makes the call fail
 * with EFAULT, as on Linux, and never faults the kernel. A first touch of
 * a valid service page inside a copy is resolved as anywhere else.
 *
 * The pattern per call: copy the small structures in (kern_copy_in),
 * work on the kernel's copy, copy results out (kern_copy_out). Large
 * buffers (read, write, send, recv) are checked once at the call's entry
 * (kern_user_check) and handed down; whatever fills or drains them (a
 * file's read and write operations) moves the bytes with kern_copy_safe,
 * which also serves the kernel's own callers with kernel buffers.
 *
 * kern_user_check, kern_copy_safe and kern_strncpy_safe are the running
 * image's (ucheck.c); the rest (uaccess.c) is built on them. */
#ifndef KERN_UACCESS_H
#define KERN_UACCESS_H

#include <stddef.h>
#include <sys/uio.h>

/* The access asked for: the service's memory is read, written, or both. */
#define KERN_UREAD 0x1
#define KERN_UWRITE 0x2

/* 0 if the service may access [p, p + n) as asked (KERN_UREAD,
 * KERN_UWRITE or both), else -EFAULT. */
int kern_user_check(const void *p, size_t n, unsigned access);

/* Copy n bytes from the service's usrc into the kernel's dst: 0, or
 * -EFAULT when usrc's range is not the service's to read or a fault
 * stopped the copy (dst may then hold part of it). */
int kern_copy_in(void *dst, const void *usrc, size_t n);

/* Copy n bytes from the kernel's src to the service's udst: 0, or
 * -EFAULT when udst's range is not the service's to write or a fault
 * stopped the copy (part of it may have been written). */
int kern_copy_out(void *udst, const void *src, size_t n);

/* Copy n bytes from src to dst without checking either, recovering from
 * a fault: 0 or -EFAULT. For service buffers checked at the system
 * call's entry, and for kernel memory. */
int kern_copy_safe(void *dst, const void *src, size_t n);

/* Copy bytes from src to dst until a NUL has been copied or n bytes
 * have, without checking either, recovering from a fault: the string's
 * length when a NUL was copied, n when none was, or -EFAULT. */
long kern_strncpy_safe(char *dst, const char *src, size_t n);

/* Copy the service's string usrc, NUL included, into dst (size bytes).
 * Returns its length, -EFAULT when a byte of it up to the NUL is not the
 * service's to read, or -ENAMETOOLONG when it does not fit. */
long kern_strncpy_in(char *dst, const char *usrc, size_t size);

/* Copy the service's array of cnt iovecs at uiov into the kernel (one
 * array, reused by the next call: a system call's, for its duration),
 * checking every segment for access. 0 with *out set, -EINVAL (cnt
 * outside [0, IOV_MAX] or a total above SSIZE_MAX) or -EFAULT. */
int kern_iov_in(const struct iovec *uiov, long cnt, unsigned access,
		const struct iovec **out);

#endif
