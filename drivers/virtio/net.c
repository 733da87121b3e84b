/* The virtio-net driver (virtio 1.x section 5.1): MAC from the
 * configuration, link status from it at probe and on every configuration
 * change the device signals, a receive queue kept full of 2 KiB buffers
 * (merged receive buffers when negotiated), a transmit queue fed from a
 * pool of buffers with notifications batched and transmit interrupts off
 * unless the ring is full, both rings worked from the event loop. Buffers
 * given back to the receive queue during a pass of the loop are published
 * to the device once, at the end of the pass (kern_loop_defer). It offers
 * the network-device interface of drv/netdev.h and knows nothing of any
 * protocol stack. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <drv/devstats.h>
#include <drv/netdev.h>
#include <drv/virtio.h>
#include <kern/clock.h>
#include <kern/cmdline.h>
#include <kern/exit.h>
#include <kern/loop.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/mm.h>

#define NET_F_CSUM (1ULL << 0)
#define NET_F_GUEST_CSUM (1ULL << 1)
#define NET_F_MTU (1ULL << 3)
#define NET_MTU_MIN 68 /* the spec's and IPv4's least MTU */
#define NET_F_MAC (1ULL << 5)
#define NET_F_MRG_RXBUF (1ULL << 15)
#define NET_F_STATUS (1ULL << 16)
#define F_ANY_LAYOUT (1ULL << 27)
#define NET_S_LINK_UP 1
#define CFG_MAC 0 /* struct virtio_net_config (5.1.4) */
#define CFG_STATUS 6
#define CFG_MTU 10
#define HDR_F_DATA_VALID 2

#define RXQ 0
#define TXQ 1
#define QUEUE_MAX 256
#define BUF_SIZE 2048
#define MAX_NETS 4

/* The header before every frame (5.1.6); num_buffers exists with
 * VERSION_1 or MRG_RXBUF, else the header is 10 bytes. */
struct net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

struct vnet {
	struct drv_netdev nd;
	struct drv_virtio_dev *vd;
	struct drv_virtq rxq, txq;
	unsigned hdr_len;
	int split_hdr;	       /* legacy without ANY_LAYOUT: header apart */
	int mrg;	       /* MRG_RXBUF negotiated */
	char *rx_mem, *tx_mem; /* queue-size buffers of BUF_SIZE each */
	struct drv_netbuf *rx_bufs;
	uint16_t *tx_free; /* stack of free transmit buffer slots */
	unsigned tx_nfree;
	struct kern_deferred rx_kick; /* buffers given back during a pass */
	drv_netdev_rx_fn rx;
	void *rx_ctx;
	char driver[40];
	struct drv_devstats ds;
};

static struct vnet nets[MAX_NETS];
static int nnets;

static struct vnet *vn(struct drv_netdev *nd)
{
	return nd->priv;
}

/* Offer receive buffer i to the device (header and frame in place). */
static void rx_post(struct vnet *v, unsigned i)
{
	char *buf = v->rx_mem + (size_t)i * BUF_SIZE;
	struct drv_sg in[2] = { { buf, BUF_SIZE } };

	if (v->split_hdr) {
		in[0].len = v->hdr_len;
		in[1] = (struct drv_sg){ buf + v->hdr_len,
					 BUF_SIZE - v->hdr_len };
	}
	drv_virtq_add(&v->rxq, NULL, 0, in, v->split_hdr ? 2 : 1,
		      &v->rx_bufs[i]);
}

/* Publish the receive buffers posted since the last time, notifying the
 * device if it asks for it. */
static void rx_kick(void *arg)
{
	struct vnet *v = arg;

	drv_virtio_kick(v->vd, &v->rxq);
}

/* Offer buffer i again: to the device at the end of the loop's pass, with
 * every other buffer given back in it; at once outside a pass (the
 * service handing a buffer back). */
static void rx_give_back(struct vnet *v, unsigned i)
{
	rx_post(v, i);
	if (kern_loop_in_pass())
		kern_loop_defer(&v->rx_kick);
	else
		rx_kick(v);
}

static void sync_stats(struct vnet *v);

/* The counters as include/os/devstats.h has them. */
static void fill_stats(const struct drv_devstats *ds, struct os_dev_stats *o)
{
	struct vnet *v = ds->ctx;

	sync_stats(v);
	o->rx_packets = v->nd.stats.rx_packets;
	o->rx_bytes = v->nd.stats.rx_bytes;
	o->tx_packets = v->nd.stats.tx_packets;
	o->tx_bytes = v->nd.stats.tx_bytes;
	o->drops = v->nd.stats.rx_drops + v->nd.stats.tx_drops;
	o->ring_full = v->nd.stats.tx_ring_full;
	o->interrupts = v->nd.stats.interrupts;
	o->notifications = v->nd.stats.notifications;
}

