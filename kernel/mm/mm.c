/*
 * kernel/mm: memory. Physical frames (frames.c), the page tables
 * (pt.c, the entry format in arch/pte.h), the kernel's side of both
 * (this file), fixed-size kernel objects (pool.c), the service's address
 * space, demand paging and its memory calls (vma.c, usermem.c), and the
 * rule and copies for the service's pointers in system calls (urange.c,
 * ucheck.c, uaccess.c). docs/memory.md tells the whole story.
 *
 * The memory manager's physical side (see kern/mm.h): frames from the PVH
 * memory map, the page tables (all RAM 1:1 with the largest pages that fit,
 * the image with W^X permissions, guard pages below the kernel's stacks,
 * device memory on request), kernel allocations with a reserve, commit
 * accounting for the service, and the statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arch/boot.h>
#include <arch/pte.h>
#include <kern/console.h>
#include <kern/exit.h>
#include "debug/fault.h"
#include "mm/frames.h"
#include "mm/initrd.h"
#include <kern/mm.h>
#include "mm/pt.h"
#include <os/mem.h>

#include "mm/mm_internal.h"

#define PAGE KERN_FRAME_SIZE
#define LOW_MEMORY (1ULL << 20)
#define RESERVE_MIN 32 /* frames the service can never take */
#define RESERVE_MAX 1024
#define BOOT_MARK 0x6b72616d746f6f62ULL /* "bootmark" */
#define MIB (1ULL << 20)
#define MAX_MIB (1ULL << 20) /* 1 TiB in MiB: more than any -m */

struct kern_pt mm_pt;
static struct kern_frames frames;
static int tables_live;
static size_t reserve, committed, service_frames;
static size_t boot_promise; /* the service stack's frames, during the boot */
static int booted;	    /* kern_mm_boot_end ran: the service's turn */
static uint64_t ram_total;
static uint64_t initrd_pa, initrd_size; /* kept for good; size 0: none */
static unsigned modules;		/* boot modules the loader passed */

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

/* The VM's memory as QEMU's -m counts it, in MiB: its RAM rounded up
 * (the holes below 1 MiB and the firmware's tables take less than 1). */
static uint64_t vm_mib(void)
{
	return (ram_total + MIB - 1) / MIB;
}

/* The -m, in MiB, that gives n frames more than the VM has, with the
 * page tables that map them. */
static uint64_t mib_for(size_t n)
{
	uint64_t more = n * PAGE;

	more += (more / (2 * MIB) + 1) * PAGE;
	return vm_mib() + (more + MIB - 1) / MIB;
}

/* Stop the boot: it lacks n frames. */
__attribute__((noreturn)) static void too_small(size_t n)
{
	kern_bootconf_error("%lu MiB of memory is too little for this image: "
			    "boot with -m %lu or more",
			    (unsigned long)vm_mib(), (unsigned long)mib_for(n));
}

/* During the boot, stop it unless n frames more and what the end of the
 * boot keeps free (the promise to the service's stack and the kernel's
 * reserve) are free, naming what lacks. */
static void boot_check(size_t n)
{
	size_t need = n + committed + reserve;

	if (!booted && need > frames.nfree)
		too_small(need - frames.nfree);
}

/* n frames could not be had: during the boot, a stop (boot_check, or
 * for want of a run of n free frames, n more; a lower bound, as what the
 * rest of the boot needs is not known); at run time, return. */
static void boot_short(size_t n)
{
	boot_check(n);
	if (!booted)
		too_small(n);
}

/* Whether n frames may go to the kernel, leaving keep (the reserve, or
 * none) and what was promised to the service. During the boot any free
 * frame may: the boot goes on past a shortage, so that kern_mm_boot_end
 * can name all it lacks. */
static int may_take(size_t n, size_t keep)
{
	return !booted || frames.nfree >= committed + keep + n;
}

/* n frames for the kernel, never taking what was promised to the service;
 * the first frame's index or KERN_FRAMES_NONE (during the boot, a stop:
 * boot_short). */
static size_t kernel_frames(size_t n)
{
	size_t f = KERN_FRAMES_NONE;

	if (may_take(n, 0))
		f = kern_frames_alloc(&frames, n, 1);
	if (f == KERN_FRAMES_NONE)
		boot_short(n);
	return f;
}

