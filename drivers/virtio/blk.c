/* The virtio block device (virtio 1.x section 5.2), offered as a block
 * device of drv/blkdev.h: drivers/blkdev.c checks the calls of
 * include/os/blk.h and hands this driver the valid ones, interrupts off.
 * A request is a chain: a device-readable header (type, sector), the data
 * (device-readable for writes, device-writable for reads, split at the
 * device's size_max), a device-writable status byte; one indirect table
 * per request when negotiated. Data moves through bounce buffers of the
 * driver's own (1:1) memory, since the service's memory is not
 * identity-mapped; NSLOTS requests are in flight at once so that the
 * device works while the driver copies. Calls wait in the event loop;
 * completions are taken by the queue's interrupt or by the waiter. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <drv/blkdev.h>
#include <drv/devstats.h>
#include <drv/virtio.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/loop.h>
#include <kern/mm.h>

#define BLK_F_SIZE_MAX (1ULL << 1)
#define BLK_F_SEG_MAX (1ULL << 2)
#define BLK_F_RO (1ULL << 5)
#define BLK_F_BLK_SIZE (1ULL << 6)
#define BLK_F_FLUSH (1ULL << 9)

/* Offsets in the configuration (5.2.4). */
#define CFG_CAPACITY 0
#define CFG_SIZE_MAX 8
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0

#define REQQ 0
#define QUEUE_MAX 64
#define NSLOTS 4
#define CHUNK (256 * 1024) /* bounce buffer per request */
#define MAX_SEGS (VIRTQ_INDIRECT_MAX - 2)
#define TIMEOUT_NS (30ULL * 1000000000)
#define SECTOR 512 /* virtio's unit, whatever the block size */
#define PAGE 4096

/* Counters; interrupts and notifications are in the device's
 * drv_virtio_stats. */
struct drv_virtio_blk_stats {
	uint64_t reads, writes, flushes; /* requests made, by kind */
	uint64_t read_bytes, written_bytes;
	uint64_t errors;    /* requests failed (status not OK, time-out) */
	uint64_t ring_full; /* adds the queue refused (then waited) */
};

/* The request header (5.2.6), read by the device. */
struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk;

/* One request's memory (in 1:1 memory) and state. */
struct slot {
	struct blk_hdr hdr;
	uint8_t status; /* written by the device */
	int busy;	/* with the device */
	int taken;	/* came back, result not yet looked at */
	uint8_t *data;	/* CHUNK bytes */
	uint8_t *user;	/* a read's destination */
	uint32_t bytes;
	struct blk *b;
};

struct blk {
	struct drv_virtio_dev *dev;
	struct drv_virtq vq;
	/* bd.failed: a request timed out, the disk is never used again */
	struct drv_blkdev bd;
	uint32_t seg_size; /* bytes per data descriptor */
	uint32_t chunk;	   /* bytes per request */
	struct slot *slots;
	struct drv_virtio_blk_stats stats;
	struct drv_devstats ds;
};

static struct blk blks[DRV_BLKDEV_MAX];
static int nblks;

/* The counters as include/os/devstats.h has them. */
static void fill_stats(const struct drv_devstats *ds, struct os_dev_stats *o)
{
	const struct blk *b = ds->ctx;

	o->requests = b->stats.reads + b->stats.writes + b->stats.flushes;
	o->rx_bytes = b->stats.read_bytes;
	o->tx_bytes = b->stats.written_bytes;
	o->errors = b->stats.errors;
	o->ring_full = b->stats.ring_full;
	o->interrupts = b->dev->stats.interrupts;
	o->notifications = b->dev->stats.notifications;
}

/* Take the requests the device finished. */
static void reap(struct blk *b)
{
	struct slot *s;

	while ((s = drv_virtq_get(&b->vq, 0))) {
		s->busy = 0;
		s->taken = 1;
	}
}

static void blk_irq(void *arg)
{
	reap(arg);
}

static int slot_back(void *arg)
{
	struct slot *s = arg;

	reap(s->b);
	return !s->busy;
}

/* Wait for s to come back; -EIO (and the device given up) on time-out. */
static int wait_slot(struct blk *b, struct slot *s)
{
	if (b->bd.failed)
		return -EIO;
	if (kern_loop_wait(slot_back, s, kern_clock_ns() + TIMEOUT_NS, 0)) {
		b->bd.failed = 1;
		b->stats.errors++;
		drv_virtio_fail(b->dev, "request timed out: device given up");
		return -EIO;
	}
	return 0;
}

/* Wait for s if it is out, then account for it (a read's data is copied
 * to its destination). 0 or -EIO. */