/* The transport's counters, as the network device reports them. */
static void sync_stats(struct vnet *v)
{
	v->nd.stats.interrupts = v->vd->stats.interrupts;
	v->nd.stats.notifications = v->vd->stats.notifications;
}

/* A frame spread over more buffers than one (only with large receive
 * offloads, which are not negotiated): give the rest of it back. The
 * caller drops (and counts) the frame once. */
static void drop_extra(struct vnet *v, unsigned n)
{
	struct drv_netbuf *b;

	while (n-- && (b = drv_virtq_get(&v->rxq, NULL)))
		rx_give_back(v, (unsigned)(b - v->rx_bufs));
}

/* Hand every frame the device finished to the receiver. */
static void rx_work(void *arg)
{
	struct vnet *v = arg;
	struct drv_netbuf *b;
	uint32_t len;

	do {
		while ((b = drv_virtq_get(&v->rxq, &len))) {
			const struct net_hdr *h =
				(const void *)((char *)b->priv);

			if (v->mrg &&
			    h->num_buffers > 1) { /* never at our MTU */
				drop_extra(v, h->num_buffers - 1);
				len = 0;
			}
			if (len <= v->hdr_len || !v->rx) {
				v->nd.stats.rx_drops++;
				rx_give_back(v, (unsigned)(b - v->rx_bufs));
				continue;
			}
			b->data = (char *)b->priv + v->hdr_len;
			b->len = len - v->hdr_len;
			b->csum = h->flags & HDR_F_DATA_VALID ?
					  DRV_NETBUF_CSUM_VALID :
					  DRV_NETBUF_CSUM_NONE;
			b->tot_len = b->len;
			b->next = NULL;
			v->nd.stats.rx_packets++;
			v->nd.stats.rx_bytes += b->len;
			v->rx(v->rx_ctx, b);
		}
	} while (drv_virtq_enable_cb(&v->rxq));
	sync_stats(v);
}

static void vnet_rx_done(struct drv_netdev *nd, struct drv_netbuf *b)
{
	struct vnet *v = vn(nd);

	rx_give_back(v, (unsigned)(b - v->rx_bufs));
}

/* Take back the transmit buffers the device is done with. */
static void tx_reclaim(struct vnet *v)
{
	void *slot;

	while ((slot = drv_virtq_get(&v->txq, NULL)))
		v->tx_free[v->tx_nfree++] =
			(uint16_t)(((char *)slot - v->tx_mem) / BUF_SIZE);
}

/* The transmit interrupt's deferred half (asked for only when a send
 * found the ring full): take the finished buffers back, and if there is
 * room now, say so to whoever was refused a frame. */
static void tx_work(void *arg)
{
	struct vnet *v = arg;

	tx_reclaim(v);
	drv_virtq_disable_cb(&v->txq); /* only wanted while the ring is full */
	sync_stats(v);
	if (v->tx_nfree)
		drv_netdev_tx_room(&v->nd);
}

/* Whether a transmit buffer is free, taking back finished ones first.
 * When none is, ask for the interrupt that says some are (tx_work); if
 * the device finished some meanwhile, no interrupt may come for them:
 * take them now. */
static int tx_slot(struct vnet *v)
{
	if (!v->tx_nfree)
		tx_reclaim(v);
	if (!v->tx_nfree && drv_virtq_enable_cb(&v->txq))
		tx_reclaim(v);
	return v->tx_nfree != 0;
}

/* Add buffer buf (its frame in out) to the ring. When the descriptors
 * run out first (two per frame, a legacy device without ANY_LAYOUT),
 * ask for the transmit interrupt as tx_slot does, and try once more if
 * the device finished some meanwhile. 0, or nonzero when refused. */
static int tx_add(struct vnet *v, struct drv_sg *out, char *buf)
{
	unsigned n = v->split_hdr ? 2 : 1;

	if (!drv_virtq_add(&v->txq, out, n, NULL, 0, buf))
		return 0;
	if (!drv_virtq_enable_cb(&v->txq))
		return -1;
	tx_reclaim(v);
	return drv_virtq_add(&v->txq, out, n, NULL, 0, buf);
}

/* A frame refused: the ring is full. The device is notified even if its
 * event index says it need not be: had it missed a notification (seen
 * under QEMU's TCG with one vCPU, whose guest fences are likely no fences
 * for the device's thread), it would wait for one while the ring stays
 * full, and no frame would go out again. Once per frame it finished since
 * (drv_virtio_kick_full), not once per refusal. -EAGAIN. */
static int tx_full(struct vnet *v)
{
	v->nd.stats.tx_ring_full++;
	drv_virtio_kick_full(v->vd, &v->txq);
	return -EAGAIN;
}

