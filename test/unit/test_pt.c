/* Unit tests of kernel/mm/pt.c: map, unmap, protect, translate, split and the
 * range walk's cost. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/pt.h"

uint64_t arch_pte_nx = 1ULL << 63;

#define K4 0x1000ULL
#define M2 0x200000ULL
#define G1 0x40000000ULL
#define R KERN_PT_READ
#define RW (KERN_PT_READ | KERN_PT_WRITE)
#define RX (KERN_PT_READ | KERN_PT_EXEC)
#define ALL_LEVELS 0x7
#define NO_1G 0x3
#define UNLIMITED (-1L)

/* The host side of the page tables: table pages from aligned_alloc, whose
 * host address serves as the physical address. */
struct ctx {
	long budget; /* tables alloc_table may still hand out, or UNLIMITED */
	size_t allocs, frees, flushes;
	uint64_t flush_lo, flush_hi; /* union of all flushed ranges */
	struct kern_pt pt;
};

static uint64_t alloc_table(void *p)
{
	struct ctx *c = p;
	void *t;

	if (c->budget == 0)
		return 0;
	t = aligned_alloc(K4, K4);
	if (!t)
		return 0;
	memset(t, 0, K4);
	if (c->budget > 0)
		c->budget--;
	c->allocs++;
	return (uintptr_t)t;
}

static void free_table(void *p, uint64_t pa)
{
	struct ctx *c = p;

	free((void *)(uintptr_t)pa);
	c->frees++;
}

static void flush(void *p, uint64_t va, uint64_t size)
{
	struct ctx *c = p;

	if (!c->flushes || va < c->flush_lo)
		c->flush_lo = va;
	if (!c->flushes || va + size > c->flush_hi)
		c->flush_hi = va + size;
	c->flushes++;
}

static const struct kern_pt_ops ops = {
	.alloc_table = alloc_table,
	.free_table = free_table,
	.flush = flush,
};

static int setup_levels(void **state, unsigned leaf_levels)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->budget = UNLIMITED;
	arch_pte_nx = 1ULL << 63;
	if (kern_pt_init(&c->pt, &ops, c, leaf_levels))
		return -1;
	*state = c;
	return 0;
}

static int setup(void **state)
{
	return setup_levels(state, ALL_LEVELS);
}

static int setup_no_1g(void **state)
{
	return setup_levels(state, NO_1G);
}

/* Free the table at pa, whose entries are at level, and all below it. */
static void destroy(uint64_t pa, int level)
{
	uint64_t *t = (uint64_t *)(uintptr_t)pa;

	for (int i = 0; level > 0 && i < ARCH_PT_ENTRIES; i++)
		if (arch_pte_is_table(t[i], level))
			destroy(arch_pte_addr(t[i]), level - 1);
	free(t);
}

/* The number of tables reachable from the table at pa (itself included). */
static size_t count_tables(uint64_t pa, int level)
{
	uint64_t *t = (uint64_t *)(uintptr_t)pa;
	size_t n = 1;

	for (int i = 0; level > 0 && i < ARCH_PT_ENTRIES; i++)
		if (arch_pte_is_table(t[i], level))
			n += count_tables(arch_pte_addr(t[i]), level - 1);
	return n;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	destroy(c->pt.root, ARCH_PT_LEVELS - 1);
	free(c);
	arch_pte_nx = 1ULL << 63;
	return 0;
}

/* Assert the table count agrees with the ops' tally and the tree. */
static void check_tables(struct ctx *c)
{
	assert_int_equal(c->pt.tables, c->allocs - c->frees);
	assert_int_equal(c->pt.tables,
			 count_tables(c->pt.root, ARCH_PT_LEVELS - 1));
}

/* Assert va translates to pa with attrs at level. */
static void expect(struct ctx *c, uint64_t va, uint64_t pa, unsigned attrs,
		   int level)
{
	uint64_t got_pa = 0;
	unsigned got_attrs = 0;
	int got_level = -1;

	assert_int_equal(
		kern_pt_translate(&c->pt, va, &got_pa, &got_attrs, &got_level),
		0);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_attrs, attrs);
	assert_int_equal(got_level, level);
}

/* The level a 1 GiB-aligned 1 GiB mapping gets. */
static int gib_level(const struct ctx *c)
{
	return c->pt.leaf_levels & (1u << 2) ? 2 : 1;
}

