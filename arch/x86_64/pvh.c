/* Reads the PVH hvm_start_info (Xen's PVH boot ABI, version 1) that the
 * loader left in low memory, and copies what the kernel needs out of it:
 * the command line, the memory map, the RSDP and the first module (the
 * initrd). The loader's copies lie in RAM the map calls usable, so they
 * are read here, before the frame allocator exists. */
#include <errno.h>
#include <string.h>

#include <arch/boot.h>

#define PVH_MAGIC 0x336ec578

struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version 1 and later */
	uint32_t memmap_entries;
	uint32_t reserved;
};

/* One entry of the module list at modlist_paddr (32 bytes). */
struct pvh_module {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

static void copy_cmdline(uint64_t paddr, struct arch_bootinfo *bi)
{
	const char *src = (const char *)(uintptr_t)paddr;
	size_t n = 0;

	if (paddr)
		while (n < ARCH_CMDLINE_MAX - 1 && src[n])
			n++;
	if (n)
		memcpy(bi->cmdline, src, n); /* src may be NULL when n is 0 */
	bi->cmdline[n] = '\0';
	bi->cmdline_truncated = paddr && src[n] != '\0';
}

static void copy_memmap(const struct pvh_start_info *si,
			struct arch_bootinfo *bi)
{
	const struct pvh_memmap_entry *e =
		(const void *)(uintptr_t)si->memmap_paddr;

	bi->nmem = 0;
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (e[i].size == 0 || bi->nmem == ARCH_MEMMAP_MAX)
			continue;
		bi->memmap[bi->nmem++] =
			(struct arch_mem_range){ e[i].addr, e[i].size,
						 e[i].type };
	}
}

/* Whether [lo, lo + size) lies within one RAM range of bi's map. */
static int in_ram(const struct arch_bootinfo *bi, uint64_t lo, uint64_t size)
{
	for (size_t i = 0; i < bi->nmem; i++) {
		const struct arch_mem_range *r = &bi->memmap[i];

		if (r->type == ARCH_MEM_RAM && lo >= r->addr &&
		    lo - r->addr <= r->size && size <= r->size - (lo - r->addr))
			return 1;
	}
	return 0;
}

/* The first module, checked against the memory map (already copied). */
static void copy_initrd(const struct pvh_start_info *si,
			struct arch_bootinfo *bi)
{
	const struct pvh_module *m = (const void *)(uintptr_t)si->modlist_paddr;

	bi->nmodules = si->nr_modules;
	bi->initrd_pa = bi->initrd_size = 0;
	bi->initrd_invalid = 0;
	if (si->nr_modules == 0)
		return;
	if (!si->modlist_paddr) {
		bi->initrd_invalid = 1; /* modules announced, no list */
		return;
	}
	bi->initrd_pa = m[0].paddr;
	bi->initrd_size = m[0].size;
	if (m[0].size && (!m[0].paddr || m[0].paddr + m[0].size < m[0].paddr ||
			  !in_ram(bi, m[0].paddr, m[0].size)))
		bi->initrd_invalid = 1;
}

int arch_pvh_parse(uint64_t paddr, struct arch_bootinfo *bi)
{
	const struct pvh_start_info *si = (const void *)(uintptr_t)paddr;

	if (!paddr || si->magic != PVH_MAGIC)
		return -EINVAL;
	copy_cmdline(si->cmdline_paddr, bi);
	bi->rsdp = si->rsdp_paddr;
	if (si->version < 1 || !si->memmap_paddr)
		return -EINVAL;
	copy_memmap(si, bi);
	copy_initrd(si, bi);
	return bi->nmem ? 0 : -EINVAL;
}
