/* virtio devices, transport-independent (see drv/virtio.h): negotiation,
 * the initialisation steps of the spec's 3.1.1, queues, and the table of
 * device drivers. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include <drv/virtio.h>
#include <kern/clock.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/mm.h>

#define MAX_DRIVERS 8
#define PAGE 4096

static const struct drv_virtio_driver *drivers[MAX_DRIVERS];
static int ndrivers;
static int no_event_idx; /* kernel option virtio.no_event_idx */

void drv_virtio_init(struct kern_cmdline *cl)
{
	if (kern_cmdline_take(cl, "virtio.no_event_idx"))
		no_event_idx = 1;
}

int drv_virtio_no_event_idx(void)
{
	return no_event_idx;
}

const char *drv_virtio_id_name(uint16_t id)
{
	switch (id) {
	case VIRTIO_ID_NET:
		return "virtio-net";
	case VIRTIO_ID_BLOCK:
		return "virtio-blk";
	case VIRTIO_ID_RNG:
		return "virtio-rng";
	default:
		return "virtio device";
	}
}

int drv_virtio_register(const struct drv_virtio_driver *drv)
{
	if (ndrivers == MAX_DRIVERS)
		return -ENOSPC;
	drivers[ndrivers++] = drv;
	return 0;
}

int drv_virtio_add_device(struct drv_virtio_dev *d)
{
	for (int i = 0; i < ndrivers; i++) {
		int r;

		if (drivers[i]->device_id != d->device_id)
			continue;
		r = drivers[i]->probe(d);
		kern_info("virtio: %s (%s): %s", d->name, d->transport_name,
			  r ? "failed" : "up");
		return r;
	}
	kern_info("virtio: %s (%s, device id %u): no driver, left alone",
		  d->name, d->transport_name, d->device_id);
	return -ENODEV;
}

int drv_virtio_negotiate(uint64_t device, uint64_t wanted, int legacy,
			 uint64_t *out)
{
	if (legacy) {
		*out = device & wanted & 0xffffffffULL;
		return 0;
	}
	if (!(device & VIRTIO_F_VERSION_1))
		return -ENOTSUP;
	*out = (device & wanted) | VIRTIO_F_VERSION_1;
	return 0;
}

int drv_virtio_fail(struct drv_virtio_dev *d, const char *why)
{
	d->ops->set_status(d, d->ops->get_status(d) | VIRTIO_STATUS_FAILED);
	kern_info("virtio: %s: %s", d->name, why);
	return -EIO;
}

int drv_virtio_reset(struct drv_virtio_dev *d)
{
	uint64_t deadline;

	d->ops->set_status(d, 0);
	if (d->ops->get_status(d) == 0)
		return 0;
	deadline = kern_clock_ns() + DRV_VIRTIO_RESET_NS;
	while (d->ops->get_status(d) != 0)
		if (kern_clock_ns() >= deadline) {
			drv_virtio_fail(d, "reset not done after 1 s (the "
					   "status never read 0); given up");
			return -ETIMEDOUT;
		}
	return 0;
}

int drv_virtio_config(struct drv_virtio_dev *d, unsigned off, void *buf,
		      unsigned len)
{
	char why[96];

	if (off <= d->config_len && len <= d->config_len - off) {
		d->ops->read_config(d, off, buf, len);
		return 0;
	}
	snprintf(why, sizeof(why),
		 "configuration read of %u bytes at %u is past its %u bytes",
		 len, off, (unsigned)d->config_len);
	return drv_virtio_fail(d, why);
}

/* Add bits to the device status (3.1.1 steps 2, 3, 5, 8). */
static void status_add(struct drv_virtio_dev *d, uint8_t bits)
{
	d->ops->set_status(d, d->ops->get_status(d) | bits);
}

/* drv_virtio_start, the features wanted being choose(offered) if choose
 * is not NULL. */
static int start(struct drv_virtio_dev *d, uint64_t wanted,
		 uint64_t (*choose)(uint64_t offered))
{
	uint64_t features, offered;
	int r;

	if ((r = drv_virtio_reset(d))) /* 1. reset */
		return r;
	status_add(d, VIRTIO_STATUS_ACKNOWLEDGE); /* 2. noticed it */
	status_add(d, VIRTIO_STATUS_DRIVER);	  /* 3. can drive it */
	offered = d->ops->get_features(d);
	if (choose)
		wanted = choose(offered);
	if (drv_virtio_negotiate(offered, wanted, d->legacy,
				 &features)) { /* 4. features */
		drv_virtio_fail(d, "device does not offer VERSION_1");
		return -ENOTSUP;
	}
	d->ops->set_features(d, features);
	d->features = features;
	if (d->legacy)
		return 0; /* legacy devices have no FEATURES_OK */
	status_add(d, VIRTIO_STATUS_FEATURES_OK);		  /* 5. */
	if (!(d->ops->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) /* 6. */
		return drv_virtio_fail(d, "device refused our features");
	return 0;
}

int drv_virtio_start(struct drv_virtio_dev *d, uint64_t wanted)
{
	return start(d, wanted, NULL);
}

int drv_virtio_start_choose(struct drv_virtio_dev *d,
			    uint64_t (*choose)(uint64_t offered))
{
	return start(d, 0, choose);
}

int drv_virtio_queue(struct drv_virtio_dev *d, unsigned index,
		     uint16_t max_size, struct drv_virtq *vq)
{
	uint16_t size = d->ops->queue_max(d, index);
	int indirect = !!(d->features & VIRTIO_F_INDIRECT_DESC);
	size_t pages, ipages, n;
	char *mem;
	int r;

	if (!size)
		return -ENOENT;
	if (size > max_size && !d->fixed_queue_size)
		size = max_size;
	if (size & (size - 1))
		return drv_virtio_fail(d, "queue size is not a power of 2");
	pages = (drv_virtq_mem_size(size) + PAGE - 1) / PAGE;
	ipages = indirect ? (drv_virtq_indirect_size(size) + PAGE - 1) / PAGE :
			    0;
	n = pages + ipages + (size * sizeof(void *) + PAGE - 1) / PAGE;
	mem = kern_mm_alloc(n);
	drv_virtq_init(vq, (uint16_t)index, size, mem,
		       (void **)(mem + (pages + ipages) * PAGE),
		       indirect ? mem + pages * PAGE : NULL,
		       !!(d->features & VIRTIO_F_EVENT_IDX));
	if ((r = d->ops->queue_enable(d, vq)))
		kern_mm_free(mem, n); /* the queue was not enabled */
	return r;
}

void drv_virtio_ready(struct drv_virtio_dev *d)
{
	status_add(d, VIRTIO_STATUS_DRIVER_OK);
}

void drv_virtio_kick(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	if (drv_virtq_kick_needed(vq)) {
		d->ops->notify(d, vq);
		d->stats.notifications++;
	}
}

void drv_virtio_kick_full(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	if (drv_virtq_kick_full(vq)) {
		d->ops->notify(d, vq);
		d->stats.notifications++;
	}
}
