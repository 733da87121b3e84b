/* Private to kernel/: pools of fixed-size kernel objects (open files,
 * epoll items, eventfd and timerfd state) carved from frames, since the
 * kernel has no malloc. Freed objects go back to their pool's free list;
 * frames are never returned. */
#ifndef KERNEL_POOL_H
#define KERNEL_POOL_H

#include <stddef.h>

struct kern_pool {
	size_t size; /* bytes per object (rounded up to 16) */
	size_t max;  /* objects at most at a time */
	size_t used; /* objects handed out now */
	void *free;  /* freed objects, linked through their first word */
	char *next;  /* uncarved space in the newest frame */
	size_t left; /* bytes of it */
};

/* A pool of at most max objects of type; objects up to a frame. */
#define KERN_POOL(type, nmax)                                            \
	{                                                                \
		.size = (sizeof(type) + 15) & ~(size_t)15, .max = (nmax) \
	}

/* A zeroed object, or NULL when max are in use or a new frame cannot be
 * had without the kernel's reserve or the service's promised memory
 * (kern_mm_try_alloc): a service that fills memory with files, sockets
 * or epoll items gets an error (ENOSPC, ENFILE, ...), not a panic. */
void *kern_pool_get(struct kern_pool *p);

/* Frames all pools have taken so far (they keep them). */
size_t kern_pool_frames(void);

/* Return obj (from kern_pool_get on p). */
void kern_pool_put(struct kern_pool *p, void *obj);

#endif
