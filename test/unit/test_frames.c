/* Unit tests of kernel/mm/frames.c: the frame allocator over host memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/frames.h"

#define FS KERN_FRAME_SIZE
#define N 1100 /* frames: several bitmap words, not a multiple of 64 */
#define W KERN_FRAMES_WORDS(N)
#define NONE KERN_FRAMES_NONE
#define SENTINEL 0x5a
#define DIRTY 0xaa

struct fixture {
	struct kern_frames f;
	uint8_t *ram;
	uint64_t free_map[W];
	uint64_t dirty_map[W];
};

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

static uint8_t *frame(struct fixture *x, size_t i)
{
	return x->ram + i * FS;
}

/* Fill frames [first, first + n) with byte. */
static void fill(struct fixture *x, size_t first, size_t n, int byte)
{
	memset(frame(x, first), byte, n * FS);
}

/* Assert every byte of frames [first, first + n) is byte. */
static void assert_filled(struct fixture *x, size_t first, size_t n, int byte)
{
	const uint8_t *p = frame(x, first);

	for (size_t i = 0; i < n * FS; i++)
		if (p[i] != (uint8_t)byte)
			fail_msg("frame %zu byte %zu: %#x, want %#x",
				 first + i / FS, i % FS, p[i], byte);
}

/* Allocate frames one at a time, expecting the indices want[0..n). */
static void alloc_expect(struct fixture *x, const size_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(kern_frames_alloc(&x->f, 1, 1), want[i]);
}

/* Allocate single frames until none is left; the number taken. */
static size_t drain(struct fixture *x)
{
	size_t n = 0;

	while (kern_frames_alloc(&x->f, 1, 1) != NONE)
		n++;
	return n;
}

/* The number of frames kern_frames_is_free reports free. */
static size_t count_free(struct fixture *x)
{
	size_t n = 0;

	for (size_t i = 0; i < N; i++)
		n += kern_frames_is_free(&x->f, i);
	return n;
}

static void test_init_nothing_free(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(x->f.nfree, 0);
	assert_int_equal(x->f.ndirty, 0);
	assert_int_equal(x->f.nframes, N);
	assert_int_equal(count_free(x), 0);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), NONE);
	assert_int_equal(kern_frames_take(&x->f, 0, 1), -EBUSY);
}

static void test_add_ranges_with_holes(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 10, 20);
	kern_frames_add(&x->f, 100, 5);
	assert_int_equal(x->f.nfree, 25);
	assert_int_equal(count_free(x), 25);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(kern_frames_is_free(&x->f, i),
				 (i >= 10 && i < 30) || (i >= 100 && i < 105));
	for (size_t i = 10; i < 30; i++)
		assert_int_equal(kern_frames_alloc(&x->f, 1, 1), i);
	for (size_t i = 100; i < 105; i++)
		assert_int_equal(kern_frames_alloc(&x->f, 1, 1), i);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), NONE);
	assert_int_equal(kern_frames_take(&x->f, 50, 1), -EBUSY);
}

static void test_add_clipped_at_end(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, N - 2, 10);
	assert_int_equal(x->f.nfree, 2);
	assert_false(kern_frames_is_free(&x->f, N));
	assert_false(kern_frames_is_free(&x->f, N + 5));
	kern_frames_add(&x->f, N + 3, 4);
	assert_int_equal(x->f.nfree, 2);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), N - 2);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), NONE);
}

static void test_add_twice_counted_once(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 10);
	kern_frames_add(&x->f, 5, 10);
	assert_int_equal(x->f.nfree, 15);
	assert_int_equal(drain(x), 15);
}

static void test_alloc_lowest_first(void **state)
{
	struct fixture *x = *state;
	static const size_t want[] = { 0, 1, 2 };

	kern_frames_add(&x->f, 0, N);
	alloc_expect(x, want, 3);
	assert_int_equal(kern_frames_alloc(&x->f, 3, 1), 3);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 6);
	assert_int_equal(x->f.nfree, N - 7);
}

static void test_exhaustion(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, N);
	assert_int_equal(kern_frames_alloc(&x->f, N + 1, 1), NONE);
	assert_int_equal(x->f.nfree, N);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(kern_frames_alloc(&x->f, 1, 1), i);
	assert_int_equal(x->f.nfree, 0);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), NONE);
	assert_int_equal(count_free(x), 0);
}

static void test_alloc_bad_arguments(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, N);
	assert_int_equal(kern_frames_alloc(&x->f, 0, 1), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 0), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 3), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 6), NONE);
	assert_int_equal(x->f.nfree, N);
	assert_int_equal(x->f.ndirty, 0);
}

static void test_alloc_whole_range(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, N);
	assert_int_equal(kern_frames_alloc(&x->f, N, 1), 0);
	assert_int_equal(x->f.nfree, 0);
	assert_int_equal(x->f.ndirty, N);
}

static void test_run_across_words(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 60, 10);
	kern_frames_add(&x->f, 200, 70);
	assert_int_equal(kern_frames_alloc(&x->f, 20, 1), 200);
	assert_int_equal(kern_frames_alloc(&x->f, 10, 1), 60);
	assert_int_equal(kern_frames_alloc(&x->f, 60, 1), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 50, 1), 220);
}

