/* The table of block devices, and include/os/blk.h on top of it: each call
 * names a device by number, is checked here against what its driver
 * described (range, alignment, buffer, read-only, a failed disk), and
 * reaches the driver with interrupts off. The service calls with them on;
 * the driver waits in the event loop as the loop itself runs. An image
 * whose service calls os_blk_* links this file, whose component brings
 * the virtio-blk driver in; one that never does has neither. */
#include <errno.h>
#include <string.h>

#include <arch/irq.h>
#include <drv/blkdev.h>
#include <drv/virtio.h>
#include <kern/component.h>
#include <os/blk.h>

static struct drv_blkdev *devs[DRV_BLKDEV_MAX];
static int ndevs;

/* The component's setup, at boot before devices are probed: the drivers
 * of block devices (today virtio-blk) are registered. */
static int blk_setup(struct kern_cmdline *cl)
{
	(void)cl;
	return drv_virtio_blk_register();
}

KERN_COMPONENT(blk, .setup = blk_setup);

int drv_blkdev_register(struct drv_blkdev *bd)
{
	if (ndevs == DRV_BLKDEV_MAX)
		return -ENOSPC;
	devs[ndevs++] = bd;
	return 0;
}

static struct drv_blkdev *lookup(int dev)
{
	return dev >= 0 && dev < ndevs ? devs[dev] : NULL;
}

/* Checks common to reads and writes; 1 when there is nothing to do. */
static int check(const struct drv_blkdev *bd, uint64_t sector, const void *buf,
		 size_t count)
{
	uint64_t per_block = bd->block_size / OS_BLK_SECTOR;

	if (count > bd->sectors || sector > bd->sectors - count ||
	    sector % per_block || count % per_block)
		return -EINVAL;
	if (count && !buf)
		return -EFAULT;
	if (bd->failed)
		return -EIO;
	return count == 0;
}

/* A checked read or write handed to the driver, interrupts off. */
static int io(int dev, int write, uint64_t sector, void *buf, size_t count)
{
	struct drv_blkdev *bd = lookup(dev);
	int r, was;

	if (!bd)
		return -ENODEV;
	if (write && bd->read_only)
		return -EROFS;
	r = check(bd, sector, buf, count);
	if (r)
		return r < 0 ? r : 0;
	was = arch_irq_save();
	r = bd->ops->transfer(bd, write, sector, buf, count);
	arch_irq_restore(was);
	return r;
}

int os_blk_count(void)
{
	return ndevs;
}

int os_blk_info(int dev, struct os_blk_info *info)
{
	struct drv_blkdev *bd = lookup(dev);

	if (!bd)
		return -ENODEV;
	*info = (struct os_blk_info){ .sectors = bd->sectors,
				      .block_size = bd->block_size,
				      .read_only = bd->read_only,
				      .cache = bd->cache };
	strncpy(info->name, bd->name, sizeof(info->name) - 1);
	return 0;
}

int os_blk_read(int dev, uint64_t sector, void *buf, size_t count)
{
	return io(dev, 0, sector, buf, count);
}

int os_blk_write(int dev, uint64_t sector, const void *buf, size_t count)
{
	return io(dev, 1, sector, (void *)buf, count);
}

int os_blk_flush(int dev)
{
	struct drv_blkdev *bd = lookup(dev);
	int r, was;

	if (!bd)
		return -ENODEV;
	if (bd->failed)
		return -EIO;
	if (!bd->cache)
		return 0;
	was = arch_irq_save();
	r = bd->ops->flush(bd);
	arch_irq_restore(was);
	return r;
}
