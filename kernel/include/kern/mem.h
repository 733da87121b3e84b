/* Memory for the service until the memory manager exists: one range of
 * identity-mapped RAM behind the image, handed out in pages for mmap, brk
 * and stacks. */
#ifndef KERN_MEM_H
#define KERN_MEM_H

#include <stddef.h>
#include <stdint.h>

#include <arch/boot.h>

struct kern_mem_info {
	uint64_t ram_total; /* bytes of RAM in the memory map */
	uint64_t managed;   /* bytes in the page allocator's range */
	uint64_t free;	    /* of which not in use */
	uint64_t image;	    /* bytes of the loaded image */
};

/* Take the RAM range that follows the image from bi's memory map (up to
 * the 4 GiB the boot stub maps). Returns 0, or -ENOMEM if there is none. */
int kern_mem_init(const struct arch_bootinfo *bi);

/* n zeroed pages, or 0 when memory is exhausted. */
uintptr_t kern_mem_pages(size_t n);

/* Current figures. */
void kern_mem_info(struct kern_mem_info *info);

#endif
