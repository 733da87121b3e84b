/* The Linux x86_64 system-call interface that musl calls into. */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include <kern/component.h>

/* Run system call nr with args[0..5]; returns the result or a negative
 * errno. An unknown nr returns -ENOSYS and is logged once by name. */
long kern_syscall(long nr, const long *args);

/* A system call's implementation: the six raw arguments in, the result
 * or a negative errno out. Pointers among the arguments are the
 * service's: reached only as kern/uaccess.h says (a bad one is -EFAULT,
 * never a fault). */
typedef long (*kern_syscall_fn)(const long *args);

/* Let an optional part of the image (kern/component.h: net/'s sockets,
 * the kernel's epoll, poll, eventfd, timerfd, interval timers) implement
 * call nr. 0, or -EBUSY when the kernel or someone else already does. */
int kern_syscall_register(long nr, kern_syscall_fn fn);

/* kern_syscall_register, with the call's time charged to layer (a
 * kern_prof_layer: net/ registers its socket calls as KERN_PROF_NET). */
int kern_syscall_register_layer(long nr, kern_syscall_fn fn, int layer);

struct kern_syscall_entry {
	long nr;
	kern_syscall_fn fn;
};

/* kern_syscall_register for each of the n entries: 0 or the first
 * error. */
int kern_syscall_register_all(const struct kern_syscall_entry *e,
			      unsigned long n);

/* Define component id (kern/component.h) whose set-up registers the
 * system calls of the array calls: a family of calls that is in an image
 * only when its service uses it (cmake/OsParts.cmake says when). */
#define KERN_SYSCALL_COMPONENT(id, calls)                         \
	static int id##_setup(struct kern_cmdline *cl)            \
	{                                                         \
		(void)cl;                                         \
		return kern_syscall_register_all(                 \
			calls, sizeof(calls) / sizeof(calls[0])); \
	}                                                         \
	KERN_COMPONENT(id, .setup = id##_setup)

/* Name of system call nr from musl's table, or NULL (generated file). */
const char *kern_syscall_name(long nr);

#endif