static uint64_t table_alloc(void *ctx)
{
	size_t f = kernel_frames(1);

	(void)ctx;
	return f == KERN_FRAMES_NONE ? 0 : f * PAGE;
}

static void table_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	kern_frames_free(&frames, pa / PAGE, 1);
}

static void table_flush(void *ctx, uint64_t va, uint64_t size)
{
	(void)ctx;
	if (!tables_live)
		return;
	if (size > 64 * PAGE) {
		arch_pt_load(mm_pt.root);
		return;
	}
	for (uint64_t off = 0; off < size; off += PAGE)
		arch_tlb_flush_page(va + off);
}

static const struct kern_pt_ops pt_ops = { table_alloc, table_free,
					   table_flush };

/* Claim [lo, hi) wherever it is free RAM (boot: image, low memory). */
static void claim(uint64_t lo, uint64_t hi)
{
	for (uint64_t f = lo / PAGE; f < page_up(hi) / PAGE; f++)
		if (kern_frames_is_free(&frames, f))
			kern_frames_take(&frames, f, 1);
}

/* The RAM in bi's map: total bytes, and the end of the highest range. */
static uint64_t ram_size(const struct arch_bootinfo *bi, uint64_t *top)
{
	uint64_t total = 0;

	*top = 0;
	for (size_t i = 0; i < bi->nmem; i++) {
		const struct arch_mem_range *r = &bi->memmap[i];

		if (r->type != ARCH_MEM_RAM)
			continue;
		total += r->size;
		if (r->addr + r->size > *top)
			*top = r->addr + r->size;
	}
	return total;
}

/* Whether RAM was used by an earlier boot (a reset keeps its contents):
 * a cold boot finds zero at mark, which is then set. */
static int warm_boot(uint64_t *mark)
{
	int warm = *mark == BOOT_MARK;

	*mark = BOOT_MARK;
	return warm;
}

/* Stop the boot unless the loader's initrd can be kept: inside RAM and
 * clear of [image start, end), where the image and the frame maps are;
 * checked before anything is written there. */
static void initrd_check(const struct arch_bootinfo *bi, uint64_t end)
{
	uint64_t pa = bi->initrd_pa, size = bi->initrd_size;

	if (bi->nmodules && bi->initrd_invalid && !size)
		kern_bootconf_error("the loader announced %u boot modules "
				    "without a module list",
				    (unsigned)bi->nmodules);
	if (!size)
		return;
	if (bi->initrd_invalid ||
	    mm_initrd_check(pa, size, (uint64_t)__image_start, end) == -EINVAL)
		kern_bootconf_error("initrd of %lu bytes at %#lx is not inside "
				    "RAM",
				    (unsigned long)size, (unsigned long)pa);
	if (mm_initrd_check(pa, size, (uint64_t)__image_start, end))
		kern_bootconf_error(
			"initrd at %#lx-%#lx overlaps the kernel "
			"image and its frame maps at %#lx-%#lx: "
			"give the VM more memory",
			(unsigned long)pa, (unsigned long)(pa + size),
			(unsigned long)__image_start, (unsigned long)end);
}

/* Take the initrd's frames for good (its files are read in place). */
static void initrd_take(const struct arch_bootinfo *bi, uint64_t end)
{
	uint64_t pa = bi->initrd_pa, size = bi->initrd_size;

	modules = bi->nmodules;
	if (!size)
		return;
	if (mm_initrd_reserve(&frames, pa, size, end))
		kern_bootconf_error("initrd at %#lx-%#lx is not all free RAM",
				    (unsigned long)pa,
				    (unsigned long)(pa + size));
	initrd_pa = pa;
	initrd_size = size;
}

/* The end of the RAM range holding address maps (the image's end), or
 * maps when none does. */
static uint64_t maps_room(const struct arch_bootinfo *bi, uint64_t maps)
{
	for (size_t i = 0; i < bi->nmem; i++) {
		const struct arch_mem_range *r = &bi->memmap[i];
		uint64_t lo = page_up(r->addr),
			 hi = page_down(r->addr + r->size);

		if (r->type == ARCH_MEM_RAM && hi > lo && lo <= maps &&
		    maps <= hi)
			return hi;
	}
	return maps;
}

