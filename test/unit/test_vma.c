/* Unit tests of kernel/mm/vma.c: address-space regions, gaps and merging,
 * file regions and the protections a region denies, and the
 * classification of system calls' ranges. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/vma.h"

#define P 4096ULL
#define LO (16 * P)
#define HI (256 * P)
#define CAP 8
#define R KERN_VMA_READ
#define RW (KERN_VMA_READ | KERN_VMA_WRITE)
#define ANON KERN_VMA_ANON
#define GUARD KERN_VMA_GUARD

static const char heap[] = "heap";
static const char stack[] = "stack";

struct fixture {
	struct kern_vmas s;
	struct kern_vma v[CAP];
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	if (!x)
		return -1;
	kern_vmas_init(&x->s, LO, HI, x->v, CAP);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* A region expected, bounds in pages. */
struct want {
	uint64_t start, end;
	unsigned prot;
	enum kern_vma_kind kind;
	const char *name;
};

/* Insert anonymous pages [a, b) with prot and name heap, expecting 0. */
static void ins(struct fixture *x, uint64_t a, uint64_t b, unsigned prot)
{
	assert_int_equal(
		kern_vmas_insert(&x->s, a * P, b * P, prot, ANON, heap), 0);
}

/* Assert the regions are exactly want[0..n) (bounds in pages). */
static void expect_regions(struct fixture *x, const struct want *want, size_t n)
{
	assert_int_equal(x->s.n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(x->s.v[i].start, want[i].start * P);
		assert_int_equal(x->s.v[i].end, want[i].end * P);
		assert_int_equal(x->s.v[i].prot, want[i].prot);
		assert_int_equal(x->s.v[i].kind, want[i].kind);
		assert_ptr_equal(x->s.v[i].name, want[i].name);
	}
}

/* Fill the array with CAP separate regions [20 + 4i, 22 + 4i). */
static void fill_up(struct fixture *x)
{
	for (uint64_t i = 0; i < CAP; i++)
		ins(x, 20 + 4 * i, 22 + 4 * i, RW);
	assert_int_equal(x->s.n, CAP);
}

/* Assert the regions are still those fill_up made. */
static void expect_filled(struct fixture *x)
{
	struct want want[CAP];

	for (uint64_t i = 0; i < CAP; i++)
		want[i] =
			(struct want){ 20 + 4 * i, 22 + 4 * i, RW, ANON, heap };
	expect_regions(x, want, CAP);
}

static void test_init_empty(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(x->s.n, 0);
	assert_null(kern_vmas_lookup(&x->s, LO));
	assert_int_equal(kern_vmas_find_gap(&x->s, P), LO);
	assert_int_equal(kern_vmas_find_gap(&x->s, HI - LO), LO);
	assert_int_equal(kern_vmas_find_gap(&x->s, HI - LO + P), 0);
}

static void test_insert_lookup(void **state)
{
	struct fixture *x = *state;
	const struct kern_vma *v;

	assert_int_equal(
		kern_vmas_insert(&x->s, 20 * P, 30 * P, RW, ANON, heap), 0);
	v = kern_vmas_lookup(&x->s, 20 * P);
	assert_non_null(v);
	assert_int_equal(v->start, 20 * P);
	assert_int_equal(v->end, 30 * P);
	assert_int_equal(v->prot, RW);
	assert_int_equal(v->kind, ANON);
	assert_ptr_equal(v->name, heap);
	assert_ptr_equal(kern_vmas_lookup(&x->s, 30 * P - 1), v);
	assert_null(kern_vmas_lookup(&x->s, 30 * P));
	assert_null(kern_vmas_lookup(&x->s, 20 * P - 1));
	assert_null(kern_vmas_lookup(&x->s, 0));
}

