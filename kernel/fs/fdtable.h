/* Private to kernel/: the descriptor table's bookkeeping. Which
 * descriptors are open, on which file, with which FD_CLOEXEC flag; the
 * lowest-free rule and the dup rules (dup, dup2/dup3, F_DUPFD). Pure code:
 * it takes and drops no file references (the callers do), unit-tested. */
#ifndef KERNEL_FDTABLE_H
#define KERNEL_FDTABLE_H

#include <stdint.h>

#include <kern/file.h>

#define KERN_FDT_WORDS (KERN_FD_MAX / 64)

struct kern_fdtable {
	struct kern_file **file;	  /* max entries; NULL: closed */
	uint64_t open[KERN_FDT_WORDS];	  /* bit set: descriptor in use */
	uint64_t cloexec[KERN_FDT_WORDS]; /* bit set: FD_CLOEXEC */
	int max;			  /* descriptors, <= KERN_FD_MAX */
};

/* An empty table of max descriptors (1 to KERN_FD_MAX) whose file
 * pointers live in storage (max entries, any contents). */
void kern_fdtable_init(struct kern_fdtable *t, struct kern_file **storage,
		       int max);

/* The file open at fd, or NULL (fd closed or out of range). */
struct kern_file *kern_fdtable_get(const struct kern_fdtable *t, int fd);

/* Open the lowest free descriptor >= min on f (not NULL). Returns it,
 * -EINVAL when min is negative or not below max, -EMFILE when none is
 * free. */
int kern_fdtable_alloc(struct kern_fdtable *t, int min, struct kern_file *f,
		       int cloexec);

/* Close fd; returns the file it was open on, or NULL if it was not. */
struct kern_file *kern_fdtable_take(struct kern_fdtable *t, int fd);

/* dup2: make newfd refer to oldfd's file with cloexec, closing newfd
 * first if it was open (that file goes to *displaced, else NULL).
 * Returns newfd, or -EBADF when oldfd is not open or newfd is out of
 * range. When oldfd == newfd nothing changes (the caller must take no
 * reference then). */
int kern_fdtable_dup2(struct kern_fdtable *t, int oldfd, int newfd, int cloexec,
		      struct kern_file **displaced);

/* FD_CLOEXEC of fd (0 or 1), or -EBADF; setting it likewise. */
int kern_fdtable_cloexec(const struct kern_fdtable *t, int fd);
int kern_fdtable_set_cloexec(struct kern_fdtable *t, int fd, int on);

/* Descriptors open now. */
int kern_fdtable_count(const struct kern_fdtable *t);

#endif
