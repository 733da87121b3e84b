/* Page tables, portably: map, unmap, protect, translate and split over
 * the entry format arch/ defines (arch/pte.h). Tables are reached through
 * their physical address, which must be identity-mapped (the kernel maps
 * all RAM 1:1; host tests use host memory). Every range is page-aligned.
 * Mappings use the largest page size the alignment and the allowed leaf
 * levels permit; a larger page is split only where a change covers part
 * of it. Addresses are those of the lower half (below 2^47). Pure code,
 * unit-tested on the host. */
#ifndef KERN_PT_H
#define KERN_PT_H

#include <stddef.h>
#include <stdint.h>

#include <arch/pte.h>

#define KERN_PT_READ ARCH_PTE_READ
#define KERN_PT_WRITE ARCH_PTE_WRITE
#define KERN_PT_EXEC ARCH_PTE_EXEC
#define KERN_PT_UNCACHED ARCH_PTE_UNCACHED

/* The size of a page at level (0: 4 KiB, 1: 2 MiB, 2: 1 GiB). */
#define KERN_PT_SIZE(level) (1ULL << ARCH_PT_SHIFT(level))

struct kern_pt_ops {
	/* A zeroed, page-aligned table page; its physical address, or 0. */
	uint64_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, uint64_t pa);
	/* Forget cached translations of [va, va + size). */
	void (*flush)(void *ctx, uint64_t va, uint64_t size);
};

struct kern_pt {
	uint64_t root;	      /* physical address of the top table */
	unsigned leaf_levels; /* bit L: leaves allowed at level L */
	const struct kern_pt_ops *ops;
	void *ctx;
	size_t tables; /* table pages in use, the root included */
	size_t visits; /* entries examined by range walks: their cost */
};

/* A leaf mapping, as kern_pt_next_leaf finds it. */
struct kern_pt_leaf {
	uint64_t va, pa; /* where its page starts, virtual and physical */
	int level;	 /* its size: KERN_PT_SIZE(level) */
	unsigned attrs;
};

/* Set pt up with an empty root table. 0, or -ENOMEM. */
int kern_pt_init(struct kern_pt *pt, const struct kern_pt_ops *ops, void *ctx,
		 unsigned leaf_levels);

/* Map [va, va + size) to [pa, pa + size) with attrs (KERN_PT_*), replacing
 * whatever was mapped there. 0, -EINVAL if misaligned, -ENOMEM if a table
 * could not be allocated (the range may then be partly mapped). */
int kern_pt_map(struct kern_pt *pt, uint64_t va, uint64_t pa, uint64_t size,
		unsigned attrs);

/* Remove every mapping in [va, va + size); holes are skipped at the cost
 * of the tables present (as kern_pt_next_leaf). 0, -EINVAL, or -ENOMEM
 * when a larger page had to be split and could not be. Tables emptied
 * stay. */
int kern_pt_unmap(struct kern_pt *pt, uint64_t va, uint64_t size);

/* Give every mapping in [va, va + size) the attributes attrs, keeping its
 * physical address (without KERN_PT_READ the pages become inaccessible
 * but stay mapped). Holes are skipped. 0, -EINVAL or -ENOMEM. */
int kern_pt_protect(struct kern_pt *pt, uint64_t va, uint64_t size,
		    unsigned attrs);

/* The mapping of va: physical address, attributes and leaf level. 0, or
 * -ENOENT when nothing is mapped there. Any output may be NULL. */
int kern_pt_translate(const struct kern_pt *pt, uint64_t va, uint64_t *pa,
		      unsigned *attrs, int *level);

/* The lowest leaf (a mapped page, accessible or not) mapping an address in
 * [va, va + size): 0 with *leaf filled (its page may start below va), or
 * -ENOENT if there is none, -EINVAL if the range is misaligned or outside
 * the lower half. Empty entries are skipped whole at whatever level they
 * stand, so the cost follows the tables present, not the range's length;
 * each entry examined adds 1 to pt->visits. */
int kern_pt_next_leaf(struct kern_pt *pt, uint64_t va, uint64_t size,
		      struct kern_pt_leaf *leaf);

/* Split the page mapping va down to pages of level (keeping addresses and
 * attributes). 0 (also when it is already that small), -ENOENT, -ENOMEM. */
int kern_pt_split(struct kern_pt *pt, uint64_t va, int level);

/* Count the leaves (mapped pages, present or not) per level into
 * counts[0..ARCH_PT_LEVELS). */
void kern_pt_count_leaves(const struct kern_pt *pt, size_t *counts);

#endif
