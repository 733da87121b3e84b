/* Pools of fixed-size kernel objects on frames (see pool.h). */
#include <string.h>

#include "mm/frames.h"
#include <kern/mm.h>

#include "mm/pool.h"

static size_t frames_taken;

size_t kern_pool_frames(void)
{
	return frames_taken;
}

void *kern_pool_get(struct kern_pool *p)
{
	void *obj;

	if (p->used >= p->max)
		return NULL;
	if (p->free) {
		obj = p->free;
		p->free = *(void **)obj;
		memset(obj, 0, p->size);
	} else {
		if (p->left < p->size) {
			char *frame = kern_mm_try_alloc(1); /* zeroed */

			if (!frame)
				return NULL;
			frames_taken++;
			p->next = frame;
			p->left = KERN_FRAME_SIZE;
		}
		obj = p->next;
		p->next += p->size;
		p->left -= p->size;
	}
	p->used++;
	return obj;
}

void kern_pool_put(struct kern_pool *p, void *obj)
{
	*(void **)obj = p->free;
	p->free = obj;
	p->used--;
}