/* Assert nothing is mapped at va. */
static void expect_none(struct ctx *c, uint64_t va)
{
	uint64_t pa = 0;

	assert_int_equal(kern_pt_translate(&c->pt, va, &pa, NULL, NULL),
			 -ENOENT);
}

/* Assert the flushes so far cover [va, va + size). */
static void expect_flushed(struct ctx *c, uint64_t va, uint64_t size)
{
	assert_true(c->flushes > 0);
	assert_true(c->flush_lo <= va);
	assert_true(c->flush_hi >= va + size);
}

static void test_init_empty(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(c->pt.tables, 1);
	assert_int_equal(c->allocs, 1);
	assert_int_not_equal(c->pt.root, 0);
	assert_int_equal(c->pt.root % K4, 0);
	expect_none(c, 0);
	expect_none(c, 0x7fffffffffffULL);
	check_tables(c);
}

static void test_init_enomem(void **state)
{
	struct ctx *c = *state;
	struct kern_pt pt;

	c->budget = 0;
	assert_int_equal(kern_pt_init(&pt, &ops, c, ALL_LEVELS), -ENOMEM);
	assert_int_equal(pt.tables, 0);
}

static void test_map_1g_leaf(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 3 * G1, G1, RW), 0);
	expect(c, G1, 3 * G1, RW, 2);
	expect(c, G1 + 0x12345678, 3 * G1 + 0x12345678, RW, 2);
	expect(c, 2 * G1 - 1, 4 * G1 - 1, RW, 2);
	expect_none(c, G1 - 1);
	expect_none(c, 2 * G1);
	assert_int_equal(c->pt.tables, 2);
	expect_flushed(c, G1, G1);
	check_tables(c);
}

static void test_map_1g_without_1g_leaves(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 3 * G1, G1, RW), 0);
	for (uint64_t off = 0; off < G1; off += M2)
		expect(c, G1 + off + 0x1234, 3 * G1 + off + 0x1234, RW, 1);
	assert_int_equal(c->pt.tables, 3);
	check_tables(c);
}

static void test_map_2m(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1 + M2, 5 * M2, 2 * M2, RX), 0);
	expect(c, G1 + M2, 5 * M2, RX, 1);
	expect(c, G1 + 2 * M2 + 0xabcde, 6 * M2 + 0xabcde, RX, 1);
	expect_none(c, G1);
	expect_none(c, G1 + 3 * M2);
	assert_int_equal(c->pt.tables, 3);
	check_tables(c);
}

/* va is 1 GiB-aligned but pa only 2 MiB-aligned: 2 MiB pages. */
static void test_map_pa_limits_level(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, G1 + M2, G1, R), 0);
	expect(c, G1, G1 + M2, R, 1);
	expect(c, 2 * G1 - K4, 2 * G1 + M2 - K4, R, 1);
	assert_int_equal(kern_pt_map(&c->pt, 4 * G1, 8 * G1 + K4, M2, R), 0);
	expect(c, 4 * G1, 8 * G1 + K4, R, 0);
	expect(c, 4 * G1 + M2 - K4, 8 * G1 + M2, R, 0);
	check_tables(c);
}

/* 3 pages, a 2 MiB page, a 1 GiB page, 2 MiB, then 5 pages. */
static void test_map_mixed_sizes(void **state)
{
	struct ctx *c = *state;
	uint64_t va = G1 - M2 - 3 * K4, pa = 7 * G1 - M2 - 3 * K4;
	uint64_t size = 3 * K4 + M2 + G1 + M2 + 5 * K4;

	assert_int_equal(kern_pt_map(&c->pt, va, pa, size, RW), 0);
	for (int i = 0; i < 3; i++)
		expect(c, va + i * K4, pa + i * K4, RW, 0);
	expect(c, G1 - M2, 7 * G1 - M2, RW, 1);
	expect(c, G1 + 0x3456789, 7 * G1 + 0x3456789, RW, 2);
	expect(c, 2 * G1 + 0x1000, 8 * G1 + 0x1000, RW, 1);
	for (int i = 0; i < 5; i++)
		expect(c, 2 * G1 + M2 + i * K4, 8 * G1 + M2 + i * K4, RW, 0);
	expect_none(c, va - K4);
	expect_none(c, va + size);
	check_tables(c);
}