/* Set the frame allocator up: its bitmaps, then a page holding the boot
 * mark, in the RAM right after the image; then keep the initrd. */
static int frames_init(const struct arch_bootinfo *bi)
{
	uint64_t top, maps = page_up((uint64_t)__image_end), bytes, end, hi;
	size_t n;
	int warm;

	ram_total = ram_size(bi, &top);
	n = top / PAGE;
	bytes = page_up(2 * KERN_FRAMES_WORDS(n) * 8);
	end = maps + bytes + PAGE;
	initrd_check(bi, end);
	kern_frames_init(&frames, 0, n, (uint64_t *)maps,
			 (uint64_t *)maps + KERN_FRAMES_WORDS(n));
	hi = maps_room(bi, maps);
	if (end > hi) /* no room for the bitmaps: none for the boot after */
		too_small((end - hi) / PAGE + boot_promise + RESERVE_MIN);
	warm = warm_boot((uint64_t *)(end - PAGE));
	if (warm)
		memset((void *)maps, 0, bytes);
	for (size_t i = 0; i < bi->nmem; i++) {
		const struct arch_mem_range *r = &bi->memmap[i];
		uint64_t lo = page_up(r->addr),
			 hi = page_down(r->addr + r->size);

		if (r->type == ARCH_MEM_RAM && hi > lo)
			kern_frames_add(&frames, lo / PAGE, (hi - lo) / PAGE);
	}
	claim(0, end);
	initrd_take(bi, end);
	kern_frames_mark_dirty(&frames, 0, warm ? n : end / PAGE);
	if (warm)
		kern_info("warm boot: RAM holds an earlier boot's data; every "
			  "frame is cleared before use");
	reserve = frames.nfree / 64;
	reserve = reserve < RESERVE_MIN ? RESERVE_MIN :
		  reserve > RESERVE_MAX ? RESERVE_MAX :
					  reserve;
	committed = boot_promise; /* checked at the end of the boot */
	return 0;
}

/* Map every RAM range 1:1, read/write, no-execute; page 0 stays out. */
static int map_ram(const struct arch_bootinfo *bi)
{
	for (size_t i = 0; i < bi->nmem; i++) {
		const struct arch_mem_range *r = &bi->memmap[i];
		uint64_t lo = page_up(r->addr),
			 hi = page_down(r->addr + r->size);

		if (lo < PAGE)
			lo = PAGE;
		if (r->type != ARCH_MEM_RAM || hi <= lo)
			continue;
		if (kern_pt_map(&mm_pt, lo, lo, hi - lo,
				KERN_PT_READ | KERN_PT_WRITE))
			return -ENOMEM;
	}
	return 0;
}

