/* A page-run allocator over one range of identity-mapped RAM, with a bitmap
 * (1 = in use) and a high-water mark: pages above it were never handed out
 * and are still zero as the hypervisor gave them, so only reused pages are
 * cleared. Every run it returns is zeroed. Pure code, unit-tested. */
#ifndef KERN_PAGES_H
#define KERN_PAGES_H

#include <stddef.h>
#include <stdint.h>

#define KERN_PAGE_SIZE 4096UL

struct kern_pages {
	uintptr_t base; /* page-aligned start of the range */
	size_t npages;
	uint64_t *bitmap; /* npages bits */
	size_t used;	  /* pages in use */
	size_t highwater; /* pages at index >= highwater are pristine */
	size_t hint;	  /* where the next search starts */
};

/* Manage npages pages from base; bitmap must hold npages bits, zeroed. */
void kern_pages_init(struct kern_pages *p, uintptr_t base, size_t npages,
		     uint64_t *bitmap);

/* Take n free contiguous pages, zeroed; their address, or 0 if no run of
 * n pages is free. */
uintptr_t kern_pages_alloc(struct kern_pages *p, size_t n);

/* Take the n pages at addr, whether free or in use, zeroed (MAP_FIXED
 * semantics); 0, or -ENOMEM if they are not all inside the range. */
int kern_pages_alloc_at(struct kern_pages *p, uintptr_t addr, size_t n);

/* Grow the run of old_n pages at addr to new_n in place if the pages after
 * it are free (the new pages zeroed), or shrink it; 0 or -ENOMEM. */
int kern_pages_resize(struct kern_pages *p, uintptr_t addr, size_t old_n,
		      size_t new_n);

/* Return the pages of [addr, addr + n pages) that are in use; pages
 * outside the range or already free are ignored. */
void kern_pages_free(struct kern_pages *p, uintptr_t addr, size_t n);

/* Whether [addr, addr + n pages) lies inside the managed range. */
int kern_pages_contains(const struct kern_pages *p, uintptr_t addr, size_t n);

/* Pages not in use. */
static inline size_t kern_pages_free_count(const struct kern_pages *p)
{
	return p->npages - p->used;
}

#endif