static void test_map_odd_sizes_small_pages(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, M2, 3 * M2, M2 - K4, RW), 0);
	expect(c, M2, 3 * M2, RW, 0);
	expect(c, 2 * M2 - 2 * K4, 4 * M2 - 2 * K4, RW, 0);
	expect_none(c, 2 * M2 - K4);
	assert_int_equal(kern_pt_map(&c->pt, 0x5000, 0x9000, K4, R), 0);
	expect(c, 0x5fff, 0x9fff, R, 0);
	expect_none(c, 0x4000);
	expect_none(c, 0x6000);
	check_tables(c);
}

static void test_map_size_zero(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, G1, 0, RW), 0);
	expect_none(c, G1);
	assert_int_equal(c->pt.tables, 1);
	check_tables(c);
}

/* The attributes of a 4 KiB, a 2 MiB and a 1 GiB page read back. */
static void test_attrs_round_trip(void **state)
{
	struct ctx *c = *state;

	for (unsigned a = 0; a < 8; a++) {
		unsigned attrs = R | (a << 1);
		uint64_t va = (a + 1) * G1;

		assert_int_equal(kern_pt_map(&c->pt, va, va, K4, attrs), 0);
		assert_int_equal(kern_pt_map(&c->pt, va + M2, va, M2, attrs),
				 0);
		expect(c, va, va, attrs, 0);
		expect(c, va + M2 + K4, va + K4, attrs, 1);
		assert_int_equal(kern_pt_map(&c->pt, va, va, G1, attrs), 0);
		expect(c, va + M2 + K4, va + M2 + K4, attrs, 2);
	}
	check_tables(c);
}

static void test_no_nx_means_exec(void **state)
{
	struct ctx *c = *state;

	arch_pte_nx = 0;
	assert_int_equal(kern_pt_map(&c->pt, G1, G1, K4, R), 0);
	assert_int_equal(kern_pt_map(&c->pt, 2 * G1, G1, M2, RW), 0);
	assert_int_equal(kern_pt_map(&c->pt, 3 * G1, G1, G1, RX), 0);
	expect(c, G1, G1, RX, 0);
	expect(c, 2 * G1, G1, RW | KERN_PT_EXEC, 1);
	expect(c, 3 * G1, G1, RX, 2);
	assert_int_equal(kern_pt_protect(&c->pt, 3 * G1, K4, RW), 0);
	expect(c, 3 * G1, G1, RW | KERN_PT_EXEC, 0);
	check_tables(c);
}

/* Sample [G1, 2 * G1): 2 MiB steps plus every page of the changed 2 MiB;
 * [lo, hi) must have new_attrs at level 0, the rest the old mapping. */
static void check_split_gib(struct ctx *c, uint64_t lo, uint64_t hi,
			    unsigned new_attrs)
{
	uint64_t m2 = lo & ~(M2 - 1);

	for (uint64_t va = G1 + 0x345; va < 2 * G1; va += M2 + 0x1000) {
		if (va >= m2 && va < m2 + M2)
			continue;
		expect(c, va, va + 2 * G1, RW, 1);
	}
	for (uint64_t va = m2 + 0x10; va < m2 + M2; va += K4) {
		unsigned attrs = va >= lo && va < hi ? new_attrs : RW;

		expect(c, va, va + 2 * G1, attrs, 0);
	}
}

static void test_protect_part_of_1g(void **state)
{
	struct ctx *c = *state;
	uint64_t lo = G1 + 300 * M2 + 5 * K4, hi = lo + 3 * K4;

	assert_int_equal(kern_pt_map(&c->pt, G1, 3 * G1, G1, RW), 0);
	c->flushes = 0;
	assert_int_equal(kern_pt_protect(&c->pt, lo, hi - lo, R), 0);
	expect_flushed(c, lo, hi - lo);
	check_split_gib(c, lo, hi, R);
	expect(c, G1, 3 * G1, RW, 1);
	expect(c, 2 * G1 - 1, 4 * G1 - 1, RW, 1);
	assert_int_equal(c->pt.tables, 4);
	check_tables(c);
}

/* Changing a whole 2 MiB piece of a 1 GiB page splits only to 2 MiB. */
static void test_protect_2m_of_1g(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, G1, G1, RW), 0);
	assert_int_equal(kern_pt_protect(&c->pt, G1 + 4 * M2, M2, RX), 0);
	expect(c, G1 + 4 * M2 + 0x1234, G1 + 4 * M2 + 0x1234, RX, 1);
	expect(c, G1 + 3 * M2 + 0x1234, G1 + 3 * M2 + 0x1234, RW, 1);
	expect(c, G1 + 5 * M2, G1 + 5 * M2, RW, 1);
	assert_int_equal(c->pt.tables, 3);
	check_tables(c);
}

