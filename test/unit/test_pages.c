/* Unit tests of kernel/pages.c: the page-run allocator over host memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kern/pages.h>

#define PG KERN_PAGE_SIZE
#define N 130 /* pages: more than two bitmap words, not a multiple of 64 */
#define SENTINEL 0x5a
#define DIRTY 0xaa

struct fixture {
	struct kern_pages p;
	uint8_t *ram;
	uint64_t bitmap[(N + 63) / 64];
};

/* Fill the RAM with byte, then (re)start the allocator over it. */
static void reset(struct fixture *f, int byte)
{
	memset(f->ram, byte, N * PG);
	memset(f->bitmap, 0, sizeof(f->bitmap));
	kern_pages_init(&f->p, (uintptr_t)f->ram, N, f->bitmap);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->ram = aligned_alloc(PG, N * PG);
	if (!f->ram)
		return -1;
	reset(f, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static uintptr_t page(const struct fixture *f, size_t i)
{
	return (uintptr_t)f->ram + i * PG;
}

static size_t index_of(const struct fixture *f, uintptr_t a)
{
	assert_true(a >= page(f, 0) && a < page(f, N));
	assert_int_equal((a - page(f, 0)) % PG, 0);
	return (a - page(f, 0)) / PG;
}

static void fill(struct fixture *f, size_t i, size_t n, int byte)
{
	memset(f->ram + i * PG, byte, n * PG);
}

/* Whether pages [i, i+n) hold nothing but byte. */
static bool filled(const struct fixture *f, size_t i, size_t n, int byte)
{
	for (size_t k = i * PG; k < (i + n) * PG; k++)
		if (f->ram[k] != byte)
			return false;
	return true;
}

/* Take every page, one at a time, checking they come in order. */
static void alloc_all_singly(struct fixture *f)
{
	for (size_t i = 0; i < N; i++)
		assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, i));
	assert_int_equal(f->p.used, N);
}

static void test_init(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->p.used, 0);
	assert_int_equal(kern_pages_free_count(&f->p), N);
	assert_true(kern_pages_contains(&f->p, page(f, 0), N));
	assert_true(kern_pages_contains(&f->p, page(f, N - 1), 1));
	assert_false(kern_pages_contains(&f->p, page(f, 0), N + 1));
	assert_false(kern_pages_contains(&f->p, page(f, N - 1), 2));
	assert_false(kern_pages_contains(&f->p, page(f, N), 1));
	assert_false(kern_pages_contains(&f->p, page(f, 0) - PG, 1));
	assert_false(kern_pages_contains(&f->p, page(f, 0) + 1, 1));
}

static void test_alloc_free(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 1);
	uintptr_t b = kern_pages_alloc(&f->p, 3);

	assert_int_equal(a, page(f, 0));
	assert_int_equal(b, page(f, 1));
	assert_int_equal(f->p.used, 4);
	assert_int_equal(kern_pages_free_count(&f->p), N - 4);
	kern_pages_free(&f->p, a, 1);
	assert_int_equal(f->p.used, 3);
	kern_pages_free(&f->p, b, 3);
	assert_int_equal(f->p.used, 0);
	assert_int_equal(kern_pages_free_count(&f->p), N);
}

static void test_alloc_zero_pages(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, 0), 0);
	assert_int_equal(f->p.used, 0);
}

static void test_alloc_runs_cross_words(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, 60), page(f, 0));
	assert_int_equal(kern_pages_alloc(&f->p, 10), page(f, 60));
	assert_int_equal(kern_pages_alloc(&f->p, 60), page(f, 70));
	assert_int_equal(f->p.used, 130);
	kern_pages_free(&f->p, page(f, 60), 10);
	assert_int_equal(f->p.used, 120);
	assert_int_equal(kern_pages_alloc(&f->p, 10), page(f, 60));
}

static void test_exhaustion(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, N), page(f, 0));
	assert_int_equal(kern_pages_free_count(&f->p), 0);
	assert_int_equal(kern_pages_alloc(&f->p, 1), 0);
	kern_pages_free(&f->p, page(f, 5), 1);
	assert_int_equal(kern_pages_alloc(&f->p, 2), 0);
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 5));
	assert_int_equal(kern_pages_alloc(&f->p, 1), 0);
	assert_int_equal(f->p.used, N);
}