static int vnet_send(struct drv_netdev *nd, const void *frame, size_t len)
{
	struct vnet *v = vn(nd);
	struct drv_sg out[2];
	char *buf;

	if (len > nd->mtu + 14 || len > BUF_SIZE - v->hdr_len)
		return -EMSGSIZE;
	if (!tx_slot(v))
		return tx_full(v); /* tx_work says when there is room */
	buf = v->tx_mem + (size_t)v->tx_free[--v->tx_nfree] * BUF_SIZE;
	memset(buf, 0, v->hdr_len);
	memcpy(buf + v->hdr_len, frame, len);
	out[0] = (struct drv_sg){ buf, (uint32_t)(v->hdr_len + len) };
	if (v->split_hdr) {
		out[0].len = v->hdr_len;
		out[1] = (struct drv_sg){ buf + v->hdr_len, (uint32_t)len };
	}
	if (tx_add(v, out, buf)) {
		v->tx_free[v->tx_nfree++] =
			(uint16_t)((buf - v->tx_mem) / BUF_SIZE);
		return tx_full(v);
	}
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += len;
	return 0;
}

/* Publish the frames queued since the last flush (drv_virtio_kick does
 * nothing when there are none). */
static void vnet_flush(struct drv_netdev *nd)
{
	struct vnet *v = vn(nd);

	drv_virtio_kick(v->vd, &v->txq);
	sync_stats(v);
}

static void vnet_poll(struct drv_netdev *nd)
{
	tx_reclaim(vn(nd));
	rx_work(vn(nd));
}

static int vnet_open(struct drv_netdev *nd, drv_netdev_rx_fn rx, void *ctx)
{
	vn(nd)->rx_ctx = ctx;
	vn(nd)->rx = rx;
	rx_kick(vn(nd)); /* the buffers posted at probe */
	rx_work(vn(nd)); /* frames that came before */
	return 0;
}

static const struct drv_netdev_ops ops = {
	vnet_open, vnet_send, vnet_flush, vnet_rx_done, vnet_poll,
};

/* The device signalled a configuration change (and at probe): the link
 * status from the configuration, always up without NET_F_STATUS, to the
 * network-device layer. */
static void config_changed(void *arg)
{
	struct vnet *v = arg;
	uint16_t status = NET_S_LINK_UP;

	if ((v->vd->features & NET_F_STATUS) &&
	    drv_virtio_config(v->vd, CFG_STATUS, &status, 2))
		return; /* checked at probe: cannot happen */
	drv_netdev_link(&v->nd, !!(status & NET_S_LINK_UP));
}

/* MAC address and MTU from the configuration, whose status field must
 * be there too when negotiated. 0, or -EIO when the configuration is too
 * short for the features (the device is then failed). */
static int read_mac_mtu(struct vnet *v)
{
	struct drv_virtio_dev *d = v->vd;
	uint16_t mtu = 1500, status;

	if (d->features & NET_F_MAC) {
		if (drv_virtio_config(d, CFG_MAC, v->nd.mac, 6))
			return -EIO;
	} else { /* a random, locally administered unicast address */
		kern_random(v->nd.mac, 6); /* never waits for the pool */
		v->nd.mac[0] = (uint8_t)((v->nd.mac[0] & 0xfe) | 0x02);
	}
	if (((d->features & NET_F_MTU) &&
	     drv_virtio_config(d, CFG_MTU, &mtu, 2)) ||
	    ((d->features & NET_F_STATUS) &&
	     drv_virtio_config(d, CFG_STATUS, &status, 2)))
		return -EIO;
	if (mtu < NET_MTU_MIN) { /* virtio 1.x 5.1.4.1: 68 at least */
		kern_error("%s: device MTU %u below %u: device refused",
			   v->nd.name, mtu, NET_MTU_MIN);
		return -EIO;
	}
	v->nd.mtu = mtu > 1500 ? 1500 : mtu; /* our buffers hold 1500 */
	return 0;
}

/* Buffers and bookkeeping for both rings. */
static int alloc_buffers(struct vnet *v)
{
	size_t rx_pages = (size_t)v->rxq.size * BUF_SIZE / 4096;
	size_t tx_pages = (size_t)v->txq.size * BUF_SIZE / 4096;
	size_t meta = v->rxq.size * sizeof(struct drv_netbuf) +
		      v->txq.size * sizeof(uint16_t);

	v->rx_mem = kern_mm_alloc(rx_pages + tx_pages + (meta + 4095) / 4096);
	v->tx_mem = v->rx_mem + rx_pages * 4096;
	v->rx_bufs = (struct drv_netbuf *)(v->tx_mem + tx_pages * 4096);
	v->tx_free = (uint16_t *)(v->rx_bufs + v->rxq.size);
	for (unsigned i = 0; i < v->txq.size; i++)
		v->tx_free[v->tx_nfree++] = (uint16_t)i;
	for (unsigned i = 0; i < v->rxq.size; i++) {
		v->rx_bufs[i].priv = v->rx_mem + (size_t)i * BUF_SIZE;
		rx_post(v, i);
	}
	return 0;
}