static void test_unmap_page_in_2m(void **state)
{
	struct ctx *c = *state;
	uint64_t va = 4 * M2, pa = 9 * M2, hole = va + 5 * K4;

	assert_int_equal(kern_pt_map(&c->pt, va, pa, M2, RW), 0);
	c->flushes = 0;
	assert_int_equal(kern_pt_unmap(&c->pt, hole, K4), 0);
	expect_flushed(c, hole, K4);
	expect_none(c, hole);
	expect_none(c, hole + K4 - 1);
	for (uint64_t off = 0; off < M2; off += K4)
		if (va + off != hole)
			expect(c, va + off + 8, pa + off + 8, RW, 0);
	check_tables(c);
}

static void test_unmap_whole_pages(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, G1, G1 + M2 + K4, RW), 0);
	assert_int_equal(kern_pt_unmap(&c->pt, G1, G1 + M2 + K4), 0);
	expect_none(c, G1);
	expect_none(c, 2 * G1);
	expect_none(c, 2 * G1 + M2);
	check_tables(c);
}

static void test_protect_none_and_back(void **state)
{
	struct ctx *c = *state;
	uint64_t va = 6 * M2, pa = 2 * M2;

	assert_int_equal(kern_pt_map(&c->pt, va, pa, M2 + K4, RW), 0);
	assert_int_equal(kern_pt_protect(&c->pt, va, M2 + K4, 0), 0);
	expect(c, va + 0x777, pa + 0x777, 0, 1);
	expect(c, va + M2, pa + M2, 0, 0);
	assert_int_equal(kern_pt_protect(&c->pt, va, M2 + K4, RW), 0);
	expect(c, va + 0x777, pa + 0x777, RW, 1);
	expect(c, va + M2, pa + M2, RW, 0);
	check_tables(c);
}

/* A page made inaccessible inside a huge page keeps its address. */
static void test_protect_none_splits(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 2 * G1, G1, RX), 0);
	assert_int_equal(
		kern_pt_protect(&c->pt, G1 + 8 * K4, K4, KERN_PT_WRITE), 0);
	expect(c, G1 + 8 * K4, 2 * G1 + 8 * K4, KERN_PT_WRITE, 0);
	expect(c, G1 + 7 * K4, 2 * G1 + 7 * K4, RX, 0);
	expect(c, G1 + M2, 2 * G1 + M2, RX, 1);
	assert_int_equal(kern_pt_protect(&c->pt, G1 + 8 * K4, K4, RX), 0);
	expect(c, G1 + 8 * K4, 2 * G1 + 8 * K4, RX, 0);
	check_tables(c);
}

/* An inaccessible huge page split later keeps address and attributes. */
static void test_split_inaccessible_huge(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 2 * G1, G1, RW), 0);
	assert_int_equal(kern_pt_protect(&c->pt, G1, G1, 0), 0);
	expect(c, G1 + 0x1234567, 2 * G1 + 0x1234567, 0, 2);
	assert_int_equal(kern_pt_protect(&c->pt, G1 + 3 * K4, K4, R), 0);
	expect(c, G1 + 3 * K4, 2 * G1 + 3 * K4, R, 0);
	expect(c, G1 + 2 * K4, 2 * G1 + 2 * K4, 0, 0);
	expect(c, G1 + 9 * M2 + 5, 2 * G1 + 9 * M2 + 5, 0, 1);
	assert_int_equal(kern_pt_unmap(&c->pt, G1 + 9 * M2, K4), 0);
	expect_none(c, G1 + 9 * M2);
	expect(c, G1 + 9 * M2 + K4, 2 * G1 + 9 * M2 + K4, 0, 0);
	check_tables(c);
}

static void test_map_huge_over_small_frees_tables(void **state)
{
	struct ctx *c = *state;

	/* pa off 2 MiB alignment: 4 KiB pages, one level-0 table */
	assert_int_equal(kern_pt_map(&c->pt, G1 + M2, K4, M2, RW), 0);
	assert_int_equal(c->pt.tables, 4);
	assert_int_equal(kern_pt_map(&c->pt, G1 + M2, 4 * M2, M2, R), 0);
	assert_int_equal(c->frees, 1);
	assert_int_equal(c->pt.tables, 3);
	expect(c, G1 + M2 + K4, 4 * M2 + K4, R, 1);
	check_tables(c);
}

