/*
 * The service's address space: brk, mmap, munmap, mremap, mprotect and
 * madvise, service stacks, and page faults on first touch. Regions live in
 * a window far above RAM (kern/vma.h); each page gets a frame when it is
 * first touched, and every page of a region is promised (committed) when
 * the region is made, so running out shows as -ENOMEM from mmap or brk,
 * never as a fault later.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <kern/console.h>
#include <kern/exit.h>
#include <kern/fault.h>
#include <kern/mm.h>
#include <kern/vma.h>

#include "mm_internal.h"
#include "sys.h"

#define PAGE 4096ULL
#define VM_LO 0x100000000000ULL	 /* 16 TiB: mmap regions and stacks */
#define BRK_LO 0x700000000000ULL /* 112 TiB: the brk heap */
#define BRK_MAX (64ULL << 30)
#define VMA_MAX 4096
#define PF_PRESENT 0x1
#define PF_WRITE 0x2
#define PF_FETCH 0x10

static struct kern_vmas vmas;
static uint64_t brk_cur = BRK_LO;

/* The region table lives in frames of its own: untouched until used. */
void kern_mm_vm_init(void)
{
	size_t pages = (VMA_MAX * sizeof(struct kern_vma) + PAGE - 1) / PAGE;

	kern_vmas_init(&vmas, VM_LO, BRK_LO + BRK_MAX, kern_mm_alloc(pages),
		       VMA_MAX);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static unsigned pt_attrs(unsigned prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0;
	return KERN_PT_READ | (prot & PROT_WRITE ? KERN_PT_WRITE : 0) |
	       (prot & PROT_EXEC ? KERN_PT_EXEC : 0);
}

/* Pages of [lo, hi) inside anonymous regions. */
static size_t anon_pages(uint64_t lo, uint64_t hi)
{
	size_t n = 0;

	for (size_t i = 0; i < vmas.n; i++) {
		const struct kern_vma *v = &vmas.v[i];
		uint64_t a = v->start > lo ? v->start : lo;
		uint64_t b = v->end < hi ? v->end : hi;

		if (v->kind == KERN_VMA_ANON && a < b)
			n += (b - a) / PAGE;
	}
	return n;
}

/* Free the frames of [lo, hi) and unmap them; keep their promise if
 * keep. Returns how many there were. */
static size_t drop_frames(uint64_t lo, uint64_t hi, int keep)
{
	size_t n = 0;
	uint64_t pa;

	for (uint64_t va = lo; va < hi; va += PAGE)
		if (kern_pt_translate(&mm_pt, va, &pa, NULL, NULL) == 0) {
			mm_service_free(pa, keep);
			n++;
		}
	if (n && kern_pt_unmap(&mm_pt, lo, hi - lo))
		kern_panic("cannot unmap service memory");
	return n;
}

/* Remove [lo, hi) from the address space with its frames and promises. */
static int unmap_range(uint64_t lo, uint64_t hi)
{
	size_t pages = anon_pages(lo, hi);

	if (kern_vmas_remove(&vmas, lo, hi))
		return -ENOMEM;
	mm_uncommit(pages - drop_frames(lo, hi, 0));
	return 0;
}

/* Add an anonymous region, promising its pages. */
static int add_region(uint64_t lo, uint64_t hi, unsigned prot)
{
	int err;

	if (mm_commit((hi - lo) / PAGE))
		return -ENOMEM;
	err = kern_vmas_insert(&vmas, lo, hi, prot, KERN_VMA_ANON, NULL);
	if (err)
		mm_uncommit((hi - lo) / PAGE);
	return err;
}

int kern_mm_fault(uint64_t addr, uint64_t err)
{
	const struct kern_vma *v = kern_vmas_lookup(&vmas, addr);
	uint64_t page = addr & ~(PAGE - 1);

	if (!v || v->kind != KERN_VMA_ANON || (err & PF_PRESENT) ||
	    !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    ((err & PF_WRITE) && !(v->prot & PROT_WRITE)) ||
	    ((err & PF_FETCH) && !(v->prot & PROT_EXEC)))
		return -EFAULT;
	if (kern_pt_map(&mm_pt, page, mm_commit_take(), PAGE,
			pt_attrs(v->prot)))
		kern_panic("no memory for a page table at 0x%lx", page);
	return 0;
}

const char *kern_mm_fault_reason(uint64_t addr, uint64_t err)
{
	const struct kern_vma *v = kern_vmas_lookup(&vmas, addr);

	if (v && v->kind == KERN_VMA_GUARD)
		return v->name;
	if (v && !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return "access to PROT_NONE memory";
	if ((err & PF_FETCH) && (v || (err & PF_PRESENT)))
		return "execute of no-execute memory";
	if ((err & PF_WRITE) && (v || (err & PF_PRESENT)))
		return "write to read-only memory";
	if (err & PF_PRESENT)
		return "protection violation";
	return "address not mapped (no RAM, device or mapping there)";
}

uint64_t kern_mm_stack(size_t size, const char *name)
{
	uint64_t lo = kern_vmas_find_gap(&vmas, size + PAGE);

	if (!lo || lo >= BRK_LO || size % PAGE ||
	    kern_vmas_insert(&vmas, lo, lo + PAGE, 0, KERN_VMA_GUARD, name))
		return 0;
	if (add_region(lo + PAGE, lo + PAGE + size, PROT_READ | PROT_WRITE)) {
		kern_vmas_remove(&vmas, lo, lo + PAGE);
		return 0;
	}
	kern_stack_register(name, lo + PAGE, lo + PAGE + size);
	return lo + PAGE + size;
}

/* brk(addr): move the break; returns the new break, or the old one when
 * addr is 0, out of the window, or memory is exhausted. */
long sys_brk(const long *a)
{
	uint64_t want = (uint64_t)a[0], old_top = page_up(brk_cur);
	uint64_t new_top = page_up(want);

	if (want < BRK_LO || want > BRK_LO + BRK_MAX)
		return (long)brk_cur;
	if (new_top > old_top &&
	    add_region(old_top, new_top, PROT_READ | PROT_WRITE))
		return (long)brk_cur;
	if (new_top < old_top && unmap_range(new_top, old_top))
		return (long)brk_cur;
	brk_cur = want;
	return (long)brk_cur;
}

/* Where a new mapping of len bytes goes: addr if MAP_FIXED (after
 * clearing it), else the lowest gap. 0 with *err set on failure. */
static uint64_t place(uint64_t addr, uint64_t len, int flags, long *err)
{
	*err = -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr < VM_LO || addr + len > BRK_LO || addr + len < addr)
			return 0;
		if (flags & MAP_FIXED_NOREPLACE) {
			*err = -EEXIST;
			return anon_pages(addr, addr + len) ? 0 : addr;
		}
		return unmap_range(addr, addr + len) ? 0 : addr;
	}
	addr = kern_vmas_find_gap(&vmas, len);
	return addr && addr + len <= BRK_LO ? addr : 0;
}