static void test_insert_sorted(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 20, 30, RW, ANON, heap },
		{ 32, 34, R, ANON, heap },
		{ 40, 50, RW, ANON, heap },
	};

	ins(x, 40, 50, RW);
	ins(x, 20, 30, RW);
	ins(x, 32, 34, R);
	expect_regions(x, want, 3);
	assert_int_equal(kern_vmas_lookup(&x->s, 33 * P)->prot, R);
	assert_null(kern_vmas_lookup(&x->s, 31 * P));
}

static void test_merge_adjacent_alike(void **state)
{
	struct fixture *x = *state;
	static const struct want one[] = { { 16, 40, RW, ANON, heap } };
	static const struct want all[] = { { 16, 60, RW, ANON, heap } };

	ins(x, 20, 30, RW);
	ins(x, 30, 40, RW);
	ins(x, 16, 20, RW);
	expect_regions(x, one, 1);
	ins(x, 50, 60, RW);
	assert_int_equal(x->s.n, 2);
	ins(x, 40, 50, RW);
	expect_regions(x, all, 1);
}

static void test_no_merge_different(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 20, 30, RW, ANON, heap },  { 30, 40, R, ANON, heap },
		{ 40, 41, 0, GUARD, stack }, { 41, 50, RW, ANON, stack },
		{ 50, 60, RW, ANON, heap },
	};

	ins(x, 20, 30, RW);
	ins(x, 30, 40, R);
	assert_int_equal(
		kern_vmas_insert(&x->s, 40 * P, 41 * P, 0, GUARD, stack), 0);
	assert_int_equal(
		kern_vmas_insert(&x->s, 41 * P, 50 * P, RW, ANON, stack), 0);
	ins(x, 50, 60, RW);
	expect_regions(x, want, 5);
}

static void test_find_gap(void **state)
{
	struct fixture *x = *state;

	ins(x, 16, 20, RW);
	assert_int_equal(kern_vmas_find_gap(&x->s, P), 20 * P);
	ins(x, 22, 30, RW);
	assert_int_equal(kern_vmas_find_gap(&x->s, 2 * P), 20 * P);
	assert_int_equal(kern_vmas_find_gap(&x->s, 3 * P), 30 * P);
	ins(x, 33, 40, R);
	assert_int_equal(kern_vmas_find_gap(&x->s, 3 * P), 30 * P);
	assert_int_equal(kern_vmas_find_gap(&x->s, 4 * P), 40 * P);
	assert_int_equal(kern_vmas_find_gap(&x->s, HI - 40 * P), 40 * P);
	assert_int_equal(kern_vmas_find_gap(&x->s, HI - 40 * P + P), 0);
	assert_int_equal(kern_vmas_find_gap(&x->s, 0), 0);
}

static void test_find_gap_full(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(kern_vmas_insert(&x->s, LO, HI, RW, ANON, heap), 0);
	assert_int_equal(kern_vmas_find_gap(&x->s, P), 0);
	assert_int_equal(kern_vmas_find_gap(&x->s, 0), 0);
}

static void test_find_gap_at_top(void **state)
{
	struct fixture *x = *state;

	ins(x, 16, 255, RW);
	assert_int_equal(kern_vmas_find_gap(&x->s, P), 255 * P);
	assert_int_equal(kern_vmas_find_gap(&x->s, 2 * P), 0);
}

static void test_insert_overlap(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = { { 20, 30, RW, ANON, heap } };
	static const uint64_t bad[][2] = {
		{ 25, 35 }, { 18, 21 }, { 20, 30 },
		{ 22, 24 }, { 18, 40 }, { 29, 30 },
	};

	ins(x, 20, 30, RW);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kern_vmas_insert(&x->s, bad[i][0] * P,
						  bad[i][1] * P, R, ANON, heap),
				 -EEXIST);
	expect_regions(x, want, 1);
	ins(x, 30, 31, R);
	ins(x, 19, 20, R);
	assert_int_equal(x->s.n, 3);
}