/* The image's permissions: text R+X, rodata and symbols R, data RW. */
static int protect_image(void)
{
	const struct {
		char *lo, *hi;
		unsigned attrs;
	} parts[] = {
		{ __image_start, __rodata_start, KERN_PT_READ | KERN_PT_EXEC },
		{ __rodata_start, __data_start, KERN_PT_READ },
		{ __ksyms_page, __image_end, KERN_PT_READ },
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (kern_pt_protect(&mm_pt, (uint64_t)parts[i].lo,
				    page_up((uint64_t)parts[i].hi) -
					    (uint64_t)parts[i].lo,
				    parts[i].attrs))
			return -ENOMEM;
	return 0;
}

/* The initrd's pages read-only: nothing writes an archive read in place. */
static int protect_initrd(void)
{
	uint64_t lo = page_down(initrd_pa);

	if (!initrd_size)
		return 0;
	return kern_pt_protect(&mm_pt, lo,
			       page_up(initrd_pa + initrd_size) - lo,
			       KERN_PT_READ);
}

/* Unmap the guard page below every stack registered so far. */
static int unmap_guards(void)
{
	size_t n;
	const struct kern_stack *s = kern_stacks(&n);

	for (size_t i = 0; i < n; i++)
		if (kern_pt_unmap(&mm_pt, s[i].lo - PAGE, PAGE))
			return -ENOMEM;
	return 0;
}

int kern_mm_init(const struct arch_bootinfo *bi, size_t stack)
{
	boot_promise = (stack + PAGE - 1) / PAGE;
	arch_mmu_init();
	if (frames_init(bi) ||
	    kern_pt_init(&mm_pt, &pt_ops, NULL, arch_pt_leaf_levels()) ||
	    map_ram(bi) || protect_image() || protect_initrd() ||
	    unmap_guards())
		return -ENOMEM;
	arch_pt_load(mm_pt.root);
	tables_live = 1;
	kern_mm_vm_init();
	if (!arch_pte_nx)
		kern_info("warning: the CPU has no NX bit: every mapped page "
			  "is executable, W^X holds for writes only");
	return 0;
}

int kern_mm_booted(void)
{
	return booted;
}

void kern_mm_boot_end(void)
{
	boot_check(0);
	committed -= boot_promise;
	boot_promise = 0;
	booted = 1;
}

/* The initrd's boot-log line, and what the loader passed beside it. */
static void report_initrd(void)
{
	if (initrd_size)
		kern_info("initrd: %lu bytes at %#lx-%#lx, kept in place",
			  (unsigned long)initrd_size, (unsigned long)initrd_pa,
			  (unsigned long)(initrd_pa + initrd_size));
	else if (modules)
		kern_info("initrd: the loader passed an empty module: no "
			  "initrd");
	if (modules > 1)
		kern_info("warning: the loader passed %u boot modules; only "
			  "the first is the initrd, the others are ignored",
			  modules);
}

void kern_mm_report(void)
{
	static const char *const sizes[] = { "4 KiB", "2 MiB", "1 GiB" };
	size_t leaves[ARCH_PT_LEVELS];
	char buf[96];
	int len = 0;

	kern_pt_count_leaves(&mm_pt, leaves);
	for (int l = 2; l >= 0; l--)
		if (leaves[l])
			len += snprintf(buf + len, sizeof(buf) - len,
					"%s%zu x %s", len ? " + " : "",
					leaves[l], sizes[l]);
	kern_info("memory: %lu MiB RAM, mapped as %s pages; image %lu KiB; "
		  "%lu MiB free",
		  (unsigned long)(ram_total >> 20), buf,
		  (unsigned long)((__image_end - __image_start) >> 10),
		  (unsigned long)((frames.nfree * PAGE) >> 20));
	report_initrd();
}

void *kern_mm_alloc(size_t n)
{
	size_t f = kernel_frames(n);

	if (f == KERN_FRAMES_NONE)
		kern_panic("out of memory: the kernel needs %lu KiB; %lu KiB "
			   "free, %lu KiB of it promised to the service",
			   (unsigned long)(n * PAGE / 1024),
			   (unsigned long)(frames.nfree * PAGE / 1024),
			   (unsigned long)(committed * PAGE / 1024));
	return (void *)(f * PAGE);
}

void *kern_mm_try_alloc(size_t n)
{
	size_t f;

	if (!n)
		return NULL;
	f = may_take(n, reserve) ? kern_frames_alloc(&frames, n, 1) :
				   KERN_FRAMES_NONE;
	if (f == KERN_FRAMES_NONE)
		boot_short(n);
	return f == KERN_FRAMES_NONE ? NULL : (void *)(f * PAGE);
}

void kern_mm_free(void *p, size_t n)
{
	kern_frames_free(&frames, (uint64_t)p / PAGE, n);
}

/* Whether [lo, hi) holds a page mapped other than as device memory:
 * RAM or the image. */
static int holds_memory(uint64_t lo, uint64_t hi)
{
	struct kern_pt_leaf leaf;

	for (uint64_t p = lo; p < hi; p = leaf.va + KERN_PT_SIZE(leaf.level)) {
		if (kern_pt_next_leaf(&mm_pt, p, hi - p, &leaf))
			return 0;
		if (!(leaf.attrs & KERN_PT_UNCACHED))
			return 1;
	}
	return 0;
}

void *kern_mm_map_device(uint64_t pa, size_t size)
{
	uint64_t lo = page_down(pa), hi = page_up(pa + size);

	if (pa + size < pa || hi <= lo)
		return NULL;
	if (holds_memory(lo, hi)) {
		kern_error("mm: device memory at %#lx-%#lx would cover RAM or "
			   "the image: refused",
			   (unsigned long)pa, (unsigned long)(pa + size));
		return NULL;
	}
	if (kern_pt_map(&mm_pt, lo, lo, hi - lo,
			KERN_PT_READ | KERN_PT_WRITE | KERN_PT_UNCACHED))
		return NULL;
	return (void *)pa;
}

const void *kern_mm_initrd(size_t *size)
{
	*size = initrd_size;
	return initrd_size ? (const void *)initrd_pa : NULL;
}

int kern_mm_is_mapped(uint64_t pa)
{
	return kern_pt_translate(&mm_pt, page_down(pa), NULL, NULL, NULL) == 0;
}

int kern_mm_unmap_device(uint64_t pa, size_t size)
{
	uint64_t lo = page_down(pa), hi = page_up(pa + size);
	unsigned attrs;

	for (uint64_t p = lo; p < hi; p += PAGE)
		if (kern_pt_translate(&mm_pt, p, NULL, &attrs, NULL) == 0 &&
		    !(attrs & KERN_PT_UNCACHED))
			return -EINVAL;
	return kern_pt_unmap(&mm_pt, lo, hi - lo);
}

const void *kern_mm_map_firmware(uint64_t pa, size_t size)
{
	uint64_t lo = page_down(pa), hi = page_up(pa + size);
	uint64_t mapped;
	unsigned attrs;

	for (uint64_t p = lo; p < hi; p += PAGE) {
		if (kern_pt_translate(&mm_pt, p, &mapped, &attrs, NULL) == 0 &&
		    mapped == p && (attrs & KERN_PT_READ))
			continue; /* already reachable (RAM, image) */
		if (kern_pt_map(&mm_pt, p, p, PAGE, KERN_PT_READ))
			return NULL;
	}
	return (const void *)pa;
}

/* Say once, at run time, that the service asked for n frames more than
 * can be promised, and what -m would have them. */
static void tell_out_of_memory(size_t n)
{
	static int told;
	size_t left = frames.nfree > committed + reserve ?
			      frames.nfree - committed - reserve :
			      0;
	uint64_t m = mib_for(n - left);

	if (!booted || told++)
		return;
	if (m >= MAX_MIB)
		kern_error("out of memory: the service asked for %lu KiB more, "
			   "%lu KiB of the VM's %lu MiB is left: the call "
			   "fails with ENOMEM (more than any -m gives)",
			   (unsigned long)(n * PAGE / 1024),
			   (unsigned long)(left * PAGE / 1024),
			   (unsigned long)vm_mib());
	else
		kern_error("out of memory: the service asked for %lu KiB more, "
			   "%lu KiB of the VM's %lu MiB is left: the call "
			   "fails with ENOMEM; boot with -m %lu or more if "
			   "the service needs that",
			   (unsigned long)(n * PAGE / 1024),
			   (unsigned long)(left * PAGE / 1024),
			   (unsigned long)vm_mib(), (unsigned long)m);
}

int mm_commit(size_t n)
{
	if (frames.nfree < committed + reserve + n) {
		tell_out_of_memory(n);
		return -ENOMEM;
	}
	committed += n;
	return 0;
}

void mm_uncommit(size_t n)
{
	committed -= n;
}

uint64_t mm_commit_take(void)
{
	size_t f;

	if (committed == 0)
		kern_panic("service page fault with nothing promised");
	f = kern_frames_alloc(&frames, 1, 1);
	if (f == KERN_FRAMES_NONE)
		kern_panic("no frame for a promised service page");
	committed--;
	service_frames++;
	return f * PAGE;
}

void mm_service_free(uint64_t pa, int keep)
{
	kern_frames_free(&frames, pa / PAGE, 1);
	service_frames--;
	if (keep)
		committed++;
}

size_t mm_service_frames(void)
{
	return service_frames;
}

size_t mm_committed(void)
{
	return committed;
}

void os_mem_stats(struct os_mem_stats *st)
{
	*st = (struct os_mem_stats){
		.total = ram_total,
		.free = frames.nfree * PAGE,
		.heap = service_frames * PAGE,
		.committed = committed * PAGE,
		.reserve = reserve * PAGE,
		.page_tables = mm_pt.tables * PAGE,
		.touched = frames.ndirty * PAGE,
	};
}
