/* Unit tests of kernel/mm/initrd.c: where an initrd may lie, and that its
 * frames, once reserved, are never handed out or cleared (kernel/mm/
 * frames.c over host memory, as the boot leaves it). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/initrd.h"

#define FS KERN_FRAME_SIZE
#define N 300		/* frames of "RAM" */
#define IMAGE (16 * FS) /* the image starts here */
#define END (40 * FS)	/* image, frame maps and boot mark end here */
#define HOLE 200	/* a frame the memory map does not call RAM */
#define PATTERN 0xc5

struct fixture {
	struct kern_frames f;
	uint8_t *ram;
	uint64_t free_map[KERN_FRAMES_WORDS(N)];
	uint64_t dirty_map[KERN_FRAMES_WORDS(N)];
};

/* RAM in frames [1, N) but HOLE, everything below END taken: the state
 * frames_init leaves before it reserves the initrd. */
static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	x->ram = aligned_alloc(FS, N * FS);
	if (!x->ram)
		return -1;
	memset(x->ram, 0, N * FS);
	kern_frames_init(&x->f, (uintptr_t)x->ram, N, x->free_map,
			 x->dirty_map);
	kern_frames_add(&x->f, 1, HOLE - 1);
	kern_frames_add(&x->f, HOLE + 1, N - HOLE - 1);
	assert_int_equal(kern_frames_take(&x->f, 1, END / FS - 1), 0);
	kern_frames_mark_dirty(&x->f, 0, END / FS);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	free(x->ram);
	free(x);
	return 0;
}

static void test_check_clear_of_image(void **state)
{
	(void)state;
	/* Right after the maps, far above, and wholly below the image. */
	assert_int_equal(mm_initrd_check(END, 3 * FS, IMAGE, END), 0);
	assert_int_equal(mm_initrd_check(100 * FS + 17, 5, IMAGE, END), 0);
	assert_int_equal(mm_initrd_check(FS, IMAGE - FS, IMAGE, END), 0);
}

static void test_check_overlap(void **state)
{
	(void)state;
	/* One byte into the image, one byte into the boot mark's page, on
	 * the maps, and covering everything. */
	assert_int_equal(mm_initrd_check(FS, IMAGE - FS + 1, IMAGE, END),
			 -EBUSY);
	assert_int_equal(mm_initrd_check(END - 1, FS, IMAGE, END), -EBUSY);
	assert_int_equal(mm_initrd_check(30 * FS, FS, IMAGE, END), -EBUSY);
	assert_int_equal(mm_initrd_check(0, 100 * FS, IMAGE, END), -EBUSY);
}

static void test_check_wraps(void **state)
{
	(void)state;
	assert_int_equal(mm_initrd_check(UINT64_MAX - 10, 20, IMAGE, END),
			 -EINVAL);
	assert_int_equal(mm_initrd_check(UINT64_MAX - 10, 5, IMAGE, END),
			 -EINVAL); /* its last page would wrap */
	assert_int_equal(mm_initrd_check(END, 0, IMAGE, END), -EINVAL);
}

/* Whether any frame of [first, first + n) is free. */
static int any_free(struct fixture *x, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		if (kern_frames_is_free(&x->f, i))
			return 1;
	return 0;
}

static void test_reserve_kept_through_exhaustion(void **state)
{
	struct fixture *x = *state;
	size_t before = x->f.nfree, f;
	uint8_t *p = x->ram + 100 * FS;

	/* 9.5 pages at frame 100: 10 frames. The loader wrote them. */
	memset(p, PATTERN, 9 * FS + FS / 2);
	assert_int_equal(
		mm_initrd_reserve(&x->f, 100 * FS, 9 * FS + FS / 2, END), 0);
	assert_int_equal(x->f.nfree, before - 10);
	assert_false(any_free(x, 100, 10));
	assert_true(kern_frames_is_free(&x->f, 110));
	/* A warm boot marks all RAM dirty: frames handed out are cleared,
	 * and none of them is the initrd's. */
	kern_frames_mark_dirty(&x->f, 0, N);
	while ((f = kern_frames_alloc(&x->f, 1, 1)) != KERN_FRAMES_NONE)
		assert_true(f < 100 || f >= 110);
	for (size_t i = 0; i < 9 * FS + FS / 2; i++)
		if (p[i] != PATTERN)
			fail_msg("initrd byte %zu cleared", i);
}

static void test_reserve_marks_dirty(void **state)
{
	struct fixture *x = *state;
	size_t dirty = x->f.ndirty;

	assert_int_equal(mm_initrd_reserve(&x->f, 50 * FS, 2 * FS, END), 0);
	assert_int_equal(x->f.ndirty, dirty + 2);
	/* RAM: N less frame 0 and HOLE; the boot took [1, END). */
	assert_int_equal(x->f.nfree, N - 2 - (END / FS - 1) - 2);
}

static void test_reserve_below_image(void **state)
{
	struct fixture *x = *state;
	size_t before = x->f.nfree;

	/* Frames the boot took already: nothing more to take. */
	assert_int_equal(mm_initrd_reserve(&x->f, 2 * FS, 3 * FS, END), 0);
	assert_int_equal(x->f.nfree, before);
}

static void test_reserve_not_ram(void **state)
{
	struct fixture *x = *state;
	size_t before = x->f.nfree;

	/* Across the hole, and past the last frame: nothing is taken. */
	assert_int_equal(mm_initrd_reserve(&x->f, (HOLE - 2) * FS, 4 * FS, END),
			 -ENOENT);
	assert_int_equal(mm_initrd_reserve(&x->f, (N - 1) * FS, 2 * FS, END),
			 -ENOENT);
	assert_int_equal(x->f.nfree, before);
	assert_true(kern_frames_is_free(&x->f, HOLE - 2));
	assert_true(kern_frames_is_free(&x->f, N - 1));
}

static void test_reserve_twice_refused(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(mm_initrd_reserve(&x->f, 60 * FS, FS, END), 0);
	assert_int_equal(mm_initrd_reserve(&x->f, 60 * FS, FS, END), -ENOENT);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_check_clear_of_image),
		T(test_check_overlap),
		T(test_check_wraps),
		T(test_reserve_kept_through_exhaustion),
		T(test_reserve_marks_dirty),
		T(test_reserve_below_image),
		T(test_reserve_not_ram),
		T(test_reserve_twice_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