static void test_insert_einval(void **state)
{
	struct fixture *x = *state;
	static const uint64_t bad[][2] = {
		{ LO - P, LO + P }, { HI - P, HI + P }, { LO + 1, LO + P },
		{ LO, LO + P + 1 }, { LO + P, LO + P }, { LO + 2 * P, LO + P },
		{ 0, P },	    { HI, HI + P },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kern_vmas_insert(&x->s, bad[i][0], bad[i][1],
						  RW, ANON, heap),
				 -EINVAL);
	assert_int_equal(x->s.n, 0);
	assert_int_equal(kern_vmas_insert(&x->s, LO, HI, RW, ANON, heap), 0);
}

static void test_insert_full(void **state)
{
	struct fixture *x = *state;

	fill_up(x);
	assert_int_equal(
		kern_vmas_insert(&x->s, 100 * P, 101 * P, R, ANON, heap),
		-ENOMEM);
	assert_int_equal(kern_vmas_insert(&x->s, 16 * P, 17 * P, R, ANON, heap),
			 -ENOMEM);
	expect_filled(x);
}

static void test_remove_middle(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 20, 25, RW, ANON, heap },
		{ 30, 40, RW, ANON, heap },
	};

	ins(x, 20, 40, RW);
	assert_int_equal(kern_vmas_remove(&x->s, 25 * P, 30 * P), 0);
	expect_regions(x, want, 2);
	assert_null(kern_vmas_lookup(&x->s, 27 * P));
}

static void test_remove_across(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 16, 18, RW, ANON, heap },
		{ 20, 25, RW, ANON, heap },
		{ 45, 50, R, ANON, heap },
		{ 60, 70, RW, ANON, heap },
	};

	ins(x, 16, 18, RW);
	ins(x, 20, 30, RW);
	ins(x, 32, 36, R);
	assert_int_equal(
		kern_vmas_insert(&x->s, 36 * P, 37 * P, 0, GUARD, stack), 0);
	ins(x, 37, 50, R);
	ins(x, 60, 70, RW);
	assert_int_equal(kern_vmas_remove(&x->s, 25 * P, 45 * P), 0);
	expect_regions(x, want, 4);
}

static void test_remove_exact_and_holes(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = { { 40, 50, RW, ANON, heap } };

	ins(x, 20, 30, RW);
	ins(x, 40, 50, RW);
	assert_int_equal(kern_vmas_remove(&x->s, 20 * P, 30 * P), 0);
	expect_regions(x, want, 1);
	assert_int_equal(kern_vmas_remove(&x->s, 60 * P, 70 * P), 0);
	assert_int_equal(kern_vmas_remove(&x->s, 45 * P, 45 * P), 0);
	assert_int_equal(kern_vmas_remove(&x->s, 46 * P, 45 * P), -EINVAL);
	expect_regions(x, want, 1);
	assert_int_equal(kern_vmas_remove(&x->s, 0, ~0ULL & ~(P - 1)), 0);
	assert_int_equal(x->s.n, 0);
}

static void test_remove_full_needs_cut(void **state)
{
	struct fixture *x = *state;

	fill_up(x);
	assert_int_equal(kern_vmas_remove(&x->s, 21 * P, 22 * P), -ENOMEM);
	expect_filled(x);
	assert_int_equal(kern_vmas_remove(&x->s, 20 * P, 21 * P), -ENOMEM);
	expect_filled(x);
	assert_int_equal(kern_vmas_remove(&x->s, 21 * P, 25 * P), -ENOMEM);
	expect_filled(x);
	assert_int_equal(kern_vmas_remove(&x->s, 20 * P, 22 * P), 0);
	assert_int_equal(x->s.n, CAP - 1);
	assert_int_equal(kern_vmas_remove(&x->s, 25 * P, 28 * P), 0);
	assert_int_equal(x->s.n, CAP - 1);
	assert_int_equal(x->s.v[0].end, 25 * P);
	assert_int_equal(x->s.v[1].start, 28 * P);
}

