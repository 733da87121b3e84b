/* Open files: the kernel's file-descriptor table and the operations each
 * kind of file provides (console, sockets from net/, eventfd, timerfd,
 * epoll, and the file tree's files, directories and devices). A higher
 * layer adds a kind of file by filling a struct kern_file_ops; the
 * kernel never calls up otherwise.
 *
 * Readiness: ops->poll reports what a file is ready for now (POLLIN,
 * POLLOUT, POLLERR, POLLHUP, POLLRDHUP, POLLPRI). Whoever changes that
 * (data arrived, buffer space freed, the peer closed) calls
 * kern_file_notify(), which edge-triggered epoll and blocked waiters rely
 * on. Blocking calls wait in the event loop (kern/loop.h) until ready. */
#ifndef KERN_FILE_H
#define KERN_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KERN_FD_MAX 4096 /* descriptors per service (RLIMIT_NOFILE) */

struct kern_file;
struct iovec;
struct stat;

struct kern_file_ops {
	const char *name; /* "console", "socket", "eventfd" ... */
	/* read/write n bytes at most; -EAGAIN when not ready and the file
	 * is non-blocking (O_NONBLOCK in f->flags); blocking files wait in
	 * the loop (interruptibly: -EINTR). NULL: -EINVAL. buf is the
	 * service's, checked by the caller, or the kernel's: the bytes move
	 * only with kern_copy_safe (kern/uaccess.h); a fault there fails
	 * the call with -EFAULT */
	ssize_t (*read)(struct kern_file *f, void *buf, size_t n);
	ssize_t (*write)(struct kern_file *f, const void *buf, size_t n);
	/* readiness now, a POLL* mask; must not block or notify. NULL: a
	 * file epoll refuses (EPERM) and poll/select see as always ready
	 * for reading and writing, like a regular file */
	unsigned (*poll)(struct kern_file *f);
	/* an ioctl the generic layer does not handle; NULL: -ENOTTY. arg
	 * is the service's pointer, unchecked: reach it only with
	 * kern_copy_in/kern_copy_out */
	long (*ioctl)(struct kern_file *f, unsigned long req, void *arg);
	/* fstat: st comes filled in for a character device (st_ino,
	 * st_dev, st_nlink, st_blksize, st_mode S_IFCHR | 0600); adjust
	 * what differs. NULL: that is all */
	int (*stat)(struct kern_file *f, struct stat *st);
	/* the last reference went away: free everything */
	void (*release)(struct kern_file *f);
	/* reposition (whence SEEK_SET/SEEK_CUR/SEEK_END); returns the new
	 * offset. NULL: -ESPIPE (pipes, sockets, devices) */
	off_t (*lseek)(struct kern_file *f, off_t off, int whence);
	/* readv/writev of cnt segments with the file's own semantics (a
	 * datagram socket moves one datagram across all of them): iov is
	 * the kernel's copy, each segment checked as read's and write's
	 * buf. NULL: read or write each segment in turn */
	ssize_t (*readv)(struct kern_file *f, const struct iovec *iov, int cnt);
	ssize_t (*writev)(struct kern_file *f, const struct iovec *iov,
			  int cnt);
	/* positioned read and write (pread64, pwrite64, and the file
	 * layer's own copies): as read and write at offset off (>= 0), the
	 * file position left alone. NULL: -ESPIPE */
	ssize_t (*pread)(struct kern_file *f, void *buf, size_t n, off_t off);
	ssize_t (*pwrite)(struct kern_file *f, const void *buf, size_t n,
			  off_t off);
	/* The file's bytes from off as kernel memory that stays valid and
	 * unchanged until the VM stops (a baked-in or initrd file, whose
	 * bytes are the image's or the archive's own): returns their
	 * address (not necessarily page-aligned) and sets *avail to the
	 * bytes from there to the end of the file; NULL when off is at or
	 * past the end. NULL op: the file has no such bytes. mmap maps them
	 * without a copy when the address is page-aligned; sendfile hands
	 * them to ->write_stable. */
	const void *(*stable)(struct kern_file *f, off_t off, size_t *avail);
	/* write n bytes of kernel memory that stays valid and unchanged
	 * until the VM stops (from ->stable), referencing them rather than
	 * copying where the file can (a TCP socket); as ->write otherwise.
	 * NULL: sendfile uses ->write */
	ssize_t (*write_stable)(struct kern_file *f, const void *buf, size_t n);
};

struct kern_file {
	const struct kern_file_ops *ops;
	void *priv;	 /* the owner's */
	int flags;	 /* O_NONBLOCK, O_RDONLY/O_WRONLY/O_RDWR, ... */
	int refs;	 /* descriptors (and callers) holding it; epoll
			  * sets hold none: a released file leaves them */
	uint64_t events; /* kern_file_notify() count, for edge triggers */
};

/* A new file of kind ops with one reference. flags holds the access mode
 * (O_RDWR for sockets: read on an O_WRONLY file and write on an O_RDONLY
 * one fail with EBADF) and O_NONBLOCK; O_CLOEXEC is dropped (it belongs
 * to the descriptor: see kern_fd_install). NULL when out of memory. */
struct kern_file *kern_file_new(const struct kern_file_ops *ops, void *priv,
				int flags);

/* Take and drop a reference; the last drop calls ops->release. */
void kern_file_get(struct kern_file *f);
void kern_file_put(struct kern_file *f);

/* f's readiness may have changed: wake edge-triggered epoll sets. */
void kern_file_notify(struct kern_file *f);

/* Install f at the lowest free descriptor (it takes over the caller's
 * reference). Returns the descriptor, or -EMFILE (the caller keeps its
 * reference then). cloexec is recorded. */
int kern_fd_install(struct kern_file *f, int cloexec);

/* The file behind fd (no new reference), or NULL. */
struct kern_file *kern_fd_file(int fd);

/* Wait in the event loop until f is ready for one of events (POLLIN ...;
 * POLLERR and POLLHUP always count) or a signal arrives or timeout_ns
 * passes (negative: forever). Returns the ready mask, 0 on timeout,
 * -EINTR. */
long kern_file_wait(struct kern_file *f, unsigned events, int64_t timeout_ns);

/* Set up the table with the console on descriptors 0, 1 and 2. The
 * file tree (paths) is the optional part "files" (kernel/fs/fs_boot.c). */
void kern_file_init(void);

#define KERN_SYNTH_MAX 32 /* synthetic files */

/* Make path (absolute, e.g. "/etc/resolv.conf"; the string must stay
 * valid) a read-only synthetic file. content() is called at each open;
 * the string it returns is what that open file reads, so it must stay
 * valid and unchanged while the file is open (a layer that rewrites its
 * buffer in place lets open readers see the new text). Registering a
 * path again replaces its content function (a layer may override the
 * kernel's /etc/hosts). Any time, before or after kern_file_init.
 * A regular file at path from the baked-in tree or the initrd stays:
 * the service's own file wins. Returns 0, -EINVAL (path not absolute,
 * content NULL, a component on the way is not a directory) or -ENOSPC. */
int kern_synth_register(const char *path, const char *(*content)(void));

#endif
