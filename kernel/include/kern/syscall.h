/* The Linux x86_64 system-call interface that musl calls into. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

/* Run system call nr with args[0..5]; returns the result or a negative
 * errno. An unknown nr returns -ENOSYS and is logged once by name. */
long kern_syscall(long nr, const long *args);

/* Name of system call nr from musl's table, or NULL (generated file). */
const char *kern_syscall_name(long nr);

#endif
