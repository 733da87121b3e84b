/* Unit tests of kernel/fs/tmpfs.c, a tmpfs file's data: writes and reads
 * across page boundaries, holes that read as zero, truncation that gives
 * pages back and zeroes the tail, the size limit (a short write, then
 * ENOSPC, and the space back after truncate or free), EFBIG past the
 * largest offset, and kern_mm_try_alloc failing (fs_mocks.c). After each
 * step, what tmpfs counts as used must be what it holds from the frame
 * mock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/node.h"
#include "fs/tmpfs.h"
#include "fs_mocks.h"
#include "mm/pool.h"

#define PAGE 4096
#define MAX_SIZE (1LL << 40)
#define MIB (1024 * 1024)

/* The byte a pattern has at file offset off. */
static unsigned char pat(uint64_t off, unsigned seed)
{
	return (unsigned char)(off * 7 + off / PAGE + seed);
}

static void fill(unsigned char *buf, size_t n, uint64_t off, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = pat(off + i, seed);
}

/* tmpfs's count of used bytes matches the frames it holds. */
static void check_used(uint64_t pages)
{
	assert_int_equal(fs_tmp_used(),
			 (mock_try_frames - kern_pool_frames()) * PAGE);
	assert_int_equal(fs_tmp_used(), pages * PAGE);
}

/* Read n bytes at off and expect the pattern (seed) there. */
static void expect_pat(struct fs_tmpdata *d, uint64_t off, size_t n,
		       unsigned seed)
{
	unsigned char *buf = malloc(n), *want = malloc(n);

	assert_non_null(buf);
	assert_non_null(want);
	fill(want, n, off, seed);
	assert_int_equal(fs_tmp_read(d, buf, n, (off_t)off), n);
	assert_memory_equal(buf, want, n);
	free(buf);
	free(want);
}

/* Read n bytes at off and expect zeros. */
static void expect_zero(struct fs_tmpdata *d, uint64_t off, size_t n)
{
	unsigned char *buf = malloc(n), *want = calloc(1, n);

	assert_non_null(buf);
	assert_non_null(want);
	memset(buf, 0x5a, n);
	assert_int_equal(fs_tmp_read(d, buf, n, (off_t)off), n);
	assert_memory_equal(buf, want, n);
	free(buf);
	free(want);
}

/* Write n bytes of pattern seed at off: the count. */
static ssize_t put(struct fs_tmpdata *d, uint64_t off, size_t n, unsigned seed)
{
	unsigned char *buf = malloc(n ? n : 1);
	ssize_t r;

	assert_non_null(buf);
	fill(buf, n, off, seed);
	r = fs_tmp_write(d, buf, n, (off_t)off);
	free(buf);
	return r;
}

static int setup(void **state)
{
	(void)state;
	mock_try_left = -1;
	fs_tmp_set_limit(64 * MIB);
	return 0;
}

/* Everything a test made has been freed. */
static int teardown(void **state)
{
	(void)state;
	mock_try_left = -1;
	assert_int_equal(fs_tmp_used(), 0);
	assert_int_equal(mock_try_frames, kern_pool_frames());
	return 0;
}

/* Writes in pieces of odd sizes from an unaligned offset, read back in
 * other pieces: every page boundary crossed both ways. */
static void test_round_trip(void **state)
{
	struct fs_tmpdata *d = fs_tmp_new();
	const uint64_t start = 4000, len = 3 * PAGE + 123;
	unsigned char buf[PAGE * 4];

	(void)state;
	assert_non_null(d);
	assert_int_equal(fs_tmp_size(d), 0);
	assert_int_equal(fs_tmp_read(d, buf, sizeof(buf), 0), 0);
	for (uint64_t at = start; at < start + len; at += 1000) {
		size_t n = start + len - at < 1000 ? start + len - at : 1000;

		assert_int_equal(put(d, at, n, 1), n);
	}
	assert_int_equal(fs_tmp_size(d), start + len);
	check_used(1 + 5); /* the index and pages 0..4 */
	expect_zero(d, 0, start);
	expect_pat(d, start, len, 1);
	for (uint64_t at = start; at + 777 <= start + len; at += 777)
		expect_pat(d, at, 777, 1);
	expect_pat(d, PAGE - 1, 2, 1); /* one byte each side */
	/* At and past the end: nothing; straddling it: short. */
	assert_int_equal(fs_tmp_read(d, buf, 10, (off_t)(start + len)), 0);
	assert_int_equal(fs_tmp_read(d, buf, 10, 1 << 30), 0);
	assert_int_equal(fs_tmp_read(d, buf, 100, (off_t)(start + len - 10)),
			 10);
	/* Overwriting in place allocates nothing. */
	assert_int_equal(put(d, 100, 2 * PAGE, 2), 2 * PAGE);
	check_used(6);
	expect_pat(d, 100, 2 * PAGE, 2);
	expect_pat(d, 100 + 2 * PAGE, start + len - 100 - 2 * PAGE, 1);
	fs_tmp_free(d);
	check_used(0);
}