static void test_protect_part(void **state)
{
	struct fixture *x = *state;
	static const struct want three[] = {
		{ 20, 25, RW, ANON, heap },
		{ 25, 30, R, ANON, heap },
		{ 30, 40, RW, ANON, heap },
	};
	static const struct want one[] = { { 20, 40, RW, ANON, heap } };

	ins(x, 20, 40, RW);
	assert_int_equal(kern_vmas_protect(&x->s, 25 * P, 30 * P, R), 0);
	expect_regions(x, three, 3);
	assert_int_equal(kern_vmas_protect(&x->s, 25 * P, 30 * P, RW), 0);
	expect_regions(x, one, 1);
}

static void test_protect_edge(void **state)
{
	struct fixture *x = *state;
	static const struct want two[] = {
		{ 20, 30, R, ANON, heap },
		{ 30, 40, RW, ANON, heap },
	};
	static const struct want one[] = { { 20, 40, R, ANON, heap } };

	ins(x, 20, 40, RW);
	assert_int_equal(kern_vmas_protect(&x->s, 20 * P, 30 * P, R), 0);
	expect_regions(x, two, 2);
	assert_int_equal(kern_vmas_protect(&x->s, 30 * P, 40 * P, R), 0);
	expect_regions(x, one, 1);
}

static void test_protect_across_regions(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 20, 22, RW, ANON, heap },
		{ 22, 38, KERN_VMA_EXEC, ANON, heap },
		{ 38, 40, R, ANON, heap },
	};

	ins(x, 20, 30, RW);
	ins(x, 30, 40, R);
	assert_int_equal(
		kern_vmas_protect(&x->s, 22 * P, 38 * P, KERN_VMA_EXEC), 0);
	expect_regions(x, want, 3);
}

static void test_protect_uncovered(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 20, 30, RW, ANON, heap },
		{ 32, 40, RW, ANON, heap },
	};

	ins(x, 20, 30, RW);
	ins(x, 32, 40, RW);
	assert_int_equal(kern_vmas_protect(&x->s, 25 * P, 35 * P, R), -ENOMEM);
	assert_int_equal(kern_vmas_protect(&x->s, 35 * P, 45 * P, R), -ENOMEM);
	assert_int_equal(kern_vmas_protect(&x->s, 18 * P, 22 * P, R), -ENOMEM);
	assert_int_equal(kern_vmas_protect(&x->s, 50 * P, 60 * P, R), -ENOMEM);
	expect_regions(x, want, 2);
}

static void test_protect_guard(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = {
		{ 20, 21, 0, GUARD, stack },
		{ 21, 30, RW, ANON, stack },
	};

	assert_int_equal(
		kern_vmas_insert(&x->s, 20 * P, 21 * P, 0, GUARD, stack), 0);
	assert_int_equal(
		kern_vmas_insert(&x->s, 21 * P, 30 * P, RW, ANON, stack), 0);
	assert_int_equal(kern_vmas_protect(&x->s, 20 * P, 21 * P, RW), -ENOMEM);
	assert_int_equal(kern_vmas_protect(&x->s, 20 * P, 30 * P, R), -ENOMEM);
	expect_regions(x, want, 2);
	assert_int_equal(kern_vmas_protect(&x->s, 21 * P, 30 * P, R), 0);
	assert_int_equal(x->s.v[1].prot, R);
}

static void test_protect_full_array(void **state)
{
	struct fixture *x = *state;

	fill_up(x);
	assert_int_equal(kern_vmas_protect(&x->s, 20 * P, 21 * P, R), -ENOMEM);
	expect_filled(x);
	assert_int_equal(kern_vmas_protect(&x->s, 24 * P, 26 * P, R), 0);
	assert_int_equal(x->s.v[1].prot, R);
	assert_int_equal(x->s.n, CAP);
}

