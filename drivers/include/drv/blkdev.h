/* The block-device interface drivers offer and drivers/blkdev.c builds
 * include/os/blk.h on. A driver describes each disk in a struct
 * drv_blkdev and registers it; the layer numbers the disks, checks every
 * call (device, range, alignment, buffer, read-only) and brackets the
 * driver's work with interrupts off, so a driver's operations see only
 * requests that are valid for the disk it described. */
#ifndef DRV_BLKDEV_H
#define DRV_BLKDEV_H

#include <stddef.h>
#include <stdint.h>

#define DRV_BLKDEV_MAX 4

struct drv_blkdev;

struct drv_blkdev_ops {
	/* Read (write 0) or write (write 1) count sectors of 512 bytes at
	 * sector, into or from buf (any address the kernel can reach, any
	 * alignment). Called with interrupts off, only with count > 0, a
	 * range inside the disk aligned to its block size, buf not NULL, no
	 * write to a read-only disk, and the disk not failed. Returns 0 when
	 * the whole transfer is done, or a negative errno (-EIO). */
	int (*transfer)(struct drv_blkdev *bd, int write, uint64_t sector,
			void *buf, size_t count);
	/* Make every write done so far durable. Called with interrupts off,
	 * only on a disk with cache set that has not failed. 0 or a negative
	 * errno (-EIO). */
	int (*flush)(struct drv_blkdev *bd);
};

struct drv_blkdev {
	const char *name;    /* for os_blk_info: "virtio-blk at pci 00:04.0";
			      * lives as long as the disk */
	uint64_t sectors;    /* capacity, in 512-byte sectors */
	uint32_t block_size; /* a power of two, at least 512 */
	int read_only;	     /* writes are refused with -EROFS */
	int cache;	     /* writes need a flush to become durable */
	int failed;	     /* the driver gave the disk up: every later call
			      * returns -EIO (set by the driver) */
	const struct drv_blkdev_ops *ops;
	void *ctx; /* the driver's */
};

/* Add bd (filled in, kept by the caller for good) to the table of block
 * devices as the next number, the one os_blk_* calls name it by. 0, or
 * -ENOSPC when DRV_BLKDEV_MAX are registered. */
int drv_blkdev_register(struct drv_blkdev *bd);

#endif
