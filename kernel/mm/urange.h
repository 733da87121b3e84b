/* Which address ranges the kernel accepts from the service as system-call
 * pointers: the pure rule behind kern/uaccess.h, unit-tested. A range
 * [p, p + n) is the service's when it is empty (n = 0, whatever p), or
 * when it does not wrap past the top of the address space and either
 * lies wholly in the service's own regions (mmap, brk, stacks) with the
 * access asked for, or lies wholly in the image's spans that allow that
 * access (the service's and libc's globals and constants live there)
 * without touching a kernel stack or its guard page (those live in the
 * image's .bss too). Anything else fails: page 0, the RAM the kernel maps
 * 1:1 outside the image, device memory, addresses past the window. */
#ifndef KERN_URANGE_H
#define KERN_URANGE_H

#include <stddef.h>
#include <stdint.h>

#include <kern/uaccess.h> /* KERN_UREAD, KERN_UWRITE */

#include "debug/unwind.h"

/* A span of the image [lo, hi) and the accesses it allows. */
struct kern_urange_span {
	uint64_t lo, hi;
	unsigned access;
};

struct kern_urange_map {
	/* whether every byte of [lo, hi) (lo < hi, no wrap) lies in the
	 * service's regions and allows access */
	int (*service)(uint64_t lo, uint64_t hi, unsigned access);
	const struct kern_urange_span *image; /* any order; may touch */
	size_t nimage;
	const struct kern_stack *stacks; /* the kernel's, never accepted */
	size_t nstacks;
};

#define KERN_URANGE_GUARD 4096 /* the guard page below each stack */

/* Whether [p, p + n) may be accessed (access: KERN_UREAD, KERN_UWRITE
 * or both) by the rule above. */
int kern_urange_ok(const struct kern_urange_map *m, uint64_t p, uint64_t n,
		   unsigned access);

#endif
