/* The Linux x86_64 system-call interface that musl calls into. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

/* Run system call nr with args[0..5]; returns the result or a negative
 * errno. An unknown nr returns -ENOSYS and is logged once by name. */
long kern_syscall(long nr, const long *args);

/* A system call's implementation: the six raw arguments in, the result
 * or a negative errno out. Pointers among the arguments are the
 * service's: reached only as kern/uaccess.h says (a bad one is -EFAULT,
 * never a fault). */
typedef long (*kern_syscall_fn)(const long *args);

/* Let a higher layer (net/ for the socket calls) implement call nr.
 * 0, or -EBUSY when the kernel or someone else already does. */
int kern_syscall_register(long nr, kern_syscall_fn fn);

/* Name of system call nr from musl's table, or NULL (generated file). */
const char *kern_syscall_name(long nr);

#endif
