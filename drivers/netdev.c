/* The table of network devices, and the raw-frame API of include/os/net.h
 * on top of it: a per-device queue of received buffers that os_net_recv
 * takes from, waiting in the event loop. An optional part of the image
 * (kern/component.h): linked in when the service uses include/os/net.h or
 * the network stack (net/), it brings the network drivers with it. */
#include <errno.h>
#include <string.h>

#include <drv/netdev.h>
#include <drv/virtio.h>
#include <kern/component.h>
#include <kern/loop.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <os/net.h>

#define RAW_QUEUE 256

struct raw {
	struct drv_netbuf *q[RAW_QUEUE];
	unsigned head, tail; /* free-running */
};

static struct drv_netdev *devs[DRV_NETDEV_MAX];
static struct raw raws[DRV_NETDEV_MAX];
static int ndevs;

int drv_netdev_register(struct drv_netdev *nd)
{
	if (ndevs == DRV_NETDEV_MAX)
		return -ENOSPC;
	memcpy(nd->name, "net0", 5);
	nd->name[3] = (char)('0' + ndevs);
	nd->link_up = -1; /* until the driver reports it */
	devs[ndevs++] = nd;
	return 0;
}

void drv_netdev_link(struct drv_netdev *nd, int up)
{
	int was = nd->link_up;

	nd->link_up = !!up;
	if (was == nd->link_up)
		return;
	if (was >= 0) /* the first reading is not a change */
		kern_info("%s: link %s", nd->name, up ? "up" : "down");
	if (nd->on_link)
		nd->on_link(nd->link_ctx, nd->link_up);
}

int drv_netdev_count(void)
{
	return ndevs;
}

struct drv_netdev *drv_netdev_get(int i)
{
	return i >= 0 && i < ndevs ? devs[i] : NULL;
}

int os_net_count(void)
{
	return ndevs;
}

int os_net_info(int dev, struct os_net_info *info)
{
	struct drv_netdev *nd = drv_netdev_get(dev);

	if (!nd)
		return -ENODEV;
	memset(info, 0, sizeof(*info));
	memcpy(info->name, nd->name, sizeof(info->name));
	memcpy(info->mac, nd->mac, 6);
	info->mtu = nd->mtu;
	info->link_up = nd->link_up;
	strncpy(info->driver, nd->driver, sizeof(info->driver) - 1);
	return 0;
}

int os_net_stats(int dev, struct os_net_stats *st)
{
	struct drv_netdev *nd = drv_netdev_get(dev);

	if (!nd)
		return -ENODEV;
	*st = (struct os_net_stats){
		nd->stats.rx_packets,	 nd->stats.rx_bytes,
		nd->stats.rx_drops,	 nd->stats.tx_packets,
		nd->stats.tx_bytes,	 nd->stats.tx_drops,
		nd->stats.tx_ring_full,	 nd->stats.interrupts,
		nd->stats.notifications,
	};
	return 0;
}

/* Give every buffer of the frame whose first buffer is b back to nd's
 * driver. */
static void frame_done(struct drv_netdev *nd, struct drv_netbuf *b)
{
	while (b) {
		struct drv_netbuf *next = b->next; /* b is the driver's now */

		nd->ops->rx_done(nd, b);
		b = next;
	}
}

/* A frame arrived for a raw device: queue it, or drop it when full. */
static void raw_rx(void *ctx, struct drv_netbuf *buf)
{
	struct drv_netdev *nd = ctx;
	struct raw *r = &raws[nd->name[3] - '0'];

	if (r->head - r->tail == RAW_QUEUE) {
		nd->stats.rx_drops++;
		frame_done(nd, buf);
		return;
	}
	r->q[r->head++ % RAW_QUEUE] = buf;
}

/* The raw device dev if the service opened it, else NULL. */
static struct drv_netdev *opened(int dev, int *err)
{
	struct drv_netdev *nd = drv_netdev_get(dev);

	*err = !nd ? -ENODEV : !nd->opened ? -EBADF : 0;
	return *err ? NULL : nd;
}

int os_net_open(int dev)
{
	struct drv_netdev *nd = drv_netdev_get(dev);
	int r;

	if (!nd)
		return -ENODEV;
	if (nd->opened)
		return -EBUSY;
	nd->opened = 1;
	r = nd->ops->open(nd, raw_rx, nd);
	if (r < 0)
		nd->opened = 0; /* not open: the service may try again */
	return r;
}

/* Queue one frame; on a full ring, let the driver reclaim and retry once. */
static int send_one(struct drv_netdev *nd, const void *frame, size_t len)
{
	int r;

	if (len < 14)
		return -EINVAL;
	r = nd->ops->send(nd, frame, len);
	if (r == -EAGAIN) {
		nd->ops->poll(nd);
		r = nd->ops->send(nd, frame, len);
	}
	return r;
}

int os_net_send(int dev, const void *frame, size_t len)
{
	int err;
	struct drv_netdev *nd = opened(dev, &err);

	if (!nd)
		return err;
	err = send_one(nd, frame, len);
	nd->ops->flush(nd);
	return err;
}

int os_net_send_batch(int dev, const void *const *frames, const size_t *lens,
		      int n)
{
	int err, i;
	struct drv_netdev *nd = opened(dev, &err);

	if (!nd)
		return err;
	for (i = 0; i < n; i++) {
		err = send_one(nd, frames[i], lens[i]);
		if (err == -EAGAIN)
			break;
		if (err)
			return i ? i : err;
	}
	nd->ops->flush(nd);
	return i;
}

/* Copy the frame whose first buffer is b (over all its buffers) into buf,
 * cut at size bytes; returns the bytes copied. */
static size_t frame_copy(const struct drv_netbuf *b, void *buf, size_t size)
{
	size_t n = 0;

	for (; b && n < size; b = b->next) {
		size_t k = b->len < size - n ? b->len : size - n;

		memcpy((char *)buf + n, b->data, k);
		n += k;
	}
	return n;
}

static int raw_ready(void *arg)
{
	struct raw *r = arg;

	return r->head != r->tail;
}

ssize_t os_net_recv(int dev, void *buf, size_t size, int64_t timeout_ns)
{
	int err;
	struct drv_netdev *nd = opened(dev, &err);
	struct raw *r = &raws[dev];
	struct drv_netbuf *b;
	size_t n;

	if (!nd)
		return err;
	if (!raw_ready(r)) {
		uint64_t deadline =
			timeout_ns < 0 ? KERN_LOOP_FOREVER :
					 kern_clock_ns() + (uint64_t)timeout_ns;

		err = kern_loop_wait(raw_ready, r, deadline, 1);
		if (err)
			return err == -ETIMEDOUT ? -EAGAIN : err;
	}
	b = r->q[r->tail++ % RAW_QUEUE];
	n = frame_copy(b, buf, size);
	frame_done(nd, b);
	return (ssize_t)n;
}

/* Register the network drivers before the buses are probed. */
static int netdev_setup(struct kern_cmdline *cl)
{
	(void)cl;
	return drv_virtio_net_register();
}

KERN_COMPONENT(netdev, .setup = netdev_setup);
