/* Unit tests of the block-device layer (drivers/blkdev.c) with fake
 * drivers: the device table (four disks, then -ENOSPC), os_blk_info, and
 * each check of os_blk_read/write/flush, in the order the calls make
 * them (-ENODEV, -EROFS, -EINVAL, -EFAULT, -EIO on a failed disk, count
 * 0, flush without a cache), each shown to stop the call before the
 * driver; a valid call reaches the driver's operation once, with the
 * caller's arguments and interrupts off, and its result comes back. The
 * interrupt flag (arch_irq_save/restore) and drv_virtio_blk_register,
 * which the layer's component calls, are stubbed here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <drv/blkdev.h>
#include <drv/virtio.h>
#include <os/blk.h>

/* ---- stubs ---- */

static int irq_on = 1; /* the simulated interrupt flag */

int arch_irq_save(void)
{
	int was = irq_on;

	irq_on = 0;
	return was;
}

void arch_irq_restore(int enabled)
{
	irq_on = enabled;
}

int drv_virtio_blk_register(void)
{
	return 0;
}

/* ---- the fake driver: records each call ---- */

struct call {
	int n; /* calls so far */
	struct drv_blkdev *bd;
	int write;
	uint64_t sector;
	void *buf;
	size_t count;
	int irq_on; /* the flag during the call */
};

static struct call xfer, fl;
static int result; /* what the next operation returns */

static int fake_transfer(struct drv_blkdev *bd, int write, uint64_t sector,
			 void *buf, size_t count)
{
	xfer = (struct call){
		xfer.n + 1, bd, write, sector, buf, count, irq_on
	};
	return result;
}

static int fake_flush(struct drv_blkdev *bd)
{
	fl = (struct call){ .n = fl.n + 1, .bd = bd, .irq_on = irq_on };
	return result;
}

static const struct drv_blkdev_ops fake_ops = { fake_transfer, fake_flush };

#define LONG_NAME "a block device whose name is longer than the forty bytes"

/* 0: 4096-byte blocks, write cache, 1024 sectors, a name too long.
 * 1: read-only, 512-byte blocks, no cache, 100 sectors.
 * 2: read-write, 512-byte blocks, cache; tests set and clear failed.
 * 3: no cache, read-write. */
static struct drv_blkdev disks[4] = {
	{ LONG_NAME, 1024, 4096, 0, 1, 0, &fake_ops, NULL },
	{ "ro", 100, 512, 1, 0, 0, &fake_ops, NULL },
	{ "failing", 100, 512, 0, 1, 0, &fake_ops, NULL },
	{ "nocache", 100, 512, 0, 0, 0, &fake_ops, NULL },
};

static uint8_t buf[1024 * OS_BLK_SECTOR];

static int setup_table(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		if (drv_blkdev_register(&disks[i]))
			return -1;
	return 0;
}

static int reset(void **state)
{
	(void)state;
	memset(&xfer, 0, sizeof(xfer));
	memset(&fl, 0, sizeof(fl));
	result = 0;
	irq_on = 1;
	disks[2].failed = 0;
	return 0;
}

/* ---- the table and os_blk_info ---- */

static void test_table_full(void **state)
{
	struct drv_blkdev extra = { "extra", 8, 512, 0, 0, 0, &fake_ops, NULL };
	struct os_blk_info info;

	(void)state;
	assert_int_equal(os_blk_count(), 4);
	assert_int_equal(drv_blkdev_register(&extra), -ENOSPC);
	assert_int_equal(os_blk_count(), 4);
	assert_int_equal(os_blk_info(4, &info), -ENODEV);
}

static void test_info(void **state)
{
	struct os_blk_info info;

	(void)state;
	memset(&info, 0x55, sizeof(info));
	assert_int_equal(os_blk_info(0, &info), 0);
	assert_int_equal(info.sectors, 1024);
	assert_int_equal(info.block_size, 4096);
	assert_int_equal(info.read_only, 0);
	assert_int_equal(info.cache, 1);
	assert_int_equal(strlen(info.name), sizeof(info.name) - 1);
	assert_memory_equal(info.name, LONG_NAME, sizeof(info.name) - 1);

	assert_int_equal(os_blk_info(1, &info), 0);
	assert_int_equal(info.sectors, 100);
	assert_int_equal(info.block_size, 512);
	assert_int_equal(info.read_only, 1);
	assert_int_equal(info.cache, 0);
	assert_string_equal(info.name, "ro");

	assert_int_equal(os_blk_info(-1, &info), -ENODEV);
	assert_int_equal(os_blk_info(4, &info), -ENODEV);
}