static void test_fragmentation(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 128);
	assert_int_equal(drain(x), 128);
	for (size_t i = 0; i < 128; i += 2)
		kern_frames_free(&x->f, i, 1);
	assert_int_equal(x->f.nfree, 64);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 2), 0);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 2);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 4), 4);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 8), 8);
	assert_int_equal(x->f.nfree, 60);
}

static void test_alloc_aligned(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 1, N - 1);
	assert_int_equal(kern_frames_alloc(&x->f, 4, 512), 512);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 512), 1024);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 512), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 80, 1024), NONE);
	for (size_t i = 1; i < 512; i++)
		assert_true(kern_frames_is_free(&x->f, i));
	assert_int_equal(x->f.nfree, N - 1 - 5);
	assert_int_equal(kern_frames_alloc(&x->f, 3, 8), 8);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 2), 2);
}

/* A run that fits only after skipping a too-short aligned run. */
static void test_alloc_aligned_skips_short_run(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 64);
	assert_int_equal(kern_frames_take(&x->f, 0, 1), 0);
	assert_int_equal(kern_frames_take(&x->f, 19, 1), 0);
	assert_int_equal(kern_frames_alloc(&x->f, 4, 16), 32);
	assert_int_equal(kern_frames_alloc(&x->f, 3, 16), 16);
	assert_int_equal(kern_frames_alloc(&x->f, 4, 16), 48);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 16), NONE);
	assert_int_equal(kern_frames_alloc(&x->f, 15, 1), 1);
}

static void test_reuse_zeroed(void **state)
{
	struct fixture *x = *state;
	size_t a;

	kern_frames_add(&x->f, 0, 4);
	a = kern_frames_alloc(&x->f, 1, 1);
	assert_int_equal(a, 0);
	fill(x, a, 1, DIRTY);
	kern_frames_free(&x->f, a, 1);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), a);
	assert_filled(x, a, 1, 0);
}

static void test_pristine_untouched(void **state)
{
	struct fixture *x = *state;

	fill(x, 0, 16, SENTINEL);
	kern_frames_add(&x->f, 0, 16);
	assert_int_equal(kern_frames_alloc(&x->f, 4, 1), 0);
	assert_int_equal(kern_frames_alloc(&x->f, 12, 4), 4);
	assert_filled(x, 0, 16, SENTINEL);
	assert_int_equal(x->f.ndirty, 16);
}

static void test_reuse_zeroes_only_reused(void **state)
{
	struct fixture *x = *state;

	fill(x, 0, 4, SENTINEL);
	kern_frames_add(&x->f, 0, 4);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), 0);
	fill(x, 0, 2, DIRTY);
	kern_frames_free(&x->f, 0, 2);
	assert_int_equal(x->f.ndirty, 2);
	assert_int_equal(kern_frames_alloc(&x->f, 4, 1), 0);
	assert_filled(x, 0, 2, 0);
	assert_filled(x, 2, 2, SENTINEL);
	assert_int_equal(x->f.ndirty, 4);
}

static void test_marked_dirty_zeroed(void **state)
{
	struct fixture *x = *state;

	fill(x, 0, 6, DIRTY);
	kern_frames_mark_dirty(&x->f, 2, 2);
	assert_int_equal(x->f.ndirty, 2);
	kern_frames_add(&x->f, 0, 6);
	assert_int_equal(kern_frames_alloc(&x->f, 6, 1), 0);
	assert_filled(x, 0, 2, DIRTY);
	assert_filled(x, 2, 2, 0);
	assert_filled(x, 4, 2, DIRTY);
	assert_int_equal(x->f.ndirty, 6);
}

static void test_counters(void **state)
{
	struct fixture *x = *state;

	kern_frames_mark_dirty(&x->f, 0, 3);
	kern_frames_mark_dirty(&x->f, 1, 3);
	assert_int_equal(x->f.ndirty, 4);
	kern_frames_mark_dirty(&x->f, N - 1, 5);
	assert_int_equal(x->f.ndirty, 5);
	kern_frames_add(&x->f, 0, 10);
	assert_int_equal(x->f.nfree, 10);
	assert_int_equal(kern_frames_alloc(&x->f, 6, 1), 0);
	assert_int_equal(x->f.nfree, 4);
	assert_int_equal(x->f.ndirty, 7);
	kern_frames_free(&x->f, 0, 6);
	assert_int_equal(x->f.nfree, 10);
	assert_int_equal(x->f.ndirty, 7);
	assert_int_equal(kern_frames_alloc(&x->f, 10, 1), 0);
	assert_int_equal(x->f.nfree, 0);
	assert_int_equal(x->f.ndirty, 11);
}

static void test_take_free_frames(void **state)
{
	struct fixture *x = *state;

	fill(x, 3, 2, DIRTY);
	kern_frames_mark_dirty(&x->f, 3, 2);
	kern_frames_add(&x->f, 0, 10);
	assert_int_equal(kern_frames_take(&x->f, 3, 2), 0);
	assert_false(kern_frames_is_free(&x->f, 3));
	assert_false(kern_frames_is_free(&x->f, 4));
	assert_true(kern_frames_is_free(&x->f, 2));
	assert_true(kern_frames_is_free(&x->f, 5));
	assert_int_equal(x->f.nfree, 8);
	assert_filled(x, 3, 2, DIRTY); /* not zeroed */
	assert_int_equal(kern_frames_alloc(&x->f, 3, 1), 0);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), 5);
}