static void test_map_1g_over_tree_frees_tables(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, K4, 3 * M2, RW), 0);
	assert_int_equal(kern_pt_map(&c->pt, G1 + 9 * M2, 0, M2, RW), 0);
	assert_int_equal(kern_pt_map(&c->pt, 2 * G1 - K4, 0, K4, RW), 0);
	assert_int_equal(c->pt.tables, 7);
	assert_int_equal(kern_pt_map(&c->pt, G1, 5 * G1, G1, RX), 0);
	assert_int_equal(c->frees, 5);
	assert_int_equal(c->pt.tables, 2);
	expect(c, G1 + K4, 5 * G1 + K4, RX, 2);
	expect(c, 2 * G1 - K4, 6 * G1 - K4, RX, 2);
	check_tables(c);
}

/* A 2 MiB page mapped inside a 1 GiB page replaces only that part. */
static void test_map_2m_inside_1g(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 2 * G1, G1, RW), 0);
	assert_int_equal(kern_pt_map(&c->pt, G1 + 7 * M2, M2, M2, R), 0);
	expect(c, G1 + 7 * M2 + 0x10, M2 + 0x10, R, 1);
	expect(c, G1 + 6 * M2 + 0x10, 2 * G1 + 6 * M2 + 0x10, RW, 1);
	expect(c, G1 + 8 * M2 + 0x10, 2 * G1 + 8 * M2 + 0x10, RW, 1);
	assert_int_equal(c->pt.tables, 3);
	check_tables(c);
}

static void test_holes(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_unmap(&c->pt, G1, 3 * G1), 0);
	assert_int_equal(kern_pt_protect(&c->pt, G1, 3 * G1, R), 0);
	assert_int_equal(kern_pt_unmap(&c->pt, 0, 1ULL << 47), 0);
	assert_int_equal(c->pt.tables, 1);
	assert_int_equal(kern_pt_map(&c->pt, G1 + 3 * K4, 0, K4, RW), 0);
	assert_int_equal(kern_pt_map(&c->pt, 3 * G1 + 5 * M2, 0, M2, RW), 0);
	assert_int_equal(kern_pt_protect(&c->pt, G1, 3 * G1, R), 0);
	expect(c, G1 + 3 * K4, 0, R, 0);
	expect(c, 3 * G1 + 5 * M2, 0, R, 1);
	assert_int_equal(kern_pt_unmap(&c->pt, K4, (1ULL << 47) - K4), 0);
	assert_int_equal(kern_pt_unmap(&c->pt, K4, 1ULL << 47), -EINVAL);
	expect_none(c, G1 + 3 * K4);
	expect_none(c, 3 * G1 + 5 * M2);
	check_tables(c);
}

static void test_split_explicit(void **state)
{
	struct ctx *c = *state;
	uint64_t va = G1 + 17 * M2 + 9 * K4;

	assert_int_equal(kern_pt_map(&c->pt, G1, 2 * G1, G1, RX), 0);
	c->flushes = 0;
	assert_int_equal(kern_pt_split(&c->pt, va, 0), 0);
	expect_flushed(c, va & ~(K4 - 1), K4);
	expect(c, va + 1, va + 1 + G1, RX, 0);
	expect(c, G1 + 17 * M2, 2 * G1 + 17 * M2, RX, 0);
	expect(c, G1 + 18 * M2 - K4, 2 * G1 + 18 * M2 - K4, RX, 0);
	expect(c, G1 + 16 * M2, 2 * G1 + 16 * M2, RX, 1);
	expect(c, G1 + 18 * M2, 2 * G1 + 18 * M2, RX, 1);
	assert_int_equal(c->pt.tables, 4);
	assert_int_equal(kern_pt_split(&c->pt, va, 0), 0);
	assert_int_equal(kern_pt_split(&c->pt, va, 1), 0);
	assert_int_equal(c->pt.tables, 4);
	assert_int_equal(kern_pt_split(&c->pt, G1 + 40 * M2, 1), 0);
	expect(c, G1 + 40 * M2, 2 * G1 + 40 * M2, RX, 1);
	assert_int_equal(c->pt.tables, 4);
	check_tables(c);
}

static void test_split_hole(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_split(&c->pt, G1, 0), -ENOENT);
	assert_int_equal(kern_pt_map(&c->pt, G1, 0, K4, R), 0);
	assert_int_equal(kern_pt_split(&c->pt, G1 + K4, 0), -ENOENT);
	check_tables(c);
}