/* A system call's (addr, len) classified against top = 2^47. */
static void test_range_classes(void **state)
{
	const uint64_t top = 1ULL << 47;
	static const struct {
		uint64_t addr, len;
		enum kern_vma_range want;
		uint64_t end;
	} t[] = {
		{ P, P, KERN_VMA_RANGE_OK, 2 * P },
		{ P, 1, KERN_VMA_RANGE_OK, 2 * P },
		{ 0, P + 1, KERN_VMA_RANGE_OK, 2 * P },
		{ 0, 1ULL << 47, KERN_VMA_RANGE_OK, 1ULL << 47 },
		{ (1ULL << 47) - P, P, KERN_VMA_RANGE_OK, 1ULL << 47 },
		{ P, 0, KERN_VMA_RANGE_EMPTY, 0 },
		{ -P, 0, KERN_VMA_RANGE_EMPTY, 0 },
		{ P + 1, 0, KERN_VMA_RANGE_UNALIGNED, 0 },
		{ -1ULL, P, KERN_VMA_RANGE_UNALIGNED, 0 },
		{ -P, P, KERN_VMA_RANGE_WRAPS, 0 },
		{ -P, 1, KERN_VMA_RANGE_WRAPS, 0 },
		{ P, -P, KERN_VMA_RANGE_WRAPS, 0 },
		{ P, -1ULL, KERN_VMA_RANGE_WRAPS, 0 },
		{ 0, -1ULL, KERN_VMA_RANGE_WRAPS, 0 },
		{ 0, -P, KERN_VMA_RANGE_OUTSIDE, 0 },
		{ -2 * P, P, KERN_VMA_RANGE_OUTSIDE, 0 },
		{ 1ULL << 47, P, KERN_VMA_RANGE_OUTSIDE, 0 },
		{ (1ULL << 47) - P, 2 * P, KERN_VMA_RANGE_OUTSIDE, 0 },
		{ P, 1ULL << 47, KERN_VMA_RANGE_OUTSIDE, 0 },
		{ 0xffff800000000000ULL, P, KERN_VMA_RANGE_OUTSIDE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t end = 0;

		assert_int_equal(kern_vma_range(t[i].addr, t[i].len, top, &end),
				 t[i].want);
		assert_int_equal(end, t[i].end);
	}
}

/* A range whose end lies below its start (a wrapped one) is refused, and
 * changes nothing. */
static void test_wrapped_ranges_refused(void **state)
{
	struct fixture *x = *state;
	static const struct want want[] = { { 20, 40, RW, ANON, heap } };

	ins(x, 20, 40, RW);
	assert_int_equal(kern_vmas_remove(&x->s, 30 * P, 25 * P), -EINVAL);
	assert_int_equal(kern_vmas_remove(&x->s, -P, 0), -EINVAL);
	assert_int_equal(kern_vmas_protect(&x->s, 30 * P, 25 * P, R), -ENOMEM);
	assert_int_equal(kern_vmas_protect(&x->s, -P, 0, R), -ENOMEM);
	assert_int_equal(kern_vmas_protect(&x->s, 25 * P, 25 * P, R), 0);
	assert_false(kern_vmas_covered(&x->s, 30 * P, 25 * P));
	assert_false(kern_vmas_covered(&x->s, -P, 0));
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 30 * P, 25 * P), 0);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, -P, 0), 0);
	assert_false(kern_vmas_is_free(&x->s, 50 * P, 45 * P));
	assert_false(kern_vmas_is_free(&x->s, -P, 0));
	expect_regions(x, want, 1);
}

static void test_covered(void **state)
{
	struct fixture *x = *state;

	ins(x, 20, 30, RW);
	ins(x, 30, 40, R);
	assert_int_equal(
		kern_vmas_insert(&x->s, 40 * P, 41 * P, 0, GUARD, stack), 0);
	ins(x, 50, 60, RW);
	assert_true(kern_vmas_covered(&x->s, 20 * P, 40 * P));
	assert_true(kern_vmas_covered(&x->s, 25 * P, 35 * P));
	assert_true(kern_vmas_covered(&x->s, 25 * P, 25 * P));
	assert_false(kern_vmas_covered(&x->s, 19 * P, 21 * P));
	assert_false(kern_vmas_covered(&x->s, 35 * P, 41 * P));
	assert_false(kern_vmas_covered(&x->s, 45 * P, 55 * P));
	assert_false(kern_vmas_covered(&x->s, 50 * P, 61 * P));
	assert_false(kern_vmas_covered(&x->s, 50 * P, -P));
}

