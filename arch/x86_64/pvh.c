/* Reads the PVH hvm_start_info (Xen's PVH boot ABI, version 1) that the
 * loader left in low memory, and copies what the kernel needs out of it. */
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
	memcpy(bi->cmdline, src, n);
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
	return bi->nmem ? 0 : -EINVAL;
}
