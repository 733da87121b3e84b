/* blktest: block devices inside libos, for the VM tests and measurements.
 * The first argument picks the check, on disk 0:
 *   rw         (a scratch disk) writes patterns of several sizes and
 *              alignments, reads them back, checks the error cases
 *   sha        reads the whole disk, prints its SHA-256 (the test
 *              compares with hashlib)
 *   ro         (a read-only disk) writes fail with EROFS, reads work
 *   ioerr      (reads covering sector 64 fail in the host) such reads
 *              give EIO, others and writes still work
 *   bench M    writes then reads M MiB: MiB/s each way
 * Each prints "blktest: ... ok" and exits 0, or exits 1. */
#include <errno.h>
#include <os/blk.h>
#include <os/loop.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "entropy/sha256.h" /* kernel/entropy/sha256.c, built into this image */

#define SEC OS_BLK_SECTOR
#define BIG 2048 /* sectors: 1 MiB */

static uint8_t wbuf[BIG * SEC + 1], rbuf[BIG * SEC + 1]; /* in the image */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Bytes that differ per sector and per pass. */
static void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static int info(struct os_blk_info *in)
{
	int r = os_blk_info(0, in);

	if (r) {
		printf("blktest: no disk 0 (%d of them): %d\n", os_blk_count(),
		       r);
		return 0;
	}
	printf("blktest: %d disk(s); disk 0 %s: %llu sectors, %u-byte "
	       "blocks, read-only %d, cache %d\n",
	       os_blk_count(), in->name, (unsigned long long)in->sectors,
	       in->block_size, in->read_only, in->cache);
	return 1;
}

/* Write count sectors at sector from wr, read them into rd, compare. */
static int roundtrip(uint64_t sector, size_t count, uint8_t *wr, uint8_t *rd,
		     uint32_t seed)
{
	int w, r;

	pattern(wr, count * SEC, seed);
	memset(rd, 0, count * SEC);
	w = os_blk_write(0, sector, wr, count);
	r = os_blk_read(0, sector, rd, count);
	if (w || r || memcmp(wr, rd, count * SEC)) {
		printf("blktest: %zu sectors at %llu: write %d read %d%s\n",
		       count, (unsigned long long)sector, w, r,
		       w || r ? "" : ", data differs");
		return 0;
	}
	return 1;
}

static int expect(const char *what, int got, int want)
{
	if (got == want)
		return 1;
	printf("blktest: %s: %d, expected %d\n", what, got, want);
	return 0;
}

/* The calls that must fail, and how. */
static int errors(const struct os_blk_info *in)
{
	uint64_t end = in->sectors;
	int ok = 1;

	ok &= expect("past the end", os_blk_read(0, end, rbuf, 1), -EINVAL);
	ok &= expect("across the end", os_blk_write(0, end - 1, wbuf, 2),
		     -EINVAL);
	ok &= expect("huge count", os_blk_read(0, 0, rbuf, (size_t)-1),
		     -EINVAL);
	ok &= expect("no device", os_blk_read(7, 0, rbuf, 1), -ENODEV);
	ok &= expect("NULL buffer", os_blk_read(0, 0, NULL, 1), -EFAULT);
	ok &= expect("zero count", os_blk_read(0, 0, NULL, 0), 0);
	ok &= expect("flush", os_blk_flush(0), 0);
	ok &= expect("flush no device", os_blk_flush(-1), -ENODEV);
	return ok;
}

static int check_rw(void)
{
	struct os_blk_info in;
	uint8_t *heap_w = malloc(BIG * SEC), *heap_r = malloc(BIG * SEC + 1);
	int ok;

	if (!info(&in) || !heap_w || !heap_r || in.sectors < 8192)
		return 0;
	ok = roundtrip(0, 1, wbuf, rbuf, 1);		     /* one sector */
	ok &= roundtrip(7, 300, wbuf + 1, rbuf + 1, 2);	     /* odd buffers */
	ok &= roundtrip(1000, BIG, heap_w, heap_r + 1, 3);   /* 8 requests */
	ok &= roundtrip(in.sectors - 3, 3, wbuf, heap_r, 4); /* the end */
	/* The first writes are still there after the later ones. */
	pattern(wbuf, SEC, 1);
	ok &= os_blk_read(0, 0, rbuf, 1) == 0 && !memcmp(wbuf, rbuf, SEC);
	ok &= errors(&in);
	free(heap_w);
	free(heap_r);
	return ok;
}