long sys_mmap(const long *a)
{
	uint64_t addr = (uint64_t)a[0], len = page_up((uint64_t)a[1]);
	int prot = (int)a[2], flags = (int)a[3];
	long err;

	if (!a[1] || !len || a[5] % PAGE ||
	    ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && addr % PAGE))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV; /* no files to map yet */
	addr = place(addr, len, flags, &err);
	if (!addr)
		return err;
	err = add_region(addr, addr + len, (unsigned)prot);
	if (err)
		return err;
	if (flags & MAP_POPULATE)
		for (uint64_t va = addr; va < addr + len; va += PAGE)
			kern_mm_fault(va, 0);
	return (long)addr;
}

long sys_munmap(const long *a)
{
	uint64_t addr = (uint64_t)a[0], len = page_up((uint64_t)a[1]);

	if (addr % PAGE || !len || addr + len < addr)
		return -EINVAL;
	if (addr + len <= VM_LO || addr >= BRK_LO + BRK_MAX)
		return 0; /* nothing of the service's there */
	return unmap_range(addr < VM_LO ? VM_LO : addr, addr + len);
}

long sys_mprotect(const long *a)
{
	uint64_t addr = (uint64_t)a[0], len = page_up((uint64_t)a[1]);
	unsigned prot = (unsigned)a[2];

	if (addr % PAGE)
		return -EINVAL;
	if (!len)
		return 0;
	if (kern_vmas_protect(&vmas, addr, addr + len, prot))
		return -ENOMEM;
	if (kern_pt_protect(&mm_pt, addr, len, pt_attrs(prot)))
		kern_panic("cannot change service page protections");
	return 0;
}