static void test_einval(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1 + 1, 0, K4, R), -EINVAL);
	assert_int_equal(kern_pt_map(&c->pt, G1, 0x800, K4, R), -EINVAL);
	assert_int_equal(kern_pt_map(&c->pt, G1, 0, K4 + 1, R), -EINVAL);
	assert_int_equal(kern_pt_unmap(&c->pt, G1 + 8, K4), -EINVAL);
	assert_int_equal(kern_pt_unmap(&c->pt, G1, 100), -EINVAL);
	assert_int_equal(kern_pt_unmap(&c->pt, -2 * K4, 4 * K4), -EINVAL);
	assert_int_equal(kern_pt_protect(&c->pt, G1 + 8, K4, R), -EINVAL);
	assert_int_equal(kern_pt_protect(&c->pt, G1, 1, R), -EINVAL);
	assert_int_equal(c->allocs, 1);
	expect_none(c, G1);
	check_tables(c);
}

static void test_enomem_map(void **state)
{
	struct ctx *c = *state;

	c->budget = 0;
	assert_int_equal(kern_pt_map(&c->pt, G1, 0, K4, R), -ENOMEM);
	expect_none(c, G1);
	c->budget = 1;
	assert_int_equal(kern_pt_map(&c->pt, G1, 0, K4, R), -ENOMEM);
	expect_none(c, G1);
	check_tables(c);
	c->budget = UNLIMITED;
	assert_int_equal(kern_pt_map(&c->pt, G1, 0, K4, R), 0);
	expect(c, G1, 0, R, 0);
	check_tables(c);
}

/* Splits that cannot get a table fail and leave the mapping as it was. */
static void test_enomem_split(void **state)
{
	struct ctx *c = *state;
	uint64_t va = G1 + 3 * M2 + 4 * K4;

	assert_int_equal(kern_pt_map(&c->pt, G1, 2 * G1, G1, RW), 0);
	c->budget = 0;
	assert_int_equal(kern_pt_protect(&c->pt, va, K4, R), -ENOMEM);
	assert_int_equal(kern_pt_unmap(&c->pt, va, K4), -ENOMEM);
	assert_int_equal(kern_pt_split(&c->pt, va, 0), -ENOMEM);
	assert_int_equal(kern_pt_map(&c->pt, va, 0, K4, R), -ENOMEM);
	expect(c, va, va + G1, RW, 2);
	c->budget = 1;
	assert_int_equal(kern_pt_protect(&c->pt, va, K4, R), -ENOMEM);
	expect(c, va, va + G1, RW, 1);
	expect(c, G1 + 0x1234, 2 * G1 + 0x1234, RW, 1);
	check_tables(c);
	c->budget = UNLIMITED;
	assert_int_equal(kern_pt_protect(&c->pt, va, K4, R), 0);
	expect(c, va, va + G1, R, 0);
	check_tables(c);
}

/* An unmap failing half way leaves the part it could not split intact. */
static void test_enomem_partial_unmap(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 0, 2 * M2, RW), 0);
	c->budget = 0;
	assert_int_equal(kern_pt_unmap(&c->pt, G1, M2 + K4), -ENOMEM);
	expect(c, G1 + M2, M2, RW, 1);
	expect(c, G1 + 2 * M2 - K4, 2 * M2 - K4, RW, 1);
	check_tables(c);
}

/* A map failing half way leaves what it could not reach unmapped. */
static void test_enomem_partial_map(void **state)
{
	struct ctx *c = *state;
	uint64_t va = 2 * M2 - K4;

	assert_int_equal(kern_pt_map(&c->pt, va, 0, K4, RW), 0);
	c->budget = 0;
	assert_int_equal(kern_pt_map(&c->pt, va, 5 * M2, 2 * K4, RW), -ENOMEM);
	expect_none(c, va + K4);
	check_tables(c);
	c->budget = UNLIMITED;
	assert_int_equal(kern_pt_map(&c->pt, va, 5 * M2, 2 * K4, RW), 0);
	expect(c, va, 5 * M2, RW, 0);
	expect(c, va + K4, 5 * M2 + K4, RW, 0);
	check_tables(c);
}

