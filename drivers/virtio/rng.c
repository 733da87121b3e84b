/* The virtio entropy device (virtio 1.x section 5.4): one queue, to which
 * the driver gives device-writable buffers that come back filled with
 * random bytes. One buffer is with the device at a time. Its bytes go to
 * the kernel's entropy pool, which asks for them (kern/entropy.h: at
 * registration while unseeded, then whenever it wants fresh input), or
 * to a raw reader (os_random_hw_read()). Completions are taken from the
 * event loop, by the queue's interrupt or by a waiting reader. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <drv/devstats.h>
#include <drv/virtio.h>
#include <kern/entropy.h>
#include <kern/loop.h>
#include <kern/mm.h>

#define REQQ 0
#define QUEUE_MAX 8
#define BUF_SIZE 4096 /* one page */
#define MAX_EMPTY 16  /* empty buffers in a row before a read fails */

/* Counters; interrupts and notifications are in the device's
 * drv_virtio_stats. */
struct drv_virtio_rng_stats {
	uint64_t requests;  /* buffers given to the device */
	uint64_t bytes;	    /* bytes it returned */
	uint64_t pool;	    /* of which went to the entropy pool */
	uint64_t errors;    /* buffers returned empty or overlong */
	uint64_t ring_full; /* buffers the queue refused */
};

struct rng {
	struct drv_virtio_dev *dev;
	struct drv_virtq vq;
	uint8_t *buf;	   /* BUF_SIZE bytes, 1:1 */
	uint32_t posted;   /* size of the buffer with the device, 0: none */
	int for_reader;	   /* ... and it is the raw reader's */
	int reader;	   /* a raw reader waits (the pool's turn waits) */
	int reader_done;   /* its buffer came back */
	uint32_t got;	   /* with this many bytes */
	size_t pool_wants; /* bytes the pool asked for, not yet posted */
	struct drv_virtio_rng_stats stats;
	struct kern_entropy_source src;
	struct drv_devstats ds;
};

static struct rng rng;

/* The counters as include/os/devstats.h has them. */
static void fill_stats(const struct drv_devstats *ds, struct os_dev_stats *o)
{
	const struct rng *r = ds->ctx;

	o->requests = r->stats.requests;
	o->rx_bytes = r->stats.bytes;
	o->errors = r->stats.errors;
	o->ring_full = r->stats.ring_full;
	o->interrupts = r->dev->stats.interrupts;
	o->notifications = r->dev->stats.notifications;
}

/* Give the device the buffer, n bytes of it; 0 or -ENOSPC. */
static int post(struct rng *r, size_t n, int for_reader)
{
	struct drv_sg in = { r->buf, (uint32_t)(n < BUF_SIZE ? n : BUF_SIZE) };

	if (drv_virtq_add(&r->vq, 0, 0, &in, 1, r)) {
		r->stats.ring_full++;
		return -ENOSPC;
	}
	r->posted = in.len;
	r->for_reader = for_reader;
	r->stats.requests++;
	drv_virtio_kick(r->dev, &r->vq);
	return 0;
}

/* Post what the pool asked for, if the device and the reader allow. */
static void post_for_pool(struct rng *r)
{
	if (r->posted || r->reader || !r->pool_wants)
		return;
	if (post(r, r->pool_wants, 0) == 0)
		r->pool_wants = 0;
}

/* The buffer came back with len bytes: to the reader, else the pool. */
static void returned(struct rng *r, uint32_t len)
{
	if (len == 0 || len > r->posted) {
		r->stats.errors++;
		len = 0;
	}
	r->stats.bytes += len;
	if (r->for_reader && r->reader) {
		r->got = len;
		r->reader_done = 1;
	} else if (len) {
		r->stats.pool += len;
		kern_entropy_add(KERN_ENTROPY_VIRTIO_RNG, r->buf, len, len * 8);
	}
	r->posted = 0;
}

/* Take finished buffers; start the pool's next one. */
static void reap(struct rng *r)
{
	uint32_t len;

	while (drv_virtq_get(&r->vq, &len))
		returned(r, len);
	post_for_pool(r);
}

static void rng_irq(void *arg)
{
	reap(arg);
}

/* kern_entropy_source.request: the pool wants n bytes. */
static void rng_request(void *arg, size_t n)
{
	struct rng *r = arg;

	if (n > r->pool_wants)
		r->pool_wants = n;
	post_for_pool(r);
}

static int device_idle(void *arg)
{
	struct rng *r = arg;

	reap(r);
	return !r->posted;
}

static int reader_done(void *arg)
{
	struct rng *r = arg;

	reap(r);
	return r->reader_done;
}

/* One buffer for the reader: wait for the device to be free, post, wait
 * for it. The count, -EINTR or -EIO. */
static long read_once(struct rng *r, void *buf, size_t n)
{
	int err;

	err = kern_loop_wait(device_idle, r, KERN_LOOP_FOREVER, 1);
	if (err)
		return err;
	r->reader_done = 0;
	if (post(r, n, 1))
		return -EIO;
	err = kern_loop_wait(reader_done, r, KERN_LOOP_FOREVER, 1);
	if (err)
		return err; /* the bytes will go to the pool */
	memcpy(buf, r->buf, r->got);
	return r->got;
}

/* kern_entropy_source.read: raw bytes, retrying a few empty buffers. */
static long rng_read(void *arg, void *buf, size_t n)
{
	struct rng *r = arg;
	long got = 0;

	r->reader = 1;
	for (int i = 0; i < MAX_EMPTY && got == 0; i++)
		got = read_once(r, buf, n);
	r->reader = 0;
	if (got == 0)
		got = -EIO;
	post_for_pool(r);
	return got;
}

/* 3.1.1 for an entropy device: no features, one queue, its interrupt. */
static int rng_probe(struct drv_virtio_dev *d)
{
	struct rng *r = &rng;
	int err;

	if (r->dev)
		return drv_virtio_fail(d, "one virtio-rng device is enough");
	err = drv_virtio_start(d, 0);
	if (err)
		return err;
	r->dev = d;
	if (drv_virtio_queue(d, REQQ, QUEUE_MAX, &r->vq))
		return drv_virtio_fail(d, "no request queue");
	r->buf = kern_mm_alloc(1);
	if (d->ops->irq_attach(d, REQQ, rng_irq, r))
		return drv_virtio_fail(d, "no interrupt for the queue");
	d->driver_data = r;
	drv_virtio_ready(d);
	r->ds = (struct drv_devstats){ "rng0", "virtio-rng", fill_stats, r };
	drv_devstats_register(&r->ds);
	r->src = (struct kern_entropy_source){ "virtio-rng",
					       KERN_ENTROPY_VIRTIO_RNG,
					       rng_request, rng_read, r };
	return kern_entropy_register(&r->src) ?
		       drv_virtio_fail(d, "too many entropy sources") :
		       0;
}

static const struct drv_virtio_driver rng_driver = {
	"virtio-rng",
	VIRTIO_ID_RNG,
	rng_probe,
};

int drv_virtio_rng_register(void)
{
	return drv_virtio_register(&rng_driver);
}
