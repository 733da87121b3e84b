/* The service's virtual address space: a sorted array of non-overlapping
 * regions inside a window [lo, hi), each with protections and a kind.
 * Adjacent regions alike are merged. Pure code, unit-tested. */
#ifndef KERN_VMA_H
#define KERN_VMA_H

#include <stddef.h>
#include <stdint.h>

/* Protections, as PROT_READ/PROT_WRITE/PROT_EXEC. */
#define KERN_VMA_READ 0x1
#define KERN_VMA_WRITE 0x2
#define KERN_VMA_EXEC 0x4

enum kern_vma_kind {
	KERN_VMA_ANON,	/* anonymous memory, filled with zeroes on first use */
	KERN_VMA_GUARD, /* never accessible: the guard page below a stack */
};

struct kern_vma {
	uint64_t start, end; /* [start, end), page-aligned */
	unsigned prot;
	enum kern_vma_kind kind;
	const char *name; /* for guard regions: the stack's name */
};

struct kern_vmas {
	uint64_t lo, hi;    /* the window regions live in */
	struct kern_vma *v; /* sorted by start */
	size_t n, cap;
};

/* Start with no regions in [lo, hi), storing up to cap in array. */
void kern_vmas_init(struct kern_vmas *s, uint64_t lo, uint64_t hi,
		    struct kern_vma *array, size_t cap);

/* The lowest start of a free gap of size bytes, or 0 if there is none. */
uint64_t kern_vmas_find_gap(const struct kern_vmas *s, uint64_t size);

/* Add a region over [start, end), which must be free and inside the
 * window. 0, -EINVAL (outside, misaligned, empty), -EEXIST (overlap), or
 * -ENOMEM (the array is full). */
int kern_vmas_insert(struct kern_vmas *s, uint64_t start, uint64_t end,
		     unsigned prot, enum kern_vma_kind kind, const char *name);

/* Remove whatever lies in [start, end), cutting regions that straddle its
 * ends. 0, or -ENOMEM when a cut needs a slot and the array is full
 * (nothing is changed then). */
int kern_vmas_remove(struct kern_vmas *s, uint64_t start, uint64_t end);

/* Set the protections of [start, end), which must be wholly covered by
 * anonymous regions: 0, -ENOMEM if not covered or the array is full
 * (nothing is changed then). */
int kern_vmas_protect(struct kern_vmas *s, uint64_t start, uint64_t end,
		      unsigned prot);

/* The region containing addr, or NULL. */
const struct kern_vma *kern_vmas_lookup(const struct kern_vmas *s,
					uint64_t addr);

#endif