static void test_top_of_lower_half(void **state)
{
	struct ctx *c = *state;
	uint64_t va = 0x7fffffe00000ULL;

	assert_int_equal(kern_pt_map(&c->pt, va, 4 * M2, M2, RW), 0);
	expect(c, va, 4 * M2, RW, 1);
	expect(c, 0x7fffffffffffULL, 5 * M2 - 1, RW, 1);
	assert_int_equal(kern_pt_protect(&c->pt, 0x7ffffffff000ULL, K4, R), 0);
	expect(c, 0x7ffffffff000ULL, 5 * M2 - K4, R, 0);
	expect(c, 0x7fffffffe000ULL, 5 * M2 - 2 * K4, RW, 0);
	assert_int_equal(kern_pt_unmap(&c->pt, 0x7ffffffff000ULL, K4), 0);
	expect_none(c, 0x7ffffffff000ULL);
	expect(c, 0x7fffffffe000ULL, 5 * M2 - 2 * K4, RW, 0);
	assert_int_equal(kern_pt_map(&c->pt, 0x7fffc0000000ULL, G1, G1, R), 0);
	expect(c, 0x7fffffffe000ULL, 2 * G1 - 2 * K4, R, gib_level(c));
	expect_none(c, 0);
	check_tables(c);
}

static void test_flush_on_every_change(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kern_pt_map(&c->pt, G1, 0, 3 * K4, RW), 0);
	assert_int_equal(c->flushes, 1);
	expect_flushed(c, G1, 3 * K4);
	c->flushes = 0;
	assert_int_equal(kern_pt_protect(&c->pt, G1 + K4, K4, R), 0);
	expect_flushed(c, G1 + K4, K4);
	c->flushes = 0;
	assert_int_equal(kern_pt_unmap(&c->pt, G1, 2 * K4), 0);
	expect_flushed(c, G1, 2 * K4);
}

/* Collect the leaves of [va, va + size) with kern_pt_next_leaf into
 * got[0..max); how many there were. */
static size_t walk(struct ctx *c, uint64_t va, uint64_t size,
		   struct kern_pt_leaf *got, size_t max)
{
	uint64_t end = va + size;
	struct kern_pt_leaf l;
	size_t n = 0;

	while (va < end && kern_pt_next_leaf(&c->pt, va, end - va, &l) == 0) {
		assert_true(n < max);
		got[n++] = l;
		va = l.va + KERN_PT_SIZE(l.level);
	}
	return n;
}

/* Assert leaf l maps va to pa with attrs at level. */
static void expect_leaf(const struct kern_pt_leaf *l, uint64_t va, uint64_t pa,
			unsigned attrs, int level)
{
	assert_int_equal(l->va, va);
	assert_int_equal(l->pa, pa);
	assert_int_equal(l->attrs, attrs);
	assert_int_equal(l->level, level);
}

static void test_next_leaf_empty_and_einval(void **state)
{
	struct ctx *c = *state;
	struct kern_pt_leaf l;

	assert_int_equal(kern_pt_next_leaf(&c->pt, 0, 1ULL << 47, &l), -ENOENT);
	assert_int_equal(kern_pt_next_leaf(&c->pt, G1, 0, &l), -ENOENT);
	assert_int_equal(kern_pt_next_leaf(&c->pt, G1 + 8, K4, &l), -EINVAL);
	assert_int_equal(kern_pt_next_leaf(&c->pt, G1, 100, &l), -EINVAL);
	assert_int_equal(kern_pt_next_leaf(&c->pt, -K4, K4, &l), -EINVAL);
	assert_int_equal(kern_pt_next_leaf(&c->pt, K4, -K4, &l), -EINVAL);
	assert_int_equal(
		kern_pt_next_leaf(&c->pt, (1ULL << 47) - K4, 2 * K4, &l),
		-EINVAL);
	assert_int_equal(kern_pt_next_leaf(&c->pt, 1ULL << 47, K4, &l),
			 -EINVAL);
	assert_int_equal(c->allocs, 1);
	check_tables(c);
}

/* Leaves of every size, inaccessible ones too, in address order; a leaf
 * is found from inside it; the range's end is exclusive. */
