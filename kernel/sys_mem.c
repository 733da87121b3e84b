/* Memory system calls for musl's malloc: brk in a reserved window, and
 * anonymous private mmap, munmap, mremap and madvise on the page-run
 * allocator. The memory-manager issue replaces this with page tables. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <kern/console.h>
#include <kern/mem.h>
#include <kern/pages.h>

#include "sys.h"

#define PAGE KERN_PAGE_SIZE
#define FOUR_GIB (4ULL << 30)
#define BRK_MAX (64UL << 20)

static struct kern_pages pages;
static uint64_t ram_total;
static uintptr_t brk_lo, brk_cur, brk_hi, brk_dirty;

static uintptr_t page_up(uintptr_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

/* The RAM range holding the image: [*lo, *hi), clipped to the boot map. */
static int image_range(const struct arch_bootinfo *bi, uintptr_t *lo,
		       uintptr_t *hi)
{
	uintptr_t end = page_up((uintptr_t)__image_end);

	for (size_t i = 0; i < bi->nmem; i++) {
		const struct arch_mem_range *r = &bi->memmap[i];
		uint64_t top = r->addr + r->size;

		if (r->type != ARCH_MEM_RAM || r->addr > end || top <= end)
			continue;
		*lo = end;
		*hi = (top < FOUR_GIB ? top : FOUR_GIB) & ~(PAGE - 1);
		return 0;
	}
	return -ENOMEM;
}

int kern_mem_init(const struct arch_bootinfo *bi)
{
	uintptr_t lo, hi;
	size_t npages, map_pages;

	for (size_t i = 0; i < bi->nmem; i++)
		if (bi->memmap[i].type == ARCH_MEM_RAM)
			ram_total += bi->memmap[i].size;
	if (image_range(bi, &lo, &hi) || hi - lo < 64 * PAGE)
		return -ENOMEM;
	npages = (hi - lo) / PAGE;
	map_pages = (npages / 8 + PAGE - 1) / PAGE;
	/* The bitmap occupies the first pages; fresh RAM is already zero. */
	kern_pages_init(&pages, lo + map_pages * PAGE, npages - map_pages,
			(uint64_t *)lo);
	brk_hi = (npages - map_pages) / 16 * PAGE;
	if (brk_hi > BRK_MAX)
		brk_hi = BRK_MAX;
	brk_lo = kern_pages_alloc(&pages, brk_hi / PAGE);
	brk_cur = brk_dirty = brk_lo;
	brk_hi += brk_lo;
	return 0;
}

uintptr_t kern_mem_pages(size_t n)
{
	return kern_pages_alloc(&pages, n);
}

void kern_mem_info(struct kern_mem_info *info)
{
	info->ram_total = ram_total;
	info->managed = pages.npages * PAGE;
	info->free = kern_pages_free_count(&pages) * PAGE;
	info->image = (uintptr_t)__image_end - (uintptr_t)__image_start;
}

/* brk(addr): move the break inside its window; returns the new break (the
 * old one if addr is 0 or out of range). Re-grown memory reads as zero. */
long sys_brk(const long *a)
{
	uintptr_t want = (uintptr_t)a[0];

	if (want < brk_lo || want > brk_hi)
		return (long)brk_cur;
	if (want > brk_cur && brk_cur < brk_dirty)
		memset((void *)brk_cur, 0,
		       (want < brk_dirty ? want : brk_dirty) - brk_cur);
	brk_cur = want;
	if (brk_cur > brk_dirty)
		brk_dirty = brk_cur;
	return (long)brk_cur;
}

long sys_mmap(const long *a)
{
	uintptr_t addr = (uintptr_t)a[0];
	size_t len = (size_t)a[1], n = page_up(len) / PAGE;
	int flags = (int)a[3];

	if (len == 0 || n == 0 || addr % PAGE)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) || (flags & MAP_SHARED))
		return -ENODEV; /* no files to map yet */
	if (flags & MAP_FIXED)
		return kern_pages_alloc_at(&pages, addr, n) ? -ENOMEM :
							      (long)addr;
	addr = kern_pages_alloc(&pages, n);
	return addr ? (long)addr : -ENOMEM;
}

long sys_munmap(const long *a)
{
	uintptr_t addr = (uintptr_t)a[0];
	size_t len = (size_t)a[1];

	if (addr % PAGE || len == 0)
		return -EINVAL;
	if (addr >= brk_lo && addr < brk_hi)
		return -EINVAL; /* the brk window is not mmap's */
	kern_pages_free(&pages, addr, page_up(len) / PAGE);
	return 0;
}

long sys_mremap(const long *a)
{
	uintptr_t old = (uintptr_t)a[0], moved;
	size_t old_n = page_up((size_t)a[1]) / PAGE;
	size_t new_n = page_up((size_t)a[2]) / PAGE;

	if (old % PAGE || new_n == 0 ||
	    !kern_pages_contains(&pages, old, old_n))
		return -EINVAL;
	if (kern_pages_resize(&pages, old, old_n, new_n) == 0)
		return (long)old;
	if (!(a[3] & MREMAP_MAYMOVE))
		return -ENOMEM;
	moved = kern_pages_alloc(&pages, new_n);
	if (!moved)
		return -ENOMEM;
	memcpy((void *)moved, (void *)old, old_n * PAGE);
	kern_pages_free(&pages, old, old_n);
	return (long)moved;
}

/* MADV_DONTNEED: later reads return zero. Other advice is only advice. */
long sys_madvise(const long *a)
{
	uintptr_t addr = (uintptr_t)a[0];
	size_t len = page_up((size_t)a[1]);

	if (addr % PAGE)
		return -EINVAL;
	if (a[2] == MADV_DONTNEED &&
	    kern_pages_contains(&pages, addr, len / PAGE))
		memset((void *)addr, 0, len);
	return 0;
}