static void test_take_busy_no_partial(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 10);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 0);
	assert_int_equal(kern_frames_take(&x->f, 0, 3), -EBUSY);
	assert_int_equal(kern_frames_take(&x->f, 7, 3), 0);
	assert_int_equal(kern_frames_take(&x->f, 5, 3), -EBUSY);
	assert_int_equal(kern_frames_take(&x->f, 8, 1), -EBUSY);
	assert_int_equal(kern_frames_take(&x->f, 9, 5), -EBUSY);
	assert_int_equal(kern_frames_take(&x->f, 10, 1), -EBUSY);
	assert_int_equal(x->f.nfree, 6);
	for (size_t i = 1; i < 7; i++)
		assert_true(kern_frames_is_free(&x->f, i));
}

static void test_take_past_end(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, N - 4, 4);
	assert_int_equal(kern_frames_take(&x->f, N - 2, 3), -EBUSY);
	assert_int_equal(kern_frames_take(&x->f, SIZE_MAX, 2), -EBUSY);
	assert_int_equal(x->f.nfree, 4);
	assert_int_equal(kern_frames_take(&x->f, N - 2, 2), 0);
	assert_int_equal(x->f.nfree, 2);
}

/* Boot claims frames with take and marks them dirty (kernel/mm/mm.c): once
 * freed, they come back zeroed. */
static void test_take_dirty_free_realloc_zeroed(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 4);
	assert_int_equal(kern_frames_take(&x->f, 0, 2), 0);
	fill(x, 0, 2, DIRTY);
	kern_frames_mark_dirty(&x->f, 0, 2);
	kern_frames_free(&x->f, 1, 1);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 1);
	assert_filled(x, 0, 1, DIRTY);
	assert_filled(x, 1, 1, 0);
}

static void test_freed_low_before_pristine(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 8);
	assert_int_equal(kern_frames_alloc(&x->f, 4, 1), 0);
	kern_frames_free(&x->f, 1, 1);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 1);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 4);
	kern_frames_free(&x->f, 2, 2);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), 2);
}

static void test_double_free_counted_once(void **state)
{
	struct fixture *x = *state;
	static const size_t want[] = { 0, 2, 3 };

	kern_frames_add(&x->f, 0, 4);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), 0);
	kern_frames_free(&x->f, 0, 1);
	kern_frames_free(&x->f, 0, 1);
	assert_int_equal(x->f.nfree, 3);
	alloc_expect(x, want, 3);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), NONE);
	assert_int_equal(x->f.nfree, 0);
}

/* Assert no free frame lies below the hint. */
static void assert_hint_valid(struct fixture *x)
{
	for (size_t i = 0; i < x->f.hint && i < N; i++)
		assert_false(kern_frames_is_free(&x->f, i));
}

static void test_hint_after_frees_below(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 200);
	for (size_t i = 0; i < 150; i++)
		assert_int_equal(kern_frames_alloc(&x->f, 1, 1), i);
	assert_hint_valid(x);
	kern_frames_free(&x->f, 100, 1);
	assert_hint_valid(x);
	kern_frames_free(&x->f, 70, 1);
	assert_hint_valid(x);
	kern_frames_free(&x->f, 5, 2);
	assert_hint_valid(x);
	assert_int_equal(kern_frames_alloc(&x->f, 2, 1), 5);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 70);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 100);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 150);
	assert_hint_valid(x);
}

static void test_hint_after_take(void **state)
{
	struct fixture *x = *state;

	kern_frames_add(&x->f, 0, 100);
	assert_int_equal(kern_frames_take(&x->f, 0, 10), 0);
	assert_hint_valid(x);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 10);
	kern_frames_free(&x->f, 3, 1);
	assert_int_equal(kern_frames_alloc(&x->f, 1, 1), 3);
	assert_hint_valid(x);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_nothing_free),
		T(test_add_ranges_with_holes),
		T(test_add_clipped_at_end),
		T(test_add_twice_counted_once),
		T(test_alloc_lowest_first),
		T(test_exhaustion),
		T(test_alloc_bad_arguments),
		T(test_alloc_whole_range),
		T(test_run_across_words),
		T(test_fragmentation),
		T(test_alloc_aligned),
		T(test_alloc_aligned_skips_short_run),
		T(test_reuse_zeroed),
		T(test_pristine_untouched),
		T(test_reuse_zeroes_only_reused),
		T(test_marked_dirty_zeroed),
		T(test_counters),
		T(test_take_free_frames),
		T(test_take_busy_no_partial),
		T(test_take_past_end),
		T(test_take_dirty_free_realloc_zeroed),
		T(test_freed_low_before_pristine),
		T(test_double_free_counted_once),
		T(test_hint_after_frees_below),
		T(test_hint_after_take),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