/* MADV_DONTNEED and MADV_FREE drop the pages' frames: the next touch
 * gets a zeroed page. Other advice is only advice. */
long sys_madvise(const long *a)
{
	uint64_t addr = (uint64_t)a[0], len = page_up((uint64_t)a[1]);

	if (addr % PAGE)
		return -EINVAL;
	if (a[2] != MADV_DONTNEED && a[2] != MADV_FREE)
		return 0;
	if (anon_pages(addr, addr + len) != len / PAGE)
		return -ENOMEM;
	drop_frames(addr, addr + len, 1);
	return 0;
}

/* Move the frames of [from, from + len) to [to, to + len). */
static void move_pages(uint64_t from, uint64_t to, uint64_t len)
{
	uint64_t pa;
	unsigned attrs;

	for (uint64_t off = 0; off < len; off += PAGE) {
		if (kern_pt_translate(&mm_pt, from + off, &pa, &attrs, NULL))
			continue;
		if (kern_pt_map(&mm_pt, to + off, pa, PAGE, attrs) ||
		    kern_pt_unmap(&mm_pt, from + off, PAGE))
			kern_panic("cannot move service pages");
	}
}

/* mremap without MREMAP_FIXED: shrink, grow in place, or move. */
long sys_mremap(const long *a)
{
	uint64_t old = (uint64_t)a[0], old_len = page_up((uint64_t)a[1]);
	uint64_t new_len = page_up((uint64_t)a[2]), to;
	const struct kern_vma *v = kern_vmas_lookup(&vmas, old);
	unsigned prot;

	if (old % PAGE || !new_len || (a[3] & ~MREMAP_MAYMOVE))
		return -EINVAL;
	if (!v || v->kind != KERN_VMA_ANON || v->end < old + old_len ||
	    old >= BRK_LO)
		return -EFAULT;
	prot = v->prot;
	if (new_len <= old_len)
		return unmap_range(old + new_len, old + old_len) ? -ENOMEM :
								   (long)old;
	if (old + new_len <= BRK_LO &&
	    add_region(old + old_len, old + new_len, prot) == 0)
		return (long)old;
	if (!(a[3] & MREMAP_MAYMOVE))
		return -ENOMEM;
	to = kern_vmas_find_gap(&vmas, new_len);
	if (!to || to + new_len > BRK_LO || add_region(to, to + new_len, prot))
		return -ENOMEM;
	move_pages(old, to, old_len);
	if (kern_vmas_remove(&vmas, old, old + old_len))
		kern_panic("cannot remove a moved region");
	mm_uncommit(old_len / PAGE); /* the new region promised them all */
	return (long)to;
}

int kern_mm_service_range(uint64_t lo, uint64_t hi, unsigned prot)
{
	while (lo < hi) {
		const struct kern_vma *v = kern_vmas_lookup(&vmas, lo);

		if (!v || v->kind != KERN_VMA_ANON ||
		    !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ||
		    ((prot & PROT_WRITE) && !(v->prot & PROT_WRITE)))
			return 0;
		lo = v->end;
	}
	return 1;
}
