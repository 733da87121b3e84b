/* Where an initrd may lie, and reserving its frames: the memory manager's
 * checks of the module the PVH loader placed in RAM (pure code,
 * unit-tested). */
#ifndef KERNEL_MM_INITRD_H
#define KERNEL_MM_INITRD_H

#include <stdint.h>

#include "mm/frames.h"

/* Whether the initrd [pa, pa + size) (size > 0) can be kept, judged
 * before anything is written to RAM: the kernel's image and what the
 * memory manager puts right after it occupy [image, end). 0; -EINVAL when
 * the range wraps; -EBUSY when it overlaps [image, end) (the loader put
 * it on top of the image or of where the frame maps go). */
int mm_initrd_check(uint64_t pa, uint64_t size, uint64_t image, uint64_t end);

/* Take the frames holding [pa, pa + size), which mm_initrd_check
 * accepted, out of f for good, and record them as written. f holds all
 * RAM at or above end free and every frame below end taken (the boot's
 * own). 0, or -ENOENT (nothing taken) when a frame of the range at or
 * above end is not free RAM. */
int mm_initrd_reserve(struct kern_frames *f, uint64_t pa, uint64_t size,
		      uint64_t end);

#endif