static void test_anon_bytes(void **state)
{
	struct fixture *x = *state;

	ins(x, 20, 30, RW);
	ins(x, 30, 40, R);
	assert_int_equal(
		kern_vmas_insert(&x->s, 40 * P, 41 * P, 0, GUARD, stack), 0);
	ins(x, 50, 60, RW);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 0, -P), 30 * P);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 25 * P, 55 * P), 20 * P);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 40 * P, 50 * P), 0);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 21 * P, 22 * P), P);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 59 * P, 1ULL << 47), P);
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 60 * P, 1ULL << 47), 0);
}

static void test_is_free(void **state)
{
	struct fixture *x = *state;

	ins(x, 20, 30, RW);
	assert_int_equal(
		kern_vmas_insert(&x->s, 40 * P, 41 * P, 0, GUARD, stack), 0);
	assert_true(kern_vmas_is_free(&x->s, LO, 20 * P));
	assert_true(kern_vmas_is_free(&x->s, 30 * P, 40 * P));
	assert_true(kern_vmas_is_free(&x->s, 41 * P, HI));
	assert_false(kern_vmas_is_free(&x->s, 29 * P, 31 * P));
	assert_false(kern_vmas_is_free(&x->s, 35 * P, 41 * P));
	assert_false(kern_vmas_is_free(&x->s, 25 * P, 26 * P));
	assert_false(kern_vmas_is_free(&x->s, 30 * P, 30 * P));
	assert_false(kern_vmas_is_free(&x->s, LO - P, LO + P));
	assert_false(kern_vmas_is_free(&x->s, HI - P, HI + P));
	assert_false(kern_vmas_is_free(&x->s, 50 * P, -P));
}

#define FILE KERN_VMA_FILE
#define WX (KERN_VMA_WRITE | KERN_VMA_EXEC)

/* Insert file pages [a, b) read-only, mapping the frames from page pa
 * on, that mprotect may not make writable or executable. */
static int ins_file(struct fixture *x, uint64_t a, uint64_t b, uint64_t pa)
{
	struct kern_vma r = { a * P, b * P, R, FILE, NULL, pa * P, WX, 0 };

	return kern_vmas_insert_region(&x->s, &r);
}

/* Assert region i is [a, b) of the file's frames from page pa on. */
static void expect_file(struct fixture *x, size_t i, uint64_t a, uint64_t b,
			uint64_t pa)
{
	assert_true(i < x->s.n);
	assert_int_equal(x->s.v[i].kind, FILE);
	assert_int_equal(x->s.v[i].start, a * P);
	assert_int_equal(x->s.v[i].end, b * P);
	assert_int_equal(x->s.v[i].pa, pa * P);
	assert_int_equal(x->s.v[i].deny, WX);
}

static void test_file_insert_lookup(void **state)
{
	struct fixture *x = *state;
	struct kern_vma odd = { 40 * P, 41 * P, R, FILE, NULL, 7, 0, 0 };
	const struct kern_vma *v;

	assert_int_equal(ins_file(x, 20, 30, 1000), 0);
	v = kern_vmas_lookup(&x->s, 25 * P + 5);
	assert_non_null(v);
	assert_int_equal(v->kind, FILE);
	assert_int_equal(v->pa, 1000 * P);
	assert_int_equal(ins_file(x, 29, 31, 5000), -EEXIST);
	assert_int_equal(kern_vmas_insert_region(&x->s, &odd), -EINVAL);
	assert_int_equal(x->s.n, 1);
	/* plain inserts may be given any protections */
	ins(x, 30, 32, RW);
	assert_int_equal(x->s.v[1].deny, 0);
	assert_int_equal(x->s.v[1].pa, 0);
}

