/* The initrd's place in RAM: the checks that keep the module QEMU loaded
 * from being overwritten by the memory manager, or handed out as free
 * frames (see mm/initrd.h). */
#include <errno.h>

#include "mm/initrd.h"

#define PAGE KERN_FRAME_SIZE

int mm_initrd_check(uint64_t pa, uint64_t size, uint64_t image, uint64_t end)
{
	if (size == 0 || pa + size < pa || pa + size > UINT64_MAX - PAGE)
		return -EINVAL;
	if (pa < end && pa + size > image)
		return -EBUSY;
	return 0;
}

int mm_initrd_reserve(struct kern_frames *f, uint64_t pa, uint64_t size,
		      uint64_t end)
{
	uint64_t first = pa / PAGE, stop = (pa + size + PAGE - 1) / PAGE;
	uint64_t from = (end + PAGE - 1) / PAGE;

	if (from < first)
		from = first;
	for (uint64_t i = from; i < stop; i++)
		if (!kern_frames_is_free(f, i))
			return -ENOENT;
	if (stop > from)
		kern_frames_take(f, from, stop - from);
	kern_frames_mark_dirty(f, first, stop - first);
	return 0;
}