static int finish(struct blk *b, struct slot *s)
{
	int err = s->busy ? wait_slot(b, s) : 0;

	if (err || !s->taken)
		return err;
	s->taken = 0;
	if (s->status != S_OK) {
		b->stats.errors++;
		return -EIO;
	}
	if (s->hdr.type == T_IN) {
		memcpy(s->user, s->data, s->bytes);
		b->stats.read_bytes += s->bytes;
	} else if (s->hdr.type == T_OUT) {
		b->stats.written_bytes += s->bytes;
	}
	return 0;
}

/* The descriptors of s: header, data in seg_size pieces, status. */
static void chain(struct blk *b, struct slot *s, struct drv_sg *out,
		  unsigned *nout, struct drv_sg *in, unsigned *nin)
{
	struct drv_sg *data = s->hdr.type == T_OUT ? out : in;
	unsigned *n = s->hdr.type == T_OUT ? nout : nin;

	out[0] = (struct drv_sg){ &s->hdr, sizeof(s->hdr) };
	*nout = 1;
	*nin = 0;
	for (uint32_t off = 0; off < s->bytes; off += b->seg_size) {
		uint32_t len = s->bytes - off;

		data[(*n)++] = (struct drv_sg){
			s->data + off, len < b->seg_size ? len : b->seg_size
		};
	}
	in[(*nin)++] = (struct drv_sg){ &s->status, 1 };
}

/* Other requests out: wait for one of them. 0, or -EIO when none is out
 * (the queue can never take the request) or on time-out. */
static int wait_any(struct blk *b)
{
	for (int i = 0; i < NSLOTS; i++)
		if (b->slots[i].busy)
			return wait_slot(b, &b->slots[i]);
	return -EIO;
}

/* Hand s (header and data filled in) to the device. 0 or -EIO. */
static int submit(struct blk *b, struct slot *s)
{
	struct drv_sg out[MAX_SEGS + 1], in[MAX_SEGS + 1];
	unsigned nout, nin;
	int err;

	chain(b, s, out, &nout, in, &nin);
	s->status = 0xff; /* not OK until the device says so */
	while (drv_virtq_add(&b->vq, out, nout, in, nin, s) == -ENOSPC) {
		b->stats.ring_full++;
		err = wait_any(b);
		if (err)
			return err;
	}
	s->busy = 1;
	drv_virtio_kick(b->dev, &b->vq);
	return 0;
}

/* Start request s: type at sector, bytes of data (a write's copied in). */
static int start(struct blk *b, struct slot *s, uint32_t type, uint64_t sector,
		 uint8_t *user, uint32_t bytes)
{
	s->hdr = (struct blk_hdr){ type, 0, sector };
	s->user = user;
	s->bytes = bytes;
	if (type == T_OUT)
		memcpy(s->data, user, bytes);
	b->stats.reads += type == T_IN;
	b->stats.writes += type == T_OUT;
	b->stats.flushes += type == T_FLUSH;
	return submit(b, s);
}

/* Wait for every slot; the first error. */
static int drain(struct blk *b)
{
	int err = 0;

	for (int i = 0; i < NSLOTS; i++) {
		int e = finish(b, &b->slots[i]);

		if (!err)
			err = e;
	}
	return err;
}

/* Read or write count sectors in requests of up to chunk bytes, NSLOTS
 * out at once, taken round-robin (drv_blkdev_ops.transfer). */
static int transfer(struct drv_blkdev *bd, int write, uint64_t sector,
		    void *buf, size_t count)
{
	struct blk *b = bd->ctx;
	uint32_t type = write ? T_OUT : T_IN;
	uint8_t *p = buf;
	size_t per = b->chunk / SECTOR;
	int err = 0, e;

	for (unsigned i = 0; count && !err; i = (i + 1) % NSLOTS) {
		struct slot *s = &b->slots[i];
		size_t n = count < per ? count : per;

		err = finish(b, s);
		if (!err)
			err = start(b, s, type, sector, p,
				    (uint32_t)(n * SECTOR));
		p += n * SECTOR;
		sector += n;
		count -= n;
	}
	e = drain(b);
	return err ? err : e;
}

/* Wait for the requests out, then a flush request (drv_blkdev_ops.flush). */
static int flush(struct drv_blkdev *bd)
{
	struct blk *b = bd->ctx;
	int r = drain(b);

	if (!r)
		r = start(b, &b->slots[0], T_FLUSH, 0, 0, 0);
	if (!r)
		r = finish(b, &b->slots[0]);
	return r;
}

static const struct drv_blkdev_ops blk_ops = { transfer, flush };

/* Capacity, block size and segment limits from the configuration (a
 * device whose configuration is too short for them is failed). 0 or
 * -EIO. */
