/* The physical frame allocator (see kernel/mm/frames.h). */
#include <errno.h>
#include <string.h>

#include "mm/frames.h"

static int get(const uint64_t *map, size_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void put(uint64_t *map, size_t i, int v)
{
	if (v)
		map[i / 64] |= 1ULL << (i % 64);
	else
		map[i / 64] &= ~(1ULL << (i % 64));
}

int kern_frames_is_free(const struct kern_frames *f, size_t i)
{
	return i < f->nframes && get(f->free_map, i);
}

void kern_frames_init(struct kern_frames *f, uintptr_t base, size_t nframes,
		      uint64_t *free_map, uint64_t *dirty_map)
{
	*f = (struct kern_frames){ .base = base,
				   .nframes = nframes,
				   .free_map = free_map,
				   .dirty_map = dirty_map,
				   .hint = nframes };
}

void kern_frames_add(struct kern_frames *f, size_t first, size_t n)
{
	for (size_t i = first; i < first + n && i < f->nframes; i++) {
		if (get(f->free_map, i))
			continue;
		put(f->free_map, i, 1);
		f->nfree++;
	}
	if (first < f->hint)
		f->hint = first;
}

void kern_frames_mark_dirty(struct kern_frames *f, size_t first, size_t n)
{
	for (size_t i = first; i < first + n && i < f->nframes; i++) {
		if (get(f->dirty_map, i))
			continue;
		put(f->dirty_map, i, 1);
		f->ndirty++;
	}
}

/* Mark [first, first + n) in use and dirty, zeroing the dirty ones. */
static void take(struct kern_frames *f, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++) {
		put(f->free_map, i, 0);
		if (get(f->dirty_map, i))
			memset((void *)(f->base + i * KERN_FRAME_SIZE), 0,
			       KERN_FRAME_SIZE);
	}
	f->nfree -= n;
	kern_frames_mark_dirty(f, first, n);
}

/* Length of the free run at i, up to max. */
static size_t free_run(const struct kern_frames *f, size_t i, size_t max)
{
	size_t n = 0;

	while (n < max && i + n < f->nframes && get(f->free_map, i + n))
		n++;
	return n;
}

/* The next free frame at or after i, or nframes (whole empty words are
 * skipped at once). */
static size_t next_free(const struct kern_frames *f, size_t i)
{
	while (i < f->nframes) {
		if (i % 64 == 0 && f->free_map[i / 64] == 0) {
			i += 64;
			continue;
		}
		if (get(f->free_map, i))
			return i;
		i++;
	}
	return f->nframes;
}

size_t kern_frames_alloc(struct kern_frames *f, size_t n, size_t align)
{
	size_t i;

	if (n == 0 || n > f->nfree || align == 0 || (align & (align - 1)))
		return KERN_FRAMES_NONE;
	f->hint = next_free(f, f->hint);
	for (i = f->hint; i < f->nframes;) {
		size_t run;

		i = (i + align - 1) & ~(align - 1);
		if (i + n > f->nframes)
			break;
		run = free_run(f, i, n);
		if (run == n) {
			take(f, i, n);
			return i;
		}
		i = next_free(f, i + run + 1);
	}
	return KERN_FRAMES_NONE;
}

int kern_frames_take(struct kern_frames *f, size_t first, size_t n)
{
	if (first + n > f->nframes || free_run(f, first, n) != n)
		return -EBUSY;
	for (size_t i = first; i < first + n; i++)
		put(f->free_map, i, 0);
	f->nfree -= n;
	return 0;
}

void kern_frames_free(struct kern_frames *f, size_t first, size_t n)
{
	kern_frames_mark_dirty(f, first, n); /* it may have been written */
	kern_frames_add(f, first, n);
}
