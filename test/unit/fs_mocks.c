/* Host stand-ins for the file tree's hooks (see fs_mocks.h): kern_mm_alloc
 * and kern_mm_try_alloc from aligned_alloc, zeroed as the kernel's are;
 * kern_copy_safe as memcpy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kern/exit.h>
#include <kern/mm.h>
#include <kern/uaccess.h>

#include "fs_mocks.h"

#define FRAME 4096

size_t mock_try_frames;
long mock_try_left = -1;
size_t mock_try_max;

/* n zeroed frames, or NULL. */
static void *frames(size_t n)
{
	void *p = aligned_alloc(FRAME, n * FRAME);

	return p ? memset(p, 0, n * FRAME) : NULL;
}

void *kern_mm_alloc(size_t n)
{
	void *p = frames(n);

	if (!p)
		abort(); /* the kernel's panics */
	return p;
}

void *kern_mm_try_alloc(size_t n)
{
	void *p;

	if (mock_try_left == 0 || (mock_try_max && n > mock_try_max))
		return NULL;
	if (mock_try_left > 0)
		mock_try_left--;
	p = frames(n);
	if (p)
		mock_try_frames += n;
	return p;
}

/* Only tmpfs frees frames (its pages and indexes, from try_alloc). */
void kern_mm_free(void *p, size_t n)
{
	free(p);
	mock_try_frames -= n;
}

int kern_copy_safe(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

/* The kernel's panic: the test fails. */
void kern_panic(const char *fmt, ...)
{
	(void)fmt;
	abort();
}