static int read_limits(struct blk *b, uint32_t *seg_max)
{
	struct drv_virtio_dev *d = b->dev;
	uint32_t size_max = 0, bs = 0;

	*seg_max = 0;
	if (drv_virtio_config(d, CFG_CAPACITY, &b->bd.sectors,
			      sizeof(b->bd.sectors)) ||
	    ((d->features & BLK_F_SIZE_MAX) &&
	     drv_virtio_config(d, CFG_SIZE_MAX, &size_max, 4)) ||
	    ((d->features & BLK_F_SEG_MAX) &&
	     drv_virtio_config(d, CFG_SEG_MAX, seg_max, 4)) ||
	    ((d->features & BLK_F_BLK_SIZE) &&
	     drv_virtio_config(d, CFG_BLK_SIZE, &bs, 4)))
		return -EIO;
	b->bd.block_size =
		bs >= SECTOR && bs <= CHUNK && !(bs & (bs - 1)) ? bs : SECTOR;
	b->seg_size =
		size_max && size_max < CHUNK ? size_max & ~(SECTOR - 1) : CHUNK;
	if (!b->seg_size)
		b->seg_size = SECTOR; /* below a sector: the device is odd */
	return 0;
}

/* The largest transfer, from the segment limits and the queue. */
static void set_chunk(struct blk *b, uint32_t seg_max)
{
	uint32_t segs = MAX_SEGS;

	if (seg_max && seg_max < segs)
		segs = seg_max;
	if (!b->vq.indirect && b->vq.size - 2u < segs)
		segs = b->vq.size - 2u;
	b->chunk = b->seg_size * segs < CHUNK ? b->seg_size * segs : CHUNK;
	b->chunk &= ~(b->bd.block_size - 1);
}

/* The slots and their bounce buffers, in 1:1 memory. */
static void alloc_slots(struct blk *b)
{
	size_t meta = (NSLOTS * sizeof(struct slot) + PAGE - 1) / PAGE;
	uint8_t *mem = kern_mm_alloc(meta + NSLOTS * (CHUNK / PAGE));

	b->slots = (struct slot *)mem;
	for (int i = 0; i < NSLOTS; i++) {
		b->slots[i].data =
			mem + (meta + (size_t)i * (CHUNK / PAGE)) * PAGE;
		b->slots[i].b = b;
	}
}

/* 3.1.1 for a block device. */
static int blk_probe(struct drv_virtio_dev *d)
{
	const uint64_t wanted = BLK_F_SIZE_MAX | BLK_F_SEG_MAX | BLK_F_RO |
				BLK_F_BLK_SIZE | BLK_F_FLUSH |
				VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX;
	struct blk *b = &blks[nblks];
	uint32_t seg_max;
	int err;

	if (nblks == DRV_BLKDEV_MAX)
		return drv_virtio_fail(d, "too many block devices");
	err = drv_virtio_start(d, wanted);
	if (err)
		return err;
	b->dev = d;
	if (read_limits(b, &seg_max))
		return -EIO;
	if (drv_virtio_queue(d, REQQ, QUEUE_MAX, &b->vq))
		return drv_virtio_fail(d, "no request queue");
	if (d->ops->irq_attach(d, REQQ, blk_irq, b))
		return drv_virtio_fail(d, "no interrupt for the queue");
	set_chunk(b, seg_max);
	if (b->chunk < b->bd.block_size)
		return drv_virtio_fail(d, "transfer limits below a block");
	b->bd.name = d->name;
	b->bd.read_only = !!(d->features & BLK_F_RO);
	b->bd.cache = !!(d->features & BLK_F_FLUSH);
	b->bd.ops = &blk_ops;
	b->bd.ctx = b;
	alloc_slots(b);
	if (drv_blkdev_register(&b->bd))
		return drv_virtio_fail(d, "too many block devices");
	d->driver_data = b;
	drv_virtio_ready(d);
	nblks++;
	b->ds = (struct drv_devstats){ .driver = "virtio-blk",
				       .fill = fill_stats,
				       .ctx = b };
	snprintf(b->ds.name, sizeof(b->ds.name), "blk%d", nblks - 1);
	drv_devstats_register(&b->ds);
	kern_info("virtio-blk: disk %d: %llu sectors (%llu MiB), %u-byte "
		  "blocks%s%s",
		  nblks - 1, (unsigned long long)b->bd.sectors,
		  (unsigned long long)(b->bd.sectors >> 11), b->bd.block_size,
		  b->bd.read_only ? ", read-only" : "",
		  b->bd.cache ? ", write cache" : "");
	return 0;
}

static const struct drv_virtio_driver blk_driver = {
	"virtio-blk",
	VIRTIO_ID_BLOCK,
	blk_probe,
};

int drv_virtio_blk_register(void)
{
	return drv_virtio_register(&blk_driver);
}
