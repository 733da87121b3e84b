/* The x86_64 page-table entry format (4-level paging), behind the
 * portable attributes kernel/mm/pt.c works with. Level 0 maps 4 KiB pages,
 * level 1 2 MiB, level 2 1 GiB; level 3 (PML4) only points to tables. */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H

#include <stdint.h>

#define ARCH_PT_LEVELS 4
#define ARCH_PT_ENTRIES 512
#define ARCH_PAGE_SHIFT 12
#define ARCH_PT_SHIFT(level) (ARCH_PAGE_SHIFT + 9 * (level))
#define ARCH_VA_BITS 48

/* Portable attributes of a leaf mapping. */
#define ARCH_PTE_READ 0x1 /* present: readable */
#define ARCH_PTE_WRITE 0x2
#define ARCH_PTE_EXEC 0x4
#define ARCH_PTE_UNCACHED 0x8 /* device memory */

#define X86_P (1ULL << 0)
#define X86_RW (1ULL << 1)
#define X86_PWT (1ULL << 3)
#define X86_PCD (1ULL << 4)
#define X86_PS (1ULL << 7)
#define X86_SOFT_LEAF (1ULL << 9) /* ours: a leaf kept while not present */
#define X86_NX (1ULL << 63)
#define X86_ADDR_MASK 0x000ffffffffff000ULL

/* The NX bit when EFER.NXE is on, else 0 (setting it would be a reserved
 * bit). Set once at boot by the memory manager. */
extern uint64_t arch_pte_nx;

/* A leaf entry at level mapping physical address pa with attrs. Without
 * ARCH_PTE_READ the entry is not present but keeps pa and the level, so
 * the mapping can be made accessible again (PROT_NONE). */
static inline uint64_t arch_pte_leaf(uint64_t pa, unsigned attrs, int level)
{
	uint64_t e = (pa & X86_ADDR_MASK) | X86_SOFT_LEAF;

	if (attrs & ARCH_PTE_READ)
		e |= X86_P;
	if (attrs & ARCH_PTE_WRITE)
		e |= X86_RW;
	if (!(attrs & ARCH_PTE_EXEC))
		e |= arch_pte_nx;
	if (attrs & ARCH_PTE_UNCACHED)
		e |= X86_PCD | X86_PWT;
	if (level > 0)
		e |= X86_PS;
	return e;
}

/* An entry pointing to the next-level table at pa; the leaves below
 * decide the permissions. */
static inline uint64_t arch_pte_table(uint64_t pa)
{
	return (pa & X86_ADDR_MASK) | X86_P | X86_RW;
}

/* Whether e is empty (nothing mapped there). */
static inline int arch_pte_none(uint64_t e)
{
	return e == 0;
}

/* Whether e (at level) points to a table rather than mapping a page. */
static inline int arch_pte_is_table(uint64_t e, int level)
{
	return level > 0 && (e & X86_P) && !(e & X86_PS);
}

/* The physical address in e (a table's, or a leaf's page). */
static inline uint64_t arch_pte_addr(uint64_t e)
{
	return e & X86_ADDR_MASK;
}

/* The portable attributes of leaf e. */
static inline unsigned arch_pte_attrs(uint64_t e)
{
	unsigned a = 0;

	if (e & X86_P)
		a |= ARCH_PTE_READ;
	if (e & X86_RW)
		a |= ARCH_PTE_WRITE;
	if (!(e & X86_NX))
		a |= ARCH_PTE_EXEC;
	if (e & X86_PCD)
		a |= ARCH_PTE_UNCACHED;
	return a;
}

/* Read EFER to learn whether NX may be used (sets arch_pte_nx). */
void arch_mmu_init(void);

/* Load root as the page-table root (CR3) and so flush the TLB. */
void arch_pt_load(uint64_t root);

/* Invalidate the TLB entry for va. */
void arch_tlb_flush_page(uint64_t va);

/* Leaf levels the CPU supports: bit L set if level L may hold a leaf
 * (always 0 and 1; 2 when CPUID offers 1 GiB pages). */
unsigned arch_pt_leaf_levels(void);

#endif
