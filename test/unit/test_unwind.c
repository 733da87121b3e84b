/* Unit tests of kernel/debug/unwind.c: frame-pointer walks over fake stacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "debug/unwind.h"

#define TEXT_LO 0x400000UL
#define TEXT_HI 0x500000UL
#define WORDS 64 /* 64-bit words per fake stack */

/* Two fake stacks, a below b, with a gap that belongs to no stack. */
static _Alignas(16) uint64_t mem[4 * WORDS];
static uint64_t *const stack_a = &mem[0];
static uint64_t *const stack_b = &mem[2 * WORDS];
static struct kern_stack stacks[2];
static struct kern_unwind_env env;

static uint64_t addr(const uint64_t *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int setup(void **state)
{
	memset(mem, 0, sizeof(mem));
	stacks[0] = (struct kern_stack){ "a", addr(stack_a),
					 addr(stack_a + WORDS) };
	stacks[1] = (struct kern_stack){ "b", addr(stack_b),
					 addr(stack_b + WORDS) };
	env = (struct kern_unwind_env){ stacks, 2, TEXT_LO, TEXT_HI };
	(void)state;
	return 0;
}

/* Write the frame record {next, ret} at rec. */
static void frame(uint64_t *rec, uint64_t next, uint64_t ret)
{
	rec[0] = next;
	rec[1] = ret;
}

/* A chain of n frames in stack a, 4 words apart, ending with next = 0;
 * frame i returns to TEXT_LO + 0x10 * (i + 1). Returns the first fp. */
static uint64_t chain(int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t next = i + 1 < n ? addr(&stack_a[4 * (i + 1)]) : 0;

		frame(&stack_a[4 * i], next, TEXT_LO + 0x10 * (i + 1));
	}
	return addr(stack_a);
}

static void expect_chain_pcs(const uint64_t *pcs, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(pcs[i], TEXT_LO + 0x10 * (i + 1));
}

static void test_chain(void **state)
{
	uint64_t pcs[8];

	assert_int_equal(kern_unwind(&env, chain(5), pcs, 8), 5);
	expect_chain_pcs(pcs, 5);
	(void)state;
}

static void test_chain_across_stacks(void **state)
{
	uint64_t pcs[8];

	frame(&stack_a[2], addr(&stack_b[6]), TEXT_LO + 1);
	frame(&stack_b[6], addr(&stack_b[10]), TEXT_LO + 2);
	frame(&stack_b[10], 0, TEXT_LO + 3);
	assert_int_equal(kern_unwind(&env, addr(&stack_a[2]), pcs, 8), 3);
	assert_int_equal(pcs[0], TEXT_LO + 1);
	assert_int_equal(pcs[1], TEXT_LO + 2);
	assert_int_equal(pcs[2], TEXT_LO + 3);
	(void)state;
}

static void test_fp_zero(void **state)
{
	uint64_t pcs[4] = { 7, 7, 7, 7 };

	assert_int_equal(kern_unwind(&env, 0, pcs, 4), 0);
	assert_int_equal(pcs[0], 7);
	(void)state;
}

static void test_start_outside_stacks(void **state)
{
	uint64_t pcs[4];
	uint64_t *gap = &mem[WORDS + 8];

	frame(gap, 0, TEXT_LO);
	assert_int_equal(kern_unwind(&env, addr(gap), pcs, 4), 0);
	assert_int_equal(kern_unwind(&env, 0x1000, pcs, 4), 0);
	(void)state;
}

static void test_next_outside_stacks(void **state)
{
	uint64_t pcs[4];
	uint64_t *gap = &mem[WORDS + 8];

	frame(&stack_a[0], addr(gap), TEXT_LO + 1);
	frame(gap, addr(&stack_b[0]), TEXT_LO + 2);
	frame(&stack_b[0], 0, TEXT_LO + 3);
	assert_int_equal(kern_unwind(&env, addr(stack_a), pcs, 4), 1);
	assert_int_equal(pcs[0], TEXT_LO + 1);
	(void)state;
}

/* A record must lie wholly inside a stack. */
static void test_record_crossing_stack_top(void **state)
{
	uint64_t pcs[4];
	uint64_t *top = stack_a + WORDS;

	frame(top - 2, 0, TEXT_LO + 1);
	assert_int_equal(kern_unwind(&env, addr(top - 2), pcs, 4), 1);
	frame(&stack_a[0], addr(top - 1), TEXT_LO + 1);
	assert_int_equal(kern_unwind(&env, addr(stack_a), pcs, 4), 1);
	assert_int_equal(kern_unwind(&env, addr(top - 1), pcs, 4), 0);
	(void)state;
}

static void test_misaligned_fp(void **state)
{
	uint64_t pcs[4];
	uint64_t next = addr(&stack_a[8]) + 4;

	frame(&stack_a[0], next, TEXT_LO + 1);
	assert_int_equal(kern_unwind(&env, addr(stack_a), pcs, 4), 1);
	assert_int_equal(kern_unwind(&env, addr(stack_a) + 1, pcs, 4), 0);
	assert_int_equal(kern_unwind(&env, next, pcs, 4), 0);
	(void)state;
}

static void test_self_loop(void **state)
{
	uint64_t pcs[4];

	frame(&stack_a[4], addr(&stack_a[4]), TEXT_LO + 1);
	assert_int_equal(kern_unwind(&env, addr(&stack_a[4]), pcs, 4), 1);
	assert_int_equal(pcs[0], TEXT_LO + 1);
	(void)state;
}