/* The features we take, less EVENT_IDX under kernel option
 * virtio.no_event_idx (to measure what it saves). */
static uint64_t wanted(void)
{
	/* Not VIRTIO_NET_F_GUEST_CSUM: with it the host may hand over
	 * frames whose checksum is only partial (NEEDS_CSUM), which a stack
	 * that verifies checksums (lwIP) would drop. */
	uint64_t f = NET_F_MAC | NET_F_STATUS | NET_F_MTU | NET_F_MRG_RXBUF |
		     F_ANY_LAYOUT | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC;

	return drv_virtio_no_event_idx() ? f & ~VIRTIO_F_EVENT_IDX : f;
}

static int tx_drained(void *arg)
{
	struct vnet *v = arg;

	tx_reclaim(v);
	return v->tx_nfree == v->txq.size;
}

/* At exit: give the device up to 100 ms to send what is queued, so the
 * last frames are not lost when the VM stops. */
static void drain_all(void)
{
	for (int i = 0; i < nnets; i++) {
		vnet_flush(&nets[i].nd);
		kern_loop_wait(tx_drained, &nets[i],
			       kern_clock_ns() + 100000000ULL, 0);
	}
}

static int setup_queues(struct vnet *v)
{
	struct drv_virtio_dev *d = v->vd;

	if (drv_virtio_queue(d, RXQ, QUEUE_MAX, &v->rxq) ||
	    drv_virtio_queue(d, TXQ, QUEUE_MAX, &v->txq))
		return drv_virtio_fail(d, "cannot set up its queues");
	v->hdr_len = (d->features & (VIRTIO_F_VERSION_1 | NET_F_MRG_RXBUF)) ?
			     sizeof(struct net_hdr) :
			     sizeof(struct net_hdr) - 2;
	v->split_hdr = d->legacy && !(d->features & F_ANY_LAYOUT);
	v->mrg = !!(d->features & NET_F_MRG_RXBUF);
	alloc_buffers(v);
	if (d->ops->irq_attach(d, RXQ, rx_work, v) ||
	    d->ops->irq_attach(d, TXQ, tx_work, v))
		return drv_virtio_fail(d, "no interrupt for its queues");
	if (d->ops->irq_attach(d, DRV_VIRTIO_CONFIG_IRQ, config_changed, v))
		kern_info("%s: no interrupt for configuration changes: link "
			  "changes go unseen",
			  d->name);
	drv_virtq_disable_cb(&v->txq);
	return 0;
}

static int probe(struct drv_virtio_dev *d)
{
	struct vnet *v;
	int r;

	if (nnets == MAX_NETS)
		return -ENOSPC;
	v = &nets[nnets];
	memset(v, 0, sizeof(*v));
	v->vd = d;
	v->rx_kick = (struct kern_deferred){ .fn = rx_kick, .arg = v };
	d->driver_data = v;
	if ((r = drv_virtio_start(d, wanted())) || (r = read_mac_mtu(v)) ||
	    (r = setup_queues(v)))
		return r;
	v->nd.ops = &ops;
	v->nd.priv = v;
	snprintf(v->driver, sizeof(v->driver), "virtio-net (%s)",
		 d->transport_name);
	v->nd.driver = v->driver;
	if (drv_netdev_register(&v->nd))
		return drv_virtio_fail(d, "too many network devices");
	if (nnets++ == 0)
		kern_atexit(drain_all);
	v->ds = (struct drv_devstats){ .driver = v->driver,
				       .fill = fill_stats,
				       .ctx = v };
	memcpy(v->ds.name, v->nd.name, sizeof(v->nd.name));
	drv_devstats_register(&v->ds);
	drv_virtio_ready(d);
	config_changed(v); /* the first reading, not logged as a change */
	kern_info("%s: %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, link %s, "
		  "queues %u/%u%s%s",
		  v->nd.name, v->nd.mac[0], v->nd.mac[1], v->nd.mac[2],
		  v->nd.mac[3], v->nd.mac[4], v->nd.mac[5], v->nd.mtu,
		  v->nd.link_up ? "up" : "down", v->rxq.size, v->txq.size,
		  d->features & VIRTIO_F_EVENT_IDX ? ", event-idx" : "",
		  d->features & NET_F_MRG_RXBUF ? ", mergeable rx" : "");
	return 0;
}

static const struct drv_virtio_driver virtio_net = { "virtio-net",
						     VIRTIO_ID_NET, probe };

int drv_virtio_net_register(void)
{
	return drv_virtio_register(&virtio_net);
}
