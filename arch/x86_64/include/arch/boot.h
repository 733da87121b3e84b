/* What the PVH loader handed over, copied out of low memory: the command
 * line, the physical memory map, the ACPI RSDP and where the first module
 * (the initrd) lies. */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <stddef.h>
#include <stdint.h>

#define ARCH_CMDLINE_MAX 4096
#define ARCH_MEMMAP_MAX 64

/* e820 types, as in the PVH memory map. */
#define ARCH_MEM_RAM 1
#define ARCH_MEM_RESERVED 2
#define ARCH_MEM_ACPI 3
#define ARCH_MEM_NVS 4

struct arch_mem_range {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct arch_bootinfo {
	char cmdline[ARCH_CMDLINE_MAX];
	struct arch_mem_range memmap[ARCH_MEMMAP_MAX];
	size_t nmem;
	uint64_t rsdp;
	int cmdline_truncated;
	/* The first module (QEMU's -initrd) where the loader put it; size 0
	 * when there is none (or it is empty). nmodules is how many the
	 * loader passed: only the first is kept. initrd_invalid: modules
	 * were announced without a list, or the first one lies at address
	 * 0, wraps, or is not inside one RAM range of memmap; the memory
	 * manager then stops the boot. */
	uint64_t initrd_pa, initrd_size;
	uint32_t nmodules;
	int initrd_invalid;
};

/* Parse and copy the PVH start_info at physical address paddr into bi
 * (the module list included, so that nothing of it is read later).
 * Zero-sized memory-map entries are dropped. Returns 0, or -EINVAL when
 * the magic is wrong or no memory map is given. */
int arch_pvh_parse(uint64_t paddr, struct arch_bootinfo *bi);

/* Linker-script symbols bounding the loaded image. */
extern char __image_start[], __image_end[], __text_start[], __text_end[];
extern char __ksyms_start[], __ksyms_end[], __rodata_start[], __data_start[];
extern char __bss_end[], __ksyms_page[];

#endif
