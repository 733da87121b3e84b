/*
 * Block devices (today: virtio-blk).
 *
 * Devices are numbered from 0 in the order they were found at boot. All
 * positions and counts are in sectors of OS_BLK_SECTOR (512) bytes, the
 * unit virtio uses whatever the device's block size; on a device whose
 * block size is larger, sector and count must both be multiples of
 * block_size / 512.
 *
 * Calls are synchronous: they return when the device has finished the
 * whole transfer. Meanwhile the kernel's event loop runs (drivers and
 * kernel timers go on; the service's callbacks do not run), and signals
 * do not interrupt the call: they are delivered at the next system call.
 * A device that does not finish a request within 30 seconds is given up:
 * that call and every later one on it return -EIO.
 *
 * A transfer may be split into several requests; if one fails the call
 * returns -EIO and the affected sectors (and, for a read, the part of buf
 * they map to) are undefined. Writes may sit in the device's cache until
 * os_blk_flush() returns 0.
 */
#ifndef OS_BLK_H
#define OS_BLK_H

#include <stddef.h>
#include <stdint.h>

#define OS_BLK_SECTOR 512

struct os_blk_info {
	uint64_t sectors;    /* capacity, in 512-byte sectors */
	uint32_t block_size; /* the device's logical block size in bytes
			      * (a power of two, at least 512) */
	int read_only;	     /* 1: writes fail with -EROFS */
	int cache;	     /* 1: the device caches writes, os_blk_flush()
			      * makes them durable; 0: it does not say it
			      * can flush, writes are assumed durable */
	char name[40];	     /* "virtio-blk at pci 00:04.0" */
};

/* The number of block devices. Never fails. */
int os_blk_count(void);

/* Describe device dev. 0, or -ENODEV when there is no such device. */
int os_blk_info(int dev, struct os_blk_info *info);

/* Read count sectors from sector on into buf (count * 512 bytes, any
 * alignment, any memory). 0 when all were read; count 0 does nothing.
 * -ENODEV no such device; -EINVAL the range passes the capacity or is not
 * aligned to the block size; -EFAULT buf is NULL; -EIO the device
 * reported an error or was given up. */
int os_blk_read(int dev, uint64_t sector, void *buf, size_t count);

/* Write count sectors from buf to sector on. 0 when the device took them
 * all (see os_blk_flush); errors as os_blk_read(), and -EROFS on a
 * read-only device (nothing is sent). */
int os_blk_write(int dev, uint64_t sector, const void *buf, size_t count);

/* Make every write that returned before this call durable. 0 (at once
 * when the device has no cache), -ENODEV, or -EIO. */
int os_blk_flush(int dev);

#endif