/* A write far past the end leaves a hole that reads as zero and costs
 * only the pages written (and a larger index). */
static void test_sparse(void **state)
{
	struct fs_tmpdata *d = fs_tmp_new();
	const uint64_t far = 10ULL * MIB + 5; /* page 2560: 8 index pages */

	(void)state;
	assert_int_equal(put(d, 3 * PAGE + 10, 3, 1), 3);
	assert_int_equal(fs_tmp_size(d), 3 * PAGE + 13);
	check_used(1 + 1);
	expect_zero(d, 0, 3 * PAGE + 10);
	expect_pat(d, 3 * PAGE + 10, 3, 1);

	assert_int_equal(put(d, far, PAGE, 2), PAGE);
	assert_int_equal(fs_tmp_size(d), far + PAGE);
	check_used(8 + 3); /* the index grew to 4096 slots; pages 3, 2560-1 */
	expect_pat(d, 3 * PAGE + 10, 3, 1); /* kept across the index's move */
	expect_zero(d, 3 * PAGE + 13, far - 3 * PAGE - 13);
	expect_pat(d, far, PAGE, 2);
	fs_tmp_free(d);
	check_used(0);
}

/* Truncating down frees the pages past the new end and zeroes the rest
 * of the last page, so growing again reads zeros; growing allocates
 * nothing. */
static void test_truncate(void **state)
{
	struct fs_tmpdata *d = fs_tmp_new();

	(void)state;
	assert_int_equal(put(d, 0, 4 * PAGE, 1), 4 * PAGE);
	check_used(1 + 4);
	assert_int_equal(fs_tmp_truncate(d, 5000), 0);
	assert_int_equal(fs_tmp_size(d), 5000);
	check_used(1 + 2);
	expect_pat(d, 0, 5000, 1);
	assert_int_equal(fs_tmp_truncate(d, 4 * PAGE), 0); /* grow */
	assert_int_equal(fs_tmp_size(d), 4 * PAGE);
	check_used(1 + 2);
	expect_pat(d, 0, 5000, 1);
	expect_zero(d, 5000, 4 * PAGE - 5000);
	/* A write past the end after a truncate: the old bytes stay gone. */
	assert_int_equal(fs_tmp_truncate(d, 100), 0);
	check_used(1 + 1);
	assert_int_equal(put(d, 3 * PAGE, 1, 3), 1);
	expect_pat(d, 0, 100, 1);
	expect_zero(d, 100, 3 * PAGE - 100);
	/* To a page boundary, then to nothing: the index alone is left. */
	assert_int_equal(fs_tmp_truncate(d, PAGE), 0);
	check_used(1 + 1);
	expect_pat(d, 0, 100, 1);
	expect_zero(d, 100, PAGE - 100);
	assert_int_equal(fs_tmp_truncate(d, 0), 0);
	assert_int_equal(fs_tmp_size(d), 0);
	check_used(1);
	assert_int_equal(fs_tmp_truncate(d, 2 * PAGE + 1), 0);
	expect_zero(d, 0, 2 * PAGE + 1);
	check_used(1);
	fs_tmp_free(d);
	check_used(0);
}

/* At the limit a write stops short, the next fails with ENOSPC, writing
 * over pages already held still works, and truncate or free gives the
 * space back. */
static void test_limit(void **state)
{
	struct fs_tmpdata *a = fs_tmp_new(), *b = fs_tmp_new();

	(void)state;
	fs_tmp_set_limit(4 * PAGE + 100); /* whole pages: 4 */
	assert_int_equal(fs_tmp_limit(), 4 * PAGE);
	/* The index and three data pages fit: 3 of the 5 pages written. */
	assert_int_equal(put(a, 10, 5 * PAGE, 1), 3 * PAGE - 10);
	assert_int_equal(fs_tmp_size(a), 3 * PAGE);
	check_used(4);
	assert_int_equal(put(a, 3 * PAGE, 1, 1), -ENOSPC);
	assert_int_equal(put(b, 0, 1, 1), -ENOSPC); /* b's index */
	assert_int_equal(fs_tmp_size(a), 3 * PAGE);
	assert_int_equal(fs_tmp_size(b), 0);
	check_used(4);
	assert_int_equal(put(a, 0, 3 * PAGE, 2), 3 * PAGE); /* in place */
	expect_pat(a, 0, 3 * PAGE, 2);
	/* Truncate gives two pages back: b's index and one page fit. */
	assert_int_equal(fs_tmp_truncate(a, PAGE), 0);
	check_used(2);
	assert_int_equal(put(b, 0, 2 * PAGE, 3), PAGE);
	check_used(4);
	assert_int_equal(put(b, PAGE, 1, 3), -ENOSPC);
	/* Freeing a gives its pages and its index back. */
	fs_tmp_free(a);
	check_used(2);
	assert_int_equal(put(b, PAGE, 2 * PAGE, 3), 2 * PAGE);
	check_used(4);
	expect_pat(b, 0, 3 * PAGE, 3);
	fs_tmp_free(b);
	check_used(0);
}

