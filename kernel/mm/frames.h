/* The physical frame allocator: one bitmap of free frames and one of
 * frames that have been written since power-on ("dirty"). Frames never
 * written are still zero as the hypervisor gave them and untouched by the
 * host, so only dirty frames are cleared before they are handed out, and
 * the lowest free frame goes first so that frames already touched are
 * reused before fresh ones are touched. Pure code, unit-tested. */
#ifndef KERN_FRAMES_H
#define KERN_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define KERN_FRAME_SIZE 4096UL
#define KERN_FRAMES_NONE ((size_t)-1)

struct kern_frames {
	uintptr_t base; /* where frame 0's memory is mapped (0: identity) */
	size_t nframes;
	uint64_t *free_map;  /* bit set: free */
	uint64_t *dirty_map; /* bit set: written since power-on */
	size_t nfree;
	size_t ndirty;
	size_t hint; /* no free frame below this index */
};

/* Words of bitmap needed for n frames (each map). */
#define KERN_FRAMES_WORDS(n) (((n) + 63) / 64)

/* Manage nframes frames, all in use and pristine to begin with; both maps
 * must be zeroed, KERN_FRAMES_WORDS(nframes) words each. */
void kern_frames_init(struct kern_frames *f, uintptr_t base, size_t nframes,
		      uint64_t *free_map, uint64_t *dirty_map);

/* Make frames [first, first + n) free (RAM found in the memory map). */
void kern_frames_add(struct kern_frames *f, size_t first, size_t n);

/* Record frames [first, first + n) as written (firmware areas, the image,
 * anything the kernel wrote before the allocator existed). */
void kern_frames_mark_dirty(struct kern_frames *f, size_t first, size_t n);

/* Take n contiguous free frames whose first index is a multiple of align
 * (a power of two), the lowest such run; dirty ones are zeroed, all are
 * dirty afterwards. The first index, or KERN_FRAMES_NONE. */
size_t kern_frames_alloc(struct kern_frames *f, size_t n, size_t align);

/* Claim the specific free frames [first, first + n), without zeroing or
 * marking them dirty (the caller does, if it writes them). 0, or -EBUSY
 * if any of them is not free (then none is taken). */
int kern_frames_take(struct kern_frames *f, size_t first, size_t n);

/* Return frames [first, first + n), which must be in use; they count as
 * dirty from then on. */
void kern_frames_free(struct kern_frames *f, size_t first, size_t n);

/* Whether frame i is free. */
int kern_frames_is_free(const struct kern_frames *f, size_t i);

#endif