/* File regions merge only where the frames follow on, and never with
 * anonymous memory. */
static void test_file_merge_contiguous(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(ins_file(x, 20, 30, 1000), 0);
	assert_int_equal(ins_file(x, 30, 34, 1010), 0);
	assert_int_equal(x->s.n, 1);
	expect_file(x, 0, 20, 34, 1000);
	assert_int_equal(ins_file(x, 34, 36, 2000), 0);
	assert_int_equal(ins_file(x, 18, 20, 998), 0);
	assert_int_equal(x->s.n, 2);
	expect_file(x, 0, 18, 34, 998);
	expect_file(x, 1, 34, 36, 2000);
	ins(x, 36, 40, R);
	assert_int_equal(x->s.n, 3);
}

/* Cutting a file region keeps each piece's frames where they were. */
static void test_file_cut_keeps_frames(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(ins_file(x, 20, 40, 1000), 0);
	assert_int_equal(kern_vmas_remove(&x->s, 25 * P, 30 * P), 0);
	assert_int_equal(x->s.n, 2);
	expect_file(x, 0, 20, 25, 1000);
	expect_file(x, 1, 30, 40, 1010);
	assert_int_equal(kern_vmas_protect(&x->s, 32 * P, 35 * P, 0), 0);
	assert_int_equal(x->s.n, 4);
	expect_file(x, 2, 32, 35, 1012);
	assert_int_equal(x->s.v[2].prot, 0);
	expect_file(x, 3, 35, 40, 1015);
	assert_int_equal(kern_vmas_protect(&x->s, 32 * P, 35 * P, R), 0);
	assert_int_equal(x->s.n, 2);
	expect_file(x, 1, 30, 40, 1010);
}

/* mprotect may not give a region what it denies: nothing changes. */
static void test_protect_denied(void **state)
{
	struct fixture *x = *state;
	struct kern_vma shared = { 30 * P, 40 * P,	   R, ANON, NULL,
				   0,	   KERN_VMA_WRITE, 0 };

	assert_int_equal(ins_file(x, 20, 30, 1000), 0);
	assert_int_equal(kern_vmas_insert_region(&x->s, &shared), 0);
	assert_int_equal(kern_vmas_protect(&x->s, 22 * P, 24 * P, RW), -EACCES);
	assert_int_equal(
		kern_vmas_protect(&x->s, 22 * P, 24 * P, R | KERN_VMA_EXEC),
		-EACCES);
	assert_int_equal(kern_vmas_protect(&x->s, 35 * P, 36 * P, RW), -EACCES);
	assert_int_equal(kern_vmas_protect(&x->s, 20 * P, 40 * P, RW), -EACCES);
	assert_int_equal(x->s.n, 2);
	assert_int_equal(x->s.v[0].prot, R);
	assert_int_equal(x->s.v[1].prot, R);
	/* what they allow they get, across both */
	assert_int_equal(kern_vmas_protect(&x->s, 25 * P, 35 * P, 0), 0);
	assert_int_equal(
		kern_vmas_protect(&x->s, 35 * P, 36 * P, R | KERN_VMA_EXEC), 0);
	/* an unmapped hole is still ENOMEM, before the denial */
	assert_int_equal(kern_vmas_protect(&x->s, 35 * P, 45 * P, RW), -ENOMEM);
}

/* covered and anon_bytes count anonymous memory only; mapped counts
 * files too, never guards or holes; first_of finds a kind. */