/* An index that must grow past the limit: ENOSPC, and the file keeps
 * what it had. */
static void test_limit_index(void **state)
{
	struct fs_tmpdata *d = fs_tmp_new();

	(void)state;
	fs_tmp_set_limit(3 * PAGE);
	assert_int_equal(put(d, 0, 10, 1), 10);
	check_used(2);
	/* Page 512 needs a 2-page index while the old one is held. */
	assert_int_equal(put(d, 512ULL * PAGE, 10, 1), -ENOSPC);
	assert_int_equal(fs_tmp_size(d), 10);
	check_used(2);
	expect_pat(d, 0, 10, 1);
	fs_tmp_set_limit(5 * PAGE);
	assert_int_equal(put(d, 512ULL * PAGE, 10, 1), 10);
	check_used(2 + 2);
	expect_pat(d, 0, 10, 1);
	expect_pat(d, 512ULL * PAGE, 10, 1);
	fs_tmp_free(d);
}

/* Offsets past the largest file size: EFBIG, nothing allocated; a
 * truncate to the largest size allocates nothing and reads zeros. */
static void test_efbig(void **state)
{
	struct fs_tmpdata *d = fs_tmp_new();
	unsigned char buf[16];

	(void)state;
	assert_int_equal(put(d, MAX_SIZE, 1, 1), -EFBIG);
	assert_int_equal(put(d, MAX_SIZE + PAGE, 1, 1), -EFBIG);
	assert_int_equal(fs_tmp_write(d, buf, 1, INT64_MAX), -EFBIG);
	assert_int_equal(fs_tmp_write(d, buf, SIZE_MAX, 1), -EFBIG);
	assert_int_equal(fs_tmp_truncate(d, MAX_SIZE + 1), -EFBIG);
	/* Negative offsets are the callers' to refuse; never a success. */
	assert_true(fs_tmp_write(d, buf, 1, -1) < 0);
	assert_true(fs_tmp_truncate(d, -1) < 0);
	assert_int_equal(fs_tmp_size(d), 0);
	check_used(0);
	assert_int_equal(fs_tmp_truncate(d, MAX_SIZE), 0);
	assert_int_equal(fs_tmp_size(d), MAX_SIZE);
	check_used(0);
	expect_zero(d, MAX_SIZE - 10, 10);
	assert_int_equal(fs_tmp_read(d, buf, sizeof(buf), MAX_SIZE - 3), 3);
	assert_int_equal(fs_tmp_truncate(d, 0), 0);
	fs_tmp_free(d);
}

/* kern_mm_try_alloc returning NULL (memory short of the limit): a short
 * write or ENOSPC, the data kept, and writes work again once memory is
 * back. */
static void test_no_memory(void **state)
{
	struct fs_tmpdata *d = fs_tmp_new();

	(void)state;
	mock_try_left = 0; /* not even the index */
	assert_int_equal(put(d, 0, 100, 1), -ENOSPC);
	assert_int_equal(fs_tmp_size(d), 0);
	check_used(0);
	mock_try_left = 2; /* the index and page 0 */
	assert_int_equal(put(d, 0, 3 * PAGE, 1), PAGE);
	assert_int_equal(fs_tmp_size(d), PAGE);
	check_used(2);
	assert_int_equal(put(d, PAGE, 1, 1), -ENOSPC);
	/* The index cannot grow: the old one and its pages are kept. */
	assert_int_equal(put(d, 600ULL * PAGE, 1, 1), -ENOSPC);
	check_used(2);
	expect_pat(d, 0, PAGE, 1);
	/* The new index, then no page for the data. */
	mock_try_left = 1;
	assert_int_equal(put(d, 600ULL * PAGE, 1, 1), -ENOSPC);
	assert_int_equal(fs_tmp_size(d), PAGE);
	check_used(2 + 1);
	expect_pat(d, 0, PAGE, 1);
	mock_try_left = -1;
	assert_int_equal(put(d, PAGE, 2 * PAGE, 1), 2 * PAGE);
	expect_pat(d, 0, 3 * PAGE, 1);
	check_used(2 + 3);
	fs_tmp_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limit_index, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_efbig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_memory, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