static void test_next_leaf_sizes(void **state)
{
	struct ctx *c = *state;
	struct kern_pt_leaf got[8], l;

	assert_int_equal(kern_pt_map(&c->pt, G1 + 5 * K4, 9 * K4, K4, RW), 0);
	assert_int_equal(kern_pt_map(&c->pt, 3 * G1 + 2 * M2, 4 * M2, M2, R),
			 0);
	assert_int_equal(kern_pt_map(&c->pt, 5 * G1, G1, G1, RX), 0);
	assert_int_equal(kern_pt_map(&c->pt, 7 * G1, 3 * K4, K4, RW), 0);
	assert_int_equal(kern_pt_protect(&c->pt, 7 * G1, K4, 0), 0);
	assert_int_equal(walk(c, 0, 1ULL << 47, got, 8), 4);
	expect_leaf(&got[0], G1 + 5 * K4, 9 * K4, RW, 0);
	expect_leaf(&got[1], 3 * G1 + 2 * M2, 4 * M2, R, 1);
	expect_leaf(&got[2], 5 * G1, G1, RX, 2);
	expect_leaf(&got[3], 7 * G1, 3 * K4, 0, 0);
	assert_int_equal(kern_pt_next_leaf(&c->pt, 5 * G1 + 3 * M2, K4, &l), 0);
	expect_leaf(&l, 5 * G1, G1, RX, 2);
	assert_int_equal(kern_pt_next_leaf(&c->pt, G1 + 6 * K4,
					   3 * G1 + 2 * M2 - (G1 + 6 * K4), &l),
			 -ENOENT);
	assert_int_equal(kern_pt_next_leaf(&c->pt, G1, 5 * K4, &l), -ENOENT);
	assert_int_equal(kern_pt_next_leaf(&c->pt, G1, 6 * K4, &l), 0);
	expect_leaf(&l, G1 + 5 * K4, 9 * K4, RW, 0);
	check_tables(c);
}

/* Walking and unmapping 1 TiB that holds three pages costs about the
 * entries of the tables present (9 here), not 2^28 page steps; so does a
 * second walk over the tables the unmap emptied. */
static void test_range_cost(void **state)
{
	struct ctx *c = *state;
	const uint64_t lo = 1ULL << 44, tib = 1ULL << 40;
	const uint64_t va[] = { lo, lo + 300 * G1 + 7 * K4, lo + tib - K4 };
	struct kern_pt_leaf got[4];
	size_t bound;

	for (int i = 0; i < 3; i++)
		assert_int_equal(
			kern_pt_map(&c->pt, va[i], (i + 1) * K4, K4, RW), 0);
	assert_int_equal(c->pt.tables, 9);
	bound = ARCH_PT_ENTRIES * c->pt.tables + 4 * 4;
	c->pt.visits = 0;
	assert_int_equal(walk(c, lo, tib, got, 4), 3);
	for (int i = 0; i < 3; i++)
		expect_leaf(&got[i], va[i], (i + 1) * K4, RW, 0);
	assert_true(c->pt.visits <= bound);
	c->pt.visits = 0;
	assert_int_equal(kern_pt_unmap(&c->pt, lo, tib), 0);
	assert_true(c->pt.visits <= bound);
	for (int i = 0; i < 3; i++)
		expect_none(c, va[i]);
	c->pt.visits = 0;
	assert_int_equal(walk(c, lo, tib, got, 4), 0);
	assert_true(c->pt.visits <= bound);
	c->pt.visits = 0;
	assert_int_equal(kern_pt_protect(&c->pt, 0, 1ULL << 47, R), 0);
	assert_true(c->pt.visits <= bound);
	check_tables(c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define T3(f) cmocka_unit_test_setup_teardown(f, setup_no_1g, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_empty),
		T(test_init_enomem),
		T(test_map_1g_leaf),
		T3(test_map_1g_without_1g_leaves),
		T(test_map_2m),
		T3(test_map_2m),
		T(test_map_pa_limits_level),
		T(test_map_mixed_sizes),
		T(test_map_odd_sizes_small_pages),
		T(test_map_size_zero),
		T(test_attrs_round_trip),
		T(test_no_nx_means_exec),
		T(test_protect_part_of_1g),
		T3(test_protect_part_of_1g),
		T(test_protect_2m_of_1g),
		T3(test_protect_2m_of_1g),
		T(test_unmap_page_in_2m),
		T3(test_unmap_page_in_2m),
		T(test_unmap_whole_pages),
		T(test_protect_none_and_back),
		T(test_protect_none_splits),
		T(test_split_inaccessible_huge),
		T(test_map_huge_over_small_frees_tables),
		T(test_map_1g_over_tree_frees_tables),
		T(test_map_2m_inside_1g),
		T(test_holes),
		T3(test_holes),
		T(test_split_explicit),
		T(test_split_hole),
		T(test_einval),
		T(test_enomem_map),
		T(test_enomem_split),
		T(test_enomem_partial_unmap),
		T(test_enomem_partial_map),
		T(test_top_of_lower_half),
		T3(test_top_of_lower_half),
		T(test_flush_on_every_change),
		T(test_next_leaf_empty_and_einval),
		T(test_next_leaf_sizes),
		T(test_range_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