static void test_too_large(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, N + 1), 0);
	assert_int_equal(kern_pages_alloc(&f->p, SIZE_MAX), 0);
	assert_int_equal(f->p.used, 0);
	assert_int_equal(kern_pages_alloc(&f->p, N - 1), page(f, 0));
	assert_int_equal(kern_pages_alloc(&f->p, 2), 0);
	assert_int_equal(f->p.used, N - 1);
}

static void test_fragmentation(void **state)
{
	struct fixture *f = *state;

	alloc_all_singly(f);
	for (size_t i = 0; i < N; i += 2)
		kern_pages_free(&f->p, page(f, i), 1);
	assert_int_equal(kern_pages_free_count(&f->p), N / 2);
	assert_int_equal(kern_pages_alloc(&f->p, 2), 0);
	assert_int_equal(kern_pages_alloc(&f->p, N / 2), 0);
	for (size_t i = 0; i < N / 2; i++) {
		uintptr_t a = kern_pages_alloc(&f->p, 1);

		assert_int_not_equal(a, 0);
		assert_int_equal(index_of(f, a) % 2, 0);
	}
	assert_int_equal(kern_pages_alloc(&f->p, 1), 0);
	assert_int_equal(f->p.used, N);
}

/* The search starts where the last allocation ended... */
static void test_search_from_hint(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 1);

	kern_pages_free(&f->p, a, 1);
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 1));
}

/* ... and wraps around to the first fitting run. */
static void test_first_fit_reuse(void **state)
{
	struct fixture *f = *state;

	alloc_all_singly(f);
	kern_pages_free(&f->p, page(f, 2), 1);
	kern_pages_free(&f->p, page(f, 5), 3);
	kern_pages_free(&f->p, page(f, 40), 2);
	assert_int_equal(kern_pages_alloc(&f->p, 2), page(f, 5));
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 7));
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 40));
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 41));
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 2));
	assert_int_equal(kern_pages_alloc(&f->p, 1), 0);
}

static void test_reuse_is_zeroed(void **state)
{
	struct fixture *f = *state;

	alloc_all_singly(f);
	fill(f, 3, 1, DIRTY);
	fill(f, 4, 1, DIRTY);
	kern_pages_free(&f->p, page(f, 3), 1);
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 3));
	assert_true(filled(f, 3, 1, 0));
	assert_true(filled(f, 4, 1, DIRTY));
}

static void test_reuse_run_is_zeroed(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 8);

	fill(f, 0, 8, DIRTY);
	kern_pages_free(&f->p, a, 8);
	assert_int_equal(kern_pages_alloc(&f->p, N - 8), page(f, 8));
	assert_int_equal(kern_pages_alloc(&f->p, 8), a);
	assert_true(filled(f, 0, 8, 0));
}

/* Fresh pages are assumed zero: alloc must not write them, nor any page
 * it does not hand out. The sentinel stands in for the hypervisor's
 * zeroes so that any write would show. */
static void test_fresh_pages_untouched(void **state)
{
	struct fixture *f = *state;

	reset(f, SENTINEL);
	assert_int_equal(kern_pages_alloc(&f->p, 4), page(f, 0));
	assert_true(filled(f, 0, N, SENTINEL));
	kern_pages_free(&f->p, page(f, 0), 4);
	assert_int_equal(kern_pages_alloc(&f->p, 2), page(f, 4));
	assert_true(filled(f, 0, N, SENTINEL));
	assert_int_equal(kern_pages_alloc(&f->p, N - 6), page(f, 6));
	assert_true(filled(f, 0, N, SENTINEL));
	assert_int_equal(kern_pages_alloc(&f->p, 3), page(f, 0));
	assert_true(filled(f, 0, 3, 0));
	assert_true(filled(f, 3, N - 3, SENTINEL));
}