static int check_sha(void)
{
	struct os_blk_info in;
	struct kern_sha256 c;
	uint8_t d[KERN_SHA256_SIZE];
	char hex[2 * KERN_SHA256_SIZE + 1];

	if (!info(&in))
		return 0;
	kern_sha256_init(&c);
	for (uint64_t s = 0; s < in.sectors; s += BIG) {
		size_t n = in.sectors - s < BIG ? in.sectors - s : BIG;
		int r = os_blk_read(0, s, rbuf, n);

		if (r) {
			printf("blktest: read at %llu: %d\n",
			       (unsigned long long)s, r);
			return 0;
		}
		kern_sha256_update(&c, rbuf, n * SEC);
	}
	kern_sha256_final(&c, d);
	for (int i = 0; i < KERN_SHA256_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	printf("blktest: sha256 %s of %llu sectors\n", hex,
	       (unsigned long long)in.sectors);
	return 1;
}

static int check_ro(void)
{
	struct os_blk_info in;
	int ok;

	if (!info(&in))
		return 0;
	ok = expect("read-only flag", in.read_only, 1);
	ok &= expect("write", os_blk_write(0, 0, wbuf, 1), -EROFS);
	ok &= expect("empty write", os_blk_write(0, 0, wbuf, 0), -EROFS);
	ok &= expect("read", os_blk_read(0, 0, rbuf, 16), 0);
	ok &= expect("flush", os_blk_flush(0), 0);
	return ok;
}

static int check_ioerr(void)
{
	struct os_blk_info in;
	int ok;

	if (!info(&in))
		return 0;
	ok = expect("read before", os_blk_read(0, 0, rbuf, 64), 0);
	ok &= expect("read over 64", os_blk_read(0, 60, rbuf, 8), -EIO);
	ok &= expect("long read", os_blk_read(0, 0, rbuf, BIG), -EIO);
	ok &= expect("write", os_blk_write(0, 64, wbuf, 1), 0);
	ok &= expect("read after", os_blk_read(0, 65, rbuf, 100), 0);
	return ok;
}

static void rate(const char *what, size_t mib, uint64_t ns, uint64_t irqs)
{
	printf("blktest: %s %zu MiB in %llu ms (%llu interrupts): %llu KiB/s\n",
	       what, mib, (unsigned long long)(ns / 1000000),
	       (unsigned long long)irqs,
	       (unsigned long long)(ns ? (uint64_t)mib * 1024 * 1000000000ULL /
						    ns :
					 0));
}

static int bench(size_t mib)
{
	struct os_blk_info in;
	uint64_t t0, i0;
	int r = 0;

	if (!info(&in) || in.sectors < mib * BIG)
		return 0;
	pattern(wbuf, BIG * SEC, 9);
	t0 = now_ns();
	i0 = os_interrupts();
	for (size_t i = 0; i < mib && !r; i++)
		r = os_blk_write(0, i * BIG, wbuf, BIG);
	if (!r)
		r = os_blk_flush(0);
	rate("write+flush", mib, now_ns() - t0, os_interrupts() - i0);
	t0 = now_ns();
	i0 = os_interrupts();
	for (size_t i = 0; i < mib && !r; i++)
		r = os_blk_read(0, i * BIG, rbuf, BIG);
	rate("read", mib, now_ns() - t0, os_interrupts() - i0);
	return r == 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "rw";
	int ok;

	if (!strcmp(mode, "rw"))
		ok = check_rw();
	else if (!strcmp(mode, "sha"))
		ok = check_sha();
	else if (!strcmp(mode, "ro"))
		ok = check_ro();
	else if (!strcmp(mode, "ioerr"))
		ok = check_ioerr();
	else if (!strcmp(mode, "bench"))
		ok = bench(argc > 2 ? strtoul(argv[2], 0, 0) : 4);
	else
		ok = 0;
	printf("blktest: %s %s\n", mode, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
