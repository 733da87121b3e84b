/* The service's virtual address space: a sorted array of non-overlapping
 * regions inside a window [lo, hi), each with protections and a kind.
 * Adjacent regions alike are merged (file regions only where their frames
 * follow on). Pure code, unit-tested. */
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
	KERN_VMA_FILE,	/* a file's own bytes, the frames from pa on (a
			 * baked-in file's image pages): the region owns
			 * none of them and promises none */
};

struct kern_vma {
	uint64_t start, end; /* [start, end), page-aligned */
	unsigned prot;
	enum kern_vma_kind kind;
	const char *name; /* for guard regions: the stack's name */
	uint64_t pa;	  /* file regions: the frame mapped at start */
	unsigned deny;	  /* protections mprotect may not give (Linux's
			   * missing VM_MAY*): 0 for no limit */
	int copy;	  /* anonymous regions: a file's bytes, copied at
			   * mmap, that a new zeroed page would lose */
};

struct kern_vmas {
	uint64_t lo, hi;    /* the window regions live in */
	struct kern_vma *v; /* sorted by start */
	size_t n, cap;
};

/* How a system call's (addr, len) names a range, before any lookup. */
enum kern_vma_range {
	KERN_VMA_RANGE_OK,	  /* page-aligned, non-empty, ends by top */
	KERN_VMA_RANGE_EMPTY,	  /* len is 0 (addr is aligned) */
	KERN_VMA_RANGE_UNALIGNED, /* addr is not page-aligned */
	KERN_VMA_RANGE_WRAPS,	  /* len rounded up to pages, or the range's
				     end, passes 2^64 */
	KERN_VMA_RANGE_OUTSIDE,	  /* the range ends above top */
};

/* Classify [addr, addr + len) with len rounded up to whole pages, checked
 * in the order of the enumeration (each system call maps the classes to
 * Linux's errors); with KERN_VMA_RANGE_OK, *end gets the range's end.
 * top bounds the address space (a page multiple). */
enum kern_vma_range kern_vma_range(uint64_t addr, uint64_t len, uint64_t top,
				   uint64_t *end);

/* Start with no regions in [lo, hi), storing up to cap in array. */
void kern_vmas_init(struct kern_vmas *s, uint64_t lo, uint64_t hi,
		    struct kern_vma *array, size_t cap);

/* The lowest start of a free gap of size bytes, or 0 if there is none. */
uint64_t kern_vmas_find_gap(const struct kern_vmas *s, uint64_t size);

/* Add a region over [start, end), which must be free and inside the
 * window, that mprotect may give any protections. 0, -EINVAL (outside,
 * misaligned, empty), -EEXIST (overlap), or -ENOMEM (the array is
 * full). */
int kern_vmas_insert(struct kern_vmas *s, uint64_t start, uint64_t end,
		     unsigned prot, enum kern_vma_kind kind, const char *name);

/* Add the region *r (all its fields: a file region's pa must be
 * page-aligned), checked as kern_vmas_insert. */
int kern_vmas_insert_region(struct kern_vmas *s, const struct kern_vma *r);

/* Remove whatever lies in [start, end), cutting regions that straddle its
 * ends. 0 (also when the range is empty), -EINVAL when end < start, or
 * -ENOMEM when a cut needs a slot and the array is full (nothing is
 * changed then). */
int kern_vmas_remove(struct kern_vmas *s, uint64_t start, uint64_t end);

/* Set the protections of [start, end), which must be wholly covered by
 * anonymous and file regions: 0 (also when the range is empty), -ENOMEM
 * if not covered (a range with end < start never is), -EACCES if a
 * region there denies some of prot, -ENOMEM if the array is full
 * (nothing is changed on failure). */
int kern_vmas_protect(struct kern_vmas *s, uint64_t start, uint64_t end,
		      unsigned prot);

/* Whether every address of [start, end) lies in an anonymous region: 1
 * (also for an empty range) or 0 (also when end < start). The cost grows
 * with the regions crossed, not the length. */
int kern_vmas_covered(const struct kern_vmas *s, uint64_t start, uint64_t end);

/* Whether every address of [start, end) lies in an anonymous or a file
 * region, as kern_vmas_covered. */
int kern_vmas_mapped(const struct kern_vmas *s, uint64_t start, uint64_t end);

/* The first region of kind that meets [start, end), or NULL. */
const struct kern_vma *kern_vmas_first_of(const struct kern_vmas *s,
					  uint64_t start, uint64_t end,
					  enum kern_vma_kind kind);

/* Bytes of [start, end) that lie in anonymous regions (0 when
 * end <= start), visiting only the regions that meet the range. */
uint64_t kern_vmas_anon_bytes(const struct kern_vmas *s, uint64_t start,
			      uint64_t end);

/* Whether [start, end) is non-empty, inside the window and meets no
 * region (it could be inserted). */
int kern_vmas_is_free(const struct kern_vmas *s, uint64_t start, uint64_t end);

/* The region containing addr, or NULL. */
const struct kern_vma *kern_vmas_lookup(const struct kern_vmas *s,
					uint64_t addr);

#endif