static void test_alloc_at_fresh_untouched(void **state)
{
	struct fixture *f = *state;

	reset(f, SENTINEL);
	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, 0), 5), 0);
	assert_true(filled(f, 0, N, SENTINEL));
	assert_int_equal(kern_pages_resize(&f->p, page(f, 0), 5, 9), 0);
	assert_true(filled(f, 0, N, SENTINEL));
	kern_pages_free(&f->p, page(f, 0), 9);
	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, 7), 4), 0);
	assert_true(filled(f, 7, 2, 0));
	assert_true(filled(f, 0, 7, SENTINEL));
	assert_true(filled(f, 9, N - 9, SENTINEL));
}

static void test_alloc_at_used_and_free(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, 4), page(f, 0));
	fill(f, 0, 4, DIRTY);
	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, 2), 4), 0);
	assert_int_equal(f->p.used, 6);
	assert_true(filled(f, 0, 2, DIRTY));
	assert_true(filled(f, 2, 4, 0));
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 6));
	assert_int_equal(f->p.used, 7);
}

static void test_alloc_at_all_used(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, 4), page(f, 0));
	fill(f, 0, 4, DIRTY);
	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, 1), 2), 0);
	assert_int_equal(f->p.used, 4);
	assert_true(filled(f, 0, 1, DIRTY));
	assert_true(filled(f, 1, 2, 0));
	assert_true(filled(f, 3, 1, DIRTY));
}

static void test_alloc_at_freed_is_zeroed(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, 4), page(f, 0));
	fill(f, 0, 4, DIRTY);
	kern_pages_free(&f->p, page(f, 0), 4);
	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, 1), 2), 0);
	assert_int_equal(f->p.used, 2);
	assert_true(filled(f, 1, 2, 0));
	assert_true(filled(f, 3, 1, DIRTY));
}

static void test_alloc_at_outside(void **state)
{
	struct fixture *f = *state;
	struct kern_pages *p = &f->p;

	assert_int_equal(kern_pages_alloc_at(p, page(f, 0) - PG, 1), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, 0) - PG, 2), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, N), 1), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, N - 1), 2), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, 0), N + 1), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, 0) + 8, 1), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, 0), 0), -ENOMEM);
	assert_int_equal(kern_pages_alloc_at(p, page(f, 0), SIZE_MAX), -ENOMEM);
	assert_int_equal(p->used, 0);
	assert_int_equal(kern_pages_alloc_at(p, page(f, N - 1), 1), 0);
	assert_int_equal(p->used, 1);
}

static void test_resize_grow_in_place(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 2);

	assert_int_equal(kern_pages_resize(&f->p, a, 2, 5), 0);
	assert_int_equal(f->p.used, 5);
	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 5));
}

static void test_resize_grow_zeroes_reused(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 4);

	fill(f, 0, 5, DIRTY);
	kern_pages_free(&f->p, page(f, 2), 2);
	assert_int_equal(kern_pages_resize(&f->p, a, 2, 4), 0);
	assert_int_equal(f->p.used, 4);
	assert_true(filled(f, 0, 2, DIRTY));
	assert_true(filled(f, 2, 2, 0));
	assert_true(filled(f, 4, 1, DIRTY));
}

static void test_resize_blocked(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 2);
	uintptr_t b = kern_pages_alloc(&f->p, 1);

	assert_int_equal(b, page(f, 2));
	assert_int_equal(kern_pages_resize(&f->p, a, 2, 3), -ENOMEM);
	assert_int_equal(f->p.used, 3);
	assert_int_equal(kern_pages_resize(&f->p, b, 1, N - 2), 0);
	assert_int_equal(f->p.used, N);
	assert_int_equal(kern_pages_resize(&f->p, b, N - 2, N - 1), -ENOMEM);
	assert_int_equal(f->p.used, N);
}

static void test_resize_past_end(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, N - 2), 2), 0);
	assert_int_equal(kern_pages_resize(&f->p, page(f, N - 2), 2, 3),
			 -ENOMEM);
	assert_int_equal(f->p.used, 2);
}

static void test_resize_shrink(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 6);

	assert_int_equal(kern_pages_resize(&f->p, a, 6, 2), 0);
	assert_int_equal(f->p.used, 2);
	assert_int_equal(kern_pages_resize(&f->p, a, 2, 2), 0);
	assert_int_equal(f->p.used, 2);
	assert_int_equal(kern_pages_resize(&f->p, a, 2, 6), 0);
	assert_int_equal(f->p.used, 6);
	assert_int_equal(kern_pages_resize(&f->p, a, 6, 0), 0);
	assert_int_equal(f->p.used, 0);
}