/* ---- reads and writes ---- */

static void test_no_device(void **state)
{
	(void)state;
	assert_int_equal(os_blk_read(-1, 0, buf, 1), -ENODEV);
	assert_int_equal(os_blk_read(4, 0, buf, 1), -ENODEV);
	assert_int_equal(os_blk_write(4, 0, buf, 1), -ENODEV);
	assert_int_equal(os_blk_flush(4), -ENODEV);
	assert_int_equal(os_blk_flush(-1), -ENODEV);
	assert_int_equal(xfer.n + fl.n, 0);
}

/* A read and a write inside the disk reach the driver as they were
 * asked, with interrupts off, and put them back on after. */
static void test_transfer(void **state)
{
	(void)state;
	assert_int_equal(os_blk_read(0, 8, buf, 16), 0);
	assert_int_equal(xfer.n, 1);
	assert_ptr_equal(xfer.bd, &disks[0]);
	assert_int_equal(xfer.write, 0);
	assert_int_equal(xfer.sector, 8);
	assert_ptr_equal(xfer.buf, buf);
	assert_int_equal(xfer.count, 16);
	assert_int_equal(xfer.irq_on, 0);
	assert_int_equal(irq_on, 1);

	/* the last block of the disk, from a const buffer */
	assert_int_equal(os_blk_write(0, 1016, buf + 512, 8), 0);
	assert_int_equal(xfer.n, 2);
	assert_int_equal(xfer.write, 1);
	assert_int_equal(xfer.sector, 1016);
	assert_ptr_equal(xfer.buf, buf + 512);
	assert_int_equal(xfer.count, 8);
	assert_int_equal(xfer.irq_on, 0);

	/* the whole disk */
	assert_int_equal(os_blk_read(3, 0, buf, 100), 0);
	assert_int_equal(xfer.n, 3);
	assert_ptr_equal(xfer.bd, &disks[3]);
	assert_int_equal(xfer.count, 100);
}

/* The driver's error comes back; interrupts stay as the caller had them. */
static void test_driver_result(void **state)
{
	(void)state;
	result = -EIO;
	assert_int_equal(os_blk_read(2, 0, buf, 1), -EIO);
	assert_int_equal(os_blk_write(2, 99, buf, 1), -EIO);
	assert_int_equal(xfer.n, 2);
	assert_int_equal(irq_on, 1);

	irq_on = 0; /* called with interrupts off: they stay off */
	result = 0;
	assert_int_equal(os_blk_read(2, 0, buf, 1), 0);
	assert_int_equal(irq_on, 0);
}

static void test_range(void **state)
{
	(void)state;
	assert_int_equal(os_blk_read(3, 100, buf, 1), -EINVAL); /* past */
	assert_int_equal(os_blk_read(3, 99, buf, 2), -EINVAL);	/* across */
	assert_int_equal(os_blk_read(3, 0, buf, 101), -EINVAL); /* too many */
	assert_int_equal(os_blk_write(3, 100, buf, 1), -EINVAL);
	/* sector + count wraps around */
	assert_int_equal(os_blk_read(3, UINT64_MAX, buf, 2), -EINVAL);
	assert_int_equal(os_blk_read(3, UINT64_MAX - 50, buf, 60), -EINVAL);
	assert_int_equal(os_blk_read(3, 0, buf, SIZE_MAX), -EINVAL);
	/* count 0 past the end is still out of range */
	assert_int_equal(os_blk_read(3, 101, buf, 0), -EINVAL);
	assert_int_equal(xfer.n, 0);
}

/* Disk 0's blocks are 8 sectors: sector and count must be multiples. */
static void test_alignment(void **state)
{
	(void)state;
	assert_int_equal(os_blk_read(0, 1, buf, 8), -EINVAL);
	assert_int_equal(os_blk_read(0, 4, buf, 8), -EINVAL);
	assert_int_equal(os_blk_read(0, 0, buf, 1), -EINVAL);
	assert_int_equal(os_blk_write(0, 8, buf, 12), -EINVAL);
	assert_int_equal(os_blk_write(0, 7, buf, 0), -EINVAL);
	assert_int_equal(xfer.n, 0);
}