static void test_two_frame_loop(void **state)
{
	uint64_t pcs[8];

	frame(&stack_a[4], addr(&stack_a[8]), TEXT_LO + 1);
	frame(&stack_a[8], addr(&stack_a[4]), TEXT_LO + 2);
	assert_int_equal(kern_unwind(&env, addr(&stack_a[4]), pcs, 8), 2);
	assert_int_equal(pcs[0], TEXT_LO + 1);
	assert_int_equal(pcs[1], TEXT_LO + 2);
	(void)state;
}

static void test_next_below(void **state)
{
	uint64_t pcs[8];

	frame(&stack_b[0], addr(&stack_a[0]), TEXT_LO + 1);
	frame(&stack_a[0], 0, TEXT_LO + 2);
	assert_int_equal(kern_unwind(&env, addr(stack_b), pcs, 8), 1);
	assert_int_equal(pcs[0], TEXT_LO + 1);
	(void)state;
}

static void test_return_outside_text(void **state)
{
	uint64_t pcs[4];
	uint64_t fp = chain(3);

	stack_a[4 + 1] = TEXT_HI;
	assert_int_equal(kern_unwind(&env, fp, pcs, 4), 1);
	stack_a[4 + 1] = TEXT_LO - 1;
	assert_int_equal(kern_unwind(&env, fp, pcs, 4), 1);
	stack_a[4 + 1] = 0;
	assert_int_equal(kern_unwind(&env, fp, pcs, 4), 1);
	stack_a[1] = TEXT_HI + 0x1000;
	assert_int_equal(kern_unwind(&env, fp, pcs, 4), 0);
	(void)state;
}

static void test_return_at_text_bounds(void **state)
{
	uint64_t pcs[4];
	uint64_t fp = chain(2);

	stack_a[1] = TEXT_LO;
	stack_a[4 + 1] = TEXT_HI - 1;
	assert_int_equal(kern_unwind(&env, fp, pcs, 4), 2);
	assert_int_equal(pcs[0], TEXT_LO);
	assert_int_equal(pcs[1], TEXT_HI - 1);
	(void)state;
}

static void test_max(void **state)
{
	uint64_t pcs[8] = { 0 };
	uint64_t fp = chain(6);

	assert_int_equal(kern_unwind(&env, fp, pcs, 3), 3);
	expect_chain_pcs(pcs, 3);
	assert_int_equal(pcs[3], 0);
	assert_int_equal(kern_unwind(&env, fp, pcs, 1), 1);
	assert_int_equal(kern_unwind(&env, fp, pcs, 6), 6);
	(void)state;
}

static void test_max_zero(void **state)
{
	uint64_t pcs[1] = { 7 };

	assert_int_equal(kern_unwind(&env, chain(2), pcs, 0), 0);
	assert_int_equal(pcs[0], 7);
	(void)state;
}

static void test_no_stacks(void **state)
{
	struct kern_unwind_env none = { NULL, 0, TEXT_LO, TEXT_HI };
	uint64_t pcs[4];

	assert_int_equal(kern_unwind(&none, chain(2), pcs, 4), 0);
	assert_null(kern_stack_find(&none, addr(stack_a), 16));
	(void)state;
}

static void test_find_inside(void **state)
{
	assert_ptr_equal(kern_stack_find(&env, addr(stack_a), 16), &stacks[0]);
	assert_ptr_equal(kern_stack_find(&env, addr(&stack_b[3]), 8),
			 &stacks[1]);
	assert_ptr_equal(
		kern_stack_find(&env, addr(stack_a), WORDS * sizeof(uint64_t)),
		&stacks[0]);
	(void)state;
}

static void test_find_ends_at_hi(void **state)
{
	uint64_t hi = stacks[0].hi;

	assert_ptr_equal(kern_stack_find(&env, hi - 16, 16), &stacks[0]);
	assert_ptr_equal(kern_stack_find(&env, hi - 1, 1), &stacks[0]);
	(void)state;
}

static void test_find_crosses_hi(void **state)
{
	uint64_t hi = stacks[0].hi;

	assert_null(kern_stack_find(&env, hi - 8, 16));
	assert_null(kern_stack_find(&env, hi - 1, 2));
	assert_null(kern_stack_find(&env, hi, 1));
	assert_null(kern_stack_find(&env, stacks[0].lo,
				    WORDS * sizeof(uint64_t) + 1));
	(void)state;
}

static void test_find_outside(void **state)
{
	assert_null(kern_stack_find(&env, stacks[0].lo - 8, 8));
	assert_null(kern_stack_find(&env, stacks[0].lo - 8, 16));
	assert_null(kern_stack_find(&env, addr(&mem[WORDS + 4]), 8));
	assert_null(kern_stack_find(&env, stacks[1].hi, 16));
	(void)state;
}

/* addr + len wrapping around must not look like a small range. */
static void test_find_len_wraps(void **state)
{
	assert_null(kern_stack_find(&env, addr(stack_a), UINT64_MAX));
	assert_null(kern_stack_find(&env, stacks[1].hi - 8,
				    UINT64_MAX - stacks[1].hi + 16));
	(void)state;
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chain),
		T(test_chain_across_stacks),
		T(test_fp_zero),
		T(test_start_outside_stacks),
		T(test_next_outside_stacks),
		T(test_record_crossing_stack_top),
		T(test_misaligned_fp),
		T(test_self_loop),
		T(test_two_frame_loop),
		T(test_next_below),
		T(test_return_outside_text),
		T(test_return_at_text_bounds),
		T(test_max),
		T(test_max_zero),
		T(test_no_stacks),
		T(test_find_inside),
		T(test_find_ends_at_hi),
		T(test_find_crosses_hi),
		T(test_find_outside),
		T(test_find_len_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