static void test_file_mapped(void **state)
{
	struct fixture *x = *state;

	ins(x, 20, 30, RW);
	assert_int_equal(ins_file(x, 30, 40, 1000), 0);
	assert_int_equal(
		kern_vmas_insert(&x->s, 40 * P, 41 * P, 0, GUARD, stack), 0);
	assert_int_equal(ins_file(x, 50, 52, 3000), 0);
	assert_false(kern_vmas_covered(&x->s, 25 * P, 35 * P));
	assert_true(kern_vmas_mapped(&x->s, 25 * P, 35 * P));
	assert_true(kern_vmas_mapped(&x->s, 20 * P, 40 * P));
	assert_false(kern_vmas_mapped(&x->s, 35 * P, 41 * P));
	assert_false(kern_vmas_mapped(&x->s, 45 * P, 51 * P));
	assert_false(kern_vmas_mapped(&x->s, 35 * P, 30 * P));
	assert_int_equal(kern_vmas_anon_bytes(&x->s, 0, -P), 10 * P);
	assert_ptr_equal(kern_vmas_first_of(&x->s, 0, -P, FILE), &x->s.v[1]);
	assert_ptr_equal(kern_vmas_first_of(&x->s, 39 * P, 60 * P, FILE),
			 &x->s.v[1]);
	assert_ptr_equal(kern_vmas_first_of(&x->s, 40 * P, 60 * P, FILE),
			 &x->s.v[3]);
	assert_null(kern_vmas_first_of(&x->s, 40 * P, 50 * P, FILE));
	assert_ptr_equal(kern_vmas_first_of(&x->s, 40 * P, 50 * P, GUARD),
			 &x->s.v[2]);
	assert_null(kern_vmas_first_of(&x->s, 52 * P, 60 * P, FILE));
}

/* A file's copy (anonymous memory marked copy) never merges with plain
 * anonymous memory beside it, and a cut keeps the mark on both sides. */
static void test_copy_kept_apart(void **state)
{
	struct fixture *x = *state;
	struct kern_vma c = {
		30 * P, 40 * P, RW, KERN_VMA_ANON, heap, 0, 0, 1
	};

	ins(x, 20, 30, RW);
	ins(x, 40, 50, RW);
	assert_int_equal(kern_vmas_insert_region(&x->s, &c), 0);
	assert_int_equal(x->s.n, 3);
	assert_int_equal(kern_vmas_lookup(&x->s, 35 * P)->copy, 1);
	assert_int_equal(kern_vmas_lookup(&x->s, 25 * P)->copy, 0);
	assert_int_equal(kern_vmas_lookup(&x->s, 45 * P)->copy, 0);
	assert_int_equal(kern_vmas_remove(&x->s, 34 * P, 35 * P), 0);
	assert_int_equal(kern_vmas_lookup(&x->s, 33 * P)->copy, 1);
	assert_int_equal(kern_vmas_lookup(&x->s, 36 * P)->copy, 1);
	assert_int_equal(kern_vmas_protect(&x->s, 35 * P, 50 * P, R), 0);
	assert_int_equal(x->s.n, 4);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_empty),
		T(test_insert_lookup),
		T(test_insert_sorted),
		T(test_merge_adjacent_alike),
		T(test_no_merge_different),
		T(test_find_gap),
		T(test_find_gap_full),
		T(test_find_gap_at_top),
		T(test_insert_overlap),
		T(test_insert_einval),
		T(test_insert_full),
		T(test_remove_middle),
		T(test_remove_across),
		T(test_remove_exact_and_holes),
		T(test_remove_full_needs_cut),
		T(test_protect_part),
		T(test_protect_edge),
		T(test_protect_across_regions),
		T(test_protect_uncovered),
		T(test_protect_guard),
		T(test_protect_full_array),
		T(test_range_classes),
		T(test_wrapped_ranges_refused),
		T(test_covered),
		T(test_anon_bytes),
		T(test_is_free),
		T(test_file_insert_lookup),
		T(test_file_merge_contiguous),
		T(test_file_cut_keeps_frames),
		T(test_protect_denied),
		T(test_file_mapped),
		T(test_copy_kept_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