static void test_null_buffer(void **state)
{
	(void)state;
	assert_int_equal(os_blk_read(3, 0, NULL, 1), -EFAULT);
	assert_int_equal(os_blk_write(3, 0, NULL, 1), -EFAULT);
	/* the range is checked first */
	assert_int_equal(os_blk_read(3, 100, NULL, 1), -EINVAL);
	/* nothing to move: no buffer needed */
	assert_int_equal(os_blk_read(3, 0, NULL, 0), 0);
	assert_int_equal(os_blk_write(3, 100, NULL, 0), 0);
	assert_int_equal(xfer.n, 0);
}

static void test_count_zero(void **state)
{
	(void)state;
	assert_int_equal(os_blk_read(0, 0, buf, 0), 0);
	assert_int_equal(os_blk_write(0, 1024, buf, 0), 0);
	assert_int_equal(xfer.n, 0);
}

/* Disk 1 is read-only: writes fail before any other check. */
static void test_read_only(void **state)
{
	(void)state;
	assert_int_equal(os_blk_write(1, 0, buf, 1), -EROFS);
	assert_int_equal(os_blk_write(1, 0, buf, 0), -EROFS);
	assert_int_equal(os_blk_write(1, 1000, NULL, 1), -EROFS);
	assert_int_equal(xfer.n, 0);
	assert_int_equal(os_blk_read(1, 0, buf, 1), 0);
	assert_int_equal(xfer.n, 1);
	assert_int_equal(xfer.write, 0);
}

/* A failed disk: -EIO after the range and buffer checks, even for a
 * count of 0 or a flush of a disk without a cache; the driver is never
 * called. */
static void test_failed(void **state)
{
	(void)state;
	disks[2].failed = 1;
	assert_int_equal(os_blk_read(2, 0, buf, 1), -EIO);
	assert_int_equal(os_blk_write(2, 0, buf, 1), -EIO);
	assert_int_equal(os_blk_read(2, 0, buf, 0), -EIO);
	assert_int_equal(os_blk_write(2, 5, NULL, 0), -EIO);
	assert_int_equal(os_blk_flush(2), -EIO);
	assert_int_equal(os_blk_read(2, 100, buf, 1), -EINVAL);
	assert_int_equal(os_blk_read(2, 0, NULL, 1), -EFAULT);
	assert_int_equal(xfer.n + fl.n, 0);

	disks[2].cache = 0;
	assert_int_equal(os_blk_flush(2), -EIO);
	disks[2].cache = 1;
	assert_int_equal(fl.n, 0);
}

/* ---- flush ---- */

static void test_flush(void **state)
{
	(void)state;
	assert_int_equal(os_blk_flush(0), 0);
	assert_int_equal(fl.n, 1);
	assert_ptr_equal(fl.bd, &disks[0]);
	assert_int_equal(fl.irq_on, 0);
	assert_int_equal(irq_on, 1);

	result = -EIO;
	assert_int_equal(os_blk_flush(2), -EIO);
	assert_int_equal(fl.n, 2);
	assert_ptr_equal(fl.bd, &disks[2]);
	assert_int_equal(irq_on, 1);
}

/* No cache: nothing to make durable, the driver is not asked. */
static void test_flush_no_cache(void **state)
{
	(void)state;
	result = -EIO;
	assert_int_equal(os_blk_flush(3), 0);
	assert_int_equal(os_blk_flush(1), 0);
	assert_int_equal(fl.n, 0);
	assert_int_equal(xfer.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table_full, reset),
		cmocka_unit_test_setup(test_info, reset),
		cmocka_unit_test_setup(test_no_device, reset),
		cmocka_unit_test_setup(test_transfer, reset),
		cmocka_unit_test_setup(test_driver_result, reset),
		cmocka_unit_test_setup(test_range, reset),
		cmocka_unit_test_setup(test_alignment, reset),
		cmocka_unit_test_setup(test_null_buffer, reset),
		cmocka_unit_test_setup(test_count_zero, reset),
		cmocka_unit_test_setup(test_read_only, reset),
		cmocka_unit_test_setup(test_failed, reset),
		cmocka_unit_test_setup(test_flush, reset),
		cmocka_unit_test_setup(test_flush_no_cache, reset),
	};

	return cmocka_run_group_tests(tests, setup_table, NULL);
}
