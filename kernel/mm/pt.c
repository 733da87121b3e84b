/* Portable page-table operations (see kernel/mm/pt.h) on arch/'s entry format. */
#include <errno.h>

#include "mm/pt.h"

#define TOP (ARCH_PT_LEVELS - 1)

static uint64_t *table(uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static unsigned index_of(uint64_t va, int level)
{
	return (va >> ARCH_PT_SHIFT(level)) & (ARCH_PT_ENTRIES - 1);
}

static int aligned(uint64_t v, int level)
{
	return (v & (KERN_PT_SIZE(level) - 1)) == 0;
}

/* Whether [va, va + size) is page-aligned and inside the lower half. */
static int valid_range(uint64_t va, uint64_t size)
{
	const uint64_t top = 1ULL << (ARCH_VA_BITS - 1);

	return aligned(va, 0) && aligned(size, 0) && va <= top &&
	       size <= top - va;
}

static uint64_t new_table(struct kern_pt *pt)
{
	uint64_t pa = pt->ops->alloc_table(pt->ctx);

	if (pa)
		pt->tables++;
	return pa;
}

/* Free the table at pa (level: its entries' level) and all below it. */
static void free_tree(struct kern_pt *pt, uint64_t pa, int level)
{
	uint64_t *t = table(pa);

	for (int i = 0; level > 0 && i < ARCH_PT_ENTRIES; i++)
		if (arch_pte_is_table(t[i], level))
			free_tree(pt, arch_pte_addr(t[i]), level - 1);
	pt->ops->free_table(pt->ctx, pa);
	pt->tables--;
}

/* Replace the leaf *e at level by a table of leaves one level down. */
static int split_entry(struct kern_pt *pt, uint64_t *e, int level)
{
	uint64_t pa = arch_pte_addr(*e), tpa = new_table(pt);
	unsigned attrs = arch_pte_attrs(*e);
	uint64_t *t;

	if (!tpa)
		return -ENOMEM;
	t = table(tpa);
	for (int i = 0; i < ARCH_PT_ENTRIES; i++)
		t[i] = arch_pte_leaf(pa + i * KERN_PT_SIZE(level - 1), attrs,
				     level - 1);
	*e = arch_pte_table(tpa);
	return 0;
}

/* The entry for va at level, creating tables on the way and splitting
 * larger leaves above it. NULL when out of memory. */
static uint64_t *walk_create(struct kern_pt *pt, uint64_t va, int level)
{
	uint64_t *t = table(pt->root);

	for (int l = TOP; l > level; l--) {
		uint64_t *e = &t[index_of(va, l)];

		if (arch_pte_none(*e)) {
			uint64_t tpa = new_table(pt);

			if (!tpa)
				return NULL;
			*e = arch_pte_table(tpa);
		} else if (!arch_pte_is_table(*e, l) && split_entry(pt, e, l)) {
			return NULL;
		}
		t = table(arch_pte_addr(*e));
	}
	return &t[index_of(va, level)];
}

/* The entry that maps va (a leaf at *level), or the empty entry where the
 * walk stopped (also at *level). Never NULL. */
static uint64_t *find(const struct kern_pt *pt, uint64_t va, int *level)
{
	uint64_t *t = table(pt->root);

	for (int l = TOP;; l--) {
		uint64_t *e = &t[index_of(va, l)];

		if (!arch_pte_is_table(*e, l)) {
			*level = l;
			return e;
		}
		t = table(arch_pte_addr(*e));
	}
}

int kern_pt_init(struct kern_pt *pt, const struct kern_pt_ops *ops, void *ctx,
		 unsigned leaf_levels)
{
	*pt = (struct kern_pt){ .ops = ops,
				.ctx = ctx,
				.leaf_levels = leaf_levels | 1 };
	pt->root = new_table(pt);
	return pt->root ? 0 : -ENOMEM;
}

/* The largest allowed leaf level for mapping va -> pa with size left. */
static int best_level(const struct kern_pt *pt, uint64_t va, uint64_t pa,
		      uint64_t left)
{
	for (int l = TOP - 1; l > 0; l--)
		if ((pt->leaf_levels & (1u << l)) && aligned(va, l) &&
		    aligned(pa, l) && left >= KERN_PT_SIZE(l))
			return l;
	return 0;
}

int kern_pt_map(struct kern_pt *pt, uint64_t va, uint64_t pa, uint64_t size,
		unsigned attrs)
{
	uint64_t done = 0;

	if (!valid_range(va, size) || !aligned(pa, 0))
		return -EINVAL;
	while (done < size) {
		int l = best_level(pt, va + done, pa + done, size - done);
		uint64_t *e = walk_create(pt, va + done, l), old;

		if (!e) {
			pt->ops->flush(pt->ctx, va, done);
			return -ENOMEM;
		}
		old = *e;
		*e = arch_pte_leaf(pa + done, attrs, l);
		if (arch_pte_is_table(old, l)) {
			/* No cached walk may reach the old tables once freed.
			 */
			pt->ops->flush(pt->ctx, va + done, KERN_PT_SIZE(l));
			free_tree(pt, arch_pte_addr(old), l - 1);
		}
		done += KERN_PT_SIZE(l);
	}
	pt->ops->flush(pt->ctx, va, size);
	return 0;
}

/* The lowest non-empty leaf entry mapping an address in [va, end) within
 * the table at tpa, whose entries are at level and whose span holds va;
 * NULL if there is none. Its page's start goes to *at, its level to *lp.
 * Empty entries are stepped over whole. */
static uint64_t *scan(struct kern_pt *pt, uint64_t tpa, int level, uint64_t va,
		      uint64_t end, uint64_t *at, int *lp)
{
	uint64_t *t = table(tpa), size = KERN_PT_SIZE(level);

	for (unsigned i = index_of(va, level); i < ARCH_PT_ENTRIES && va < end;
	     i++) {
		uint64_t *e = &t[i], base = va & ~(size - 1);

		pt->visits++;
		if (arch_pte_is_table(*e, level)) {
			uint64_t *found = scan(pt, arch_pte_addr(*e), level - 1,
					       va, end, at, lp);

			if (found)
				return found;
		} else if (!arch_pte_none(*e)) {
			*at = base;
			*lp = level;
			return e;
		}
		va = base + size;
	}
	return NULL;
}

int kern_pt_next_leaf(struct kern_pt *pt, uint64_t va, uint64_t size,
		      struct kern_pt_leaf *leaf)
{
	uint64_t *e;

	if (!valid_range(va, size))
		return -EINVAL;
	e = scan(pt, pt->root, TOP, va, va + size, &leaf->va, &leaf->level);
	if (!e)
		return -ENOENT;
	leaf->pa = arch_pte_addr(*e);
	leaf->attrs = arch_pte_attrs(*e);
	return 0;
}

enum range_op {
	OP_UNMAP,
	OP_PROTECT
};

/* Apply op to every leaf in [va, va + size), splitting partial ones;
 * only the tables present are walked. */
static int for_range(struct kern_pt *pt, uint64_t va, uint64_t size,
		     enum range_op op, unsigned attrs)
{
	uint64_t pos = va, end = va + size, at;
	uint64_t *e;
	int l;

	if (!valid_range(va, size))
		return -EINVAL;
	while (pos < end && (e = scan(pt, pt->root, TOP, pos, end, &at, &l))) {
		uint64_t next = at + KERN_PT_SIZE(l);

		if (at < pos || next > end) {
			if (split_entry(pt, e, l)) {
				pt->ops->flush(pt->ctx, va, pos - va);
				return -ENOMEM;
			}
			continue; /* the leaf at pos is smaller now */
		}
		*e = op == OP_UNMAP ?
			     0 :
			     arch_pte_leaf(arch_pte_addr(*e), attrs, l);
		pos = next;
	}
	pt->ops->flush(pt->ctx, va, size);
	return 0;
}

int kern_pt_unmap(struct kern_pt *pt, uint64_t va, uint64_t size)
{
	return for_range(pt, va, size, OP_UNMAP, 0);
}

int kern_pt_protect(struct kern_pt *pt, uint64_t va, uint64_t size,
		    unsigned attrs)
{
	return for_range(pt, va, size, OP_PROTECT, attrs);
}

int kern_pt_translate(const struct kern_pt *pt, uint64_t va, uint64_t *pa,
		      unsigned *attrs, int *level)
{
	int l;
	uint64_t *e = find(pt, va, &l);

	if (arch_pte_none(*e))
		return -ENOENT;
	if (pa)
		*pa = arch_pte_addr(*e) + (va & (KERN_PT_SIZE(l) - 1));
	if (attrs)
		*attrs = arch_pte_attrs(*e);
	if (level)
		*level = l;
	return 0;
}

int kern_pt_split(struct kern_pt *pt, uint64_t va, int level)
{
	int l;
	uint64_t *e = find(pt, va, &l);

	if (arch_pte_none(*e))
		return -ENOENT;
	while (l > level) {
		if (split_entry(pt, e, l))
			return -ENOMEM;
		e = find(pt, va, &l);
	}
	pt->ops->flush(pt->ctx, va & ~(KERN_PT_SIZE(level) - 1),
		       KERN_PT_SIZE(level));
	return 0;
}

static void count_table(uint64_t pa, int level, size_t *counts)
{
	const uint64_t *t = table(pa);

	for (int i = 0; i < ARCH_PT_ENTRIES; i++) {
		if (arch_pte_is_table(t[i], level))
			count_table(arch_pte_addr(t[i]), level - 1, counts);
		else if (!arch_pte_none(t[i]))
			counts[level]++;
	}
}

void kern_pt_count_leaves(const struct kern_pt *pt, size_t *counts)
{
	for (int l = 0; l < ARCH_PT_LEVELS; l++)
		counts[l] = 0;
	count_table(pt->root, TOP, counts);
}