static void test_resize_outside(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_resize(&f->p, page(f, 0) - PG, 1, 2),
			 -ENOMEM);
	assert_int_equal(kern_pages_resize(&f->p, page(f, 0) + 1, 1, 2),
			 -ENOMEM);
	assert_int_equal(kern_pages_resize(&f->p, page(f, N - 1), 2, 1),
			 -ENOMEM);
	assert_int_equal(f->p.used, 0);
}

static void test_free_partly_outside(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, N), page(f, 0));
	kern_pages_free(&f->p, page(f, 0) - 2 * PG, 4);
	assert_int_equal(f->p.used, N - 2);
	kern_pages_free(&f->p, page(f, N - 2), 5);
	assert_int_equal(f->p.used, N - 4);
	assert_int_equal(kern_pages_alloc(&f->p, 2), page(f, 0));
	assert_int_equal(kern_pages_alloc(&f->p, 2), page(f, N - 2));
	assert_int_equal(kern_pages_alloc(&f->p, 1), 0);
}

static void test_free_outside(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, N), page(f, 0));
	kern_pages_free(&f->p, page(f, 0) - 3 * PG, 3);
	kern_pages_free(&f->p, page(f, N), 3);
	kern_pages_free(&f->p, page(f, 0), 0);
	assert_int_equal(f->p.used, N);
}

static void test_free_covering_all(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kern_pages_alloc(&f->p, 7), page(f, 0));
	assert_int_equal(kern_pages_alloc_at(&f->p, page(f, N - 1), 1), 0);
	kern_pages_free(&f->p, page(f, 0) - 4 * PG, N + 8);
	assert_int_equal(f->p.used, 0);
	assert_int_equal(kern_pages_alloc(&f->p, N), page(f, 0));
}

static void test_double_free_counted_once(void **state)
{
	struct fixture *f = *state;
	uintptr_t a = kern_pages_alloc(&f->p, 3);

	assert_int_equal(kern_pages_alloc(&f->p, 1), page(f, 3));
	kern_pages_free(&f->p, a, 3);
	kern_pages_free(&f->p, a, 3);
	kern_pages_free(&f->p, page(f, 10), 5);
	assert_int_equal(f->p.used, 1);
	assert_int_equal(kern_pages_free_count(&f->p), N - 1);
}

static void test_counters(void **state)
{
	struct fixture *f = *state;
	struct kern_pages *p = &f->p;
	uintptr_t a = kern_pages_alloc(p, 10);

	assert_int_equal(kern_pages_alloc(p, 20), page(f, 10));
	assert_int_equal(p->used, 30);
	assert_int_equal(kern_pages_alloc_at(p, page(f, 25), 10), 0);
	assert_int_equal(p->used, 35);
	assert_int_equal(kern_pages_resize(p, a, 10, 4), 0);
	assert_int_equal(p->used, 29);
	kern_pages_free(p, page(f, 20), 100);
	assert_int_equal(p->used, 14);
	assert_int_equal(kern_pages_free_count(p), N - 14);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init),
		T(test_alloc_free),
		T(test_alloc_zero_pages),
		T(test_alloc_runs_cross_words),
		T(test_exhaustion),
		T(test_too_large),
		T(test_fragmentation),
		T(test_search_from_hint),
		T(test_first_fit_reuse),
		T(test_reuse_is_zeroed),
		T(test_reuse_run_is_zeroed),
		T(test_fresh_pages_untouched),
		T(test_alloc_at_fresh_untouched),
		T(test_alloc_at_used_and_free),
		T(test_alloc_at_all_used),
		T(test_alloc_at_freed_is_zeroed),
		T(test_alloc_at_outside),
		T(test_resize_grow_in_place),
		T(test_resize_grow_zeroes_reused),
		T(test_resize_blocked),
		T(test_resize_past_end),
		T(test_resize_shrink),
		T(test_resize_outside),
		T(test_free_partly_outside),
		T(test_free_outside),
		T(test_free_covering_all),
		T(test_double_free_counted_once),
		T(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
