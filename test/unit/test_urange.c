/* Unit tests of kernel/mm/urange.c: which ranges pass as the service's
 * pointers (empty ones; the service's regions, through the callback; the
 * image's spans with their accesses, joined where they touch; never a
 * kernel stack or its guard page; never a range that wraps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mm/urange.h"

#define P 4096ULL
#define R KERN_UREAD
#define W KERN_UWRITE
#define RW (KERN_UREAD | KERN_UWRITE)

/* The "service": [SVC_LO, SVC_RO) read-write, [SVC_RO, SVC_HI) read-only. */
#define SVC_LO (0x100000000000ULL)
#define SVC_RO (SVC_LO + 16 * P)
#define SVC_HI (SVC_LO + 32 * P)

/* The "image": text and constants, then data with a stack in it. */
#define TEXT_LO (256 * P)
#define DATA_LO (300 * P)
#define DATA_HI (400 * P)
#define STACK_LO (350 * P)
#define STACK_HI (358 * P)

static uint64_t asked_lo, asked_hi;
static unsigned asked_access;
static int asked;

static int service(uint64_t lo, uint64_t hi, unsigned access)
{
	asked++;
	asked_lo = lo;
	asked_hi = hi;
	asked_access = access;
	if (lo < SVC_LO || hi > SVC_HI)
		return 0;
	return !(access & W) || hi <= SVC_RO;
}

static const struct kern_urange_span image[] = {
	{ DATA_LO, DATA_HI, RW }, /* out of order on purpose */
	{ TEXT_LO, DATA_LO, R },
};
static const struct kern_stack stacks[] = {
	{ "boot stack", STACK_LO, STACK_HI },
};
static const struct kern_urange_map map = { service, image, 2, stacks, 1 };

static int ok(uint64_t p, uint64_t n, unsigned access)
{
	return kern_urange_ok(&map, p, n, access);
}

static void test_empty_always_passes(void **state)
{
	(void)state;
	assert_true(ok(0, 0, RW));
	assert_true(ok(-P, 0, W));
	assert_true(ok(DATA_LO - 1, 0, W));
}

static void test_null_and_low_memory_fail(void **state)
{
	(void)state;
	assert_false(ok(0, 1, R));
	assert_false(ok(0, 8, W));
	assert_false(ok(16, 4, R));
	assert_false(ok(P, P, R));
	assert_false(ok(TEXT_LO - 1, 2, R)); /* starts below the image */
}

static void test_wrapping_fails(void **state)
{
	(void)state;
	asked = 0;
	assert_false(ok(-P, 2 * P, R));
	assert_false(ok(-P, P, R)); /* ends exactly at 2^64 */
	assert_false(ok(SVC_LO, UINT64_MAX, R));
	assert_false(ok(DATA_LO, -DATA_LO + 1, R));
	assert_int_equal(asked, 0); /* refused before anyone is asked */
}

static void test_service_regions(void **state)
{
	(void)state;
	assert_true(ok(SVC_LO, 16 * P, RW));
	assert_int_equal(asked_lo, SVC_LO);
	assert_int_equal(asked_hi, SVC_RO);
	assert_int_equal(asked_access, RW);
	assert_true(ok(SVC_RO + 8, 100, R));
	assert_false(ok(SVC_RO + 8, 100, W));
	assert_false(ok(SVC_RO - 8, 16, W)); /* across into read-only */
	assert_true(ok(SVC_RO - 8, 16, R));
	assert_false(ok(SVC_HI - 8, 16, R)); /* runs off the end */
	assert_false(ok(SVC_LO - 1, 2, R));
}

static void test_image_spans(void **state)
{
	(void)state;
	assert_true(ok(TEXT_LO, 64, R));
	assert_false(ok(TEXT_LO, 64, W));
	assert_false(ok(TEXT_LO, 64, RW));
	assert_true(ok(DATA_LO, 64, RW));
	assert_true(ok(DATA_LO - 8, 16, R)); /* spans that touch join */
	assert_false(ok(DATA_LO - 8, 16, W));
	assert_true(ok(TEXT_LO, STACK_LO - P - TEXT_LO, R));
	assert_true(ok(DATA_HI - 8, 8, W));
	assert_false(ok(DATA_HI - 8, 9, R)); /* one byte past the image */
	assert_false(ok(DATA_HI, 8, R));
}

static void test_kernel_stacks_fail(void **state)
{
	(void)state;
	assert_false(ok(STACK_LO + 64, 8, R));
	assert_false(ok(STACK_HI - 1, 1, W));
	assert_false(ok(STACK_LO - P, 8, R));	  /* the guard page */
	assert_false(ok(STACK_LO - P - 4, 8, R)); /* into the guard page */
	assert_true(ok(STACK_LO - P - 8, 8, RW)); /* just below it */
	assert_true(ok(STACK_HI, 8, RW));	  /* just above the stack */
	assert_false(ok(DATA_LO, DATA_HI - DATA_LO, R)); /* covers it */
}

static void test_no_service_callback(void **state)
{
	const struct kern_urange_map m = { NULL, image, 2, NULL, 0 };

	(void)state;
	assert_false(kern_urange_ok(&m, SVC_LO, 8, R));
	assert_true(kern_urange_ok(&m, STACK_LO, 8, RW)); /* no stacks */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_always_passes),
		cmocka_unit_test(test_null_and_low_memory_fail),
		cmocka_unit_test(test_wrapping_fails),
		cmocka_unit_test(test_service_regions),
		cmocka_unit_test(test_image_spans),
		cmocka_unit_test(test_kernel_stacks_fail),
		cmocka_unit_test(test_no_service_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
