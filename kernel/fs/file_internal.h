/* Private to kernel/: what the parts of the file layer share beyond
 * kern/file.h. file.c keeps the open files and the descriptor table;
 * sys_io.c has the generic I/O calls, poll.c poll/select, epoll.c,
 * eventfd.c, timerfd.c, synthfs.c, and vfs.c and devfiles.c (the file
 * tree's) their kinds of file and calls, console_file.c the console on
 * descriptors 0-2. */
#ifndef KERNEL_FILE_INTERNAL_H
#define KERNEL_FILE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <kern/file.h>

#include "fs/fdtable.h"

/* Someone (an epoll item) watching a file: told of each notify, and of
 * the file's release, after which the watch is gone (the file unlinks
 * it before calling gone). */
struct kern_file_watch {
	struct kern_file_watch *next, **pprev; /* the file's watchers */
	void (*notify)(struct kern_file_watch *w);
	void (*gone)(struct kern_file_watch *w);
};

/* Add w to f's watchers; take w off its file's watchers. */
void kern_file_watch(struct kern_file *f, struct kern_file_watch *w);
void kern_file_unwatch(struct kern_file_watch *w);

/* f's first watcher (then follow ->next), or NULL. */
struct kern_file_watch *kern_file_watchers(struct kern_file *f);

/* Mark f as a file whose readiness changes are not notified (the
 * console): epoll keeps looking at it. kern_file_polled says so. */
void kern_file_set_polled(struct kern_file *f);
int kern_file_polled(struct kern_file *f);

/* f's readiness: ops->poll, or POLLIN | POLLOUT without one; POLLRDNORM
 * and POLLWRNORM added alongside POLLIN and POLLOUT. */
unsigned kern_file_poll(struct kern_file *f);

/* Fill st as fstat does for f (defaults, then ops->stat). 0 or -errno. */
int kern_file_stat(struct kern_file *f, struct stat *st);

/* The descriptor table. */
struct kern_fdtable *kern_fd_table(void);

/* The monotonic deadline timeout_ns from now (negative: forever). */
uint64_t kern_file_deadline(int64_t timeout_ns);

/* Checked nanoseconds of a user timespec: -EINVAL when out of range;
 * saturates at INT64_MAX. */
int64_t kern_file_timespec_ns(const struct timespec *ts);

/* Apply the blocked-signal mask *mask (the service's) for the length of
 * a wait (ppoll, pselect6, epoll_pwait): begin returns 0, -EINVAL (size
 * is not 8) or -EFAULT, and saves the old mask in *saved; end delivers
 * the signals the wait was interrupted by (when r is -EINTR) under the
 * temporary mask, restores the old one and returns r. Both do nothing
 * when mask is NULL. */
int kern_file_sigmask_begin(const uint64_t *mask, size_t size, uint64_t *saved);
long kern_file_sigmask_end(long r, const uint64_t *mask, uint64_t saved);

/* The console file (one, shared by descriptors 0, 1 and 2), with one
 * reference. */
struct kern_file *kern_console_file(void);

/* Register the kernel's own synthetic files (/etc/hosts). */
void kern_synth_defaults(void);

#endif
