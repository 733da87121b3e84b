/* The virtio-net driver (virtio 1.x section 5.1): MAC from the
 * configuration, link status from it at probe and on every configuration
 * change the device signals, a receive queue kept full of 2 KiB buffers
 * (merged receive buffers when negotiated, a large frame then arriving
 * over several of them), a transmit queue fed with frames read in place
 * (send_sg: the header from a per-slot array of the driver's, then the
 * frame's pieces) or copied into a small pool of buffers (send), with
 * notifications batched and transmit interrupts off unless the ring is
 * full, both rings worked from the event loop. The checksum and
 * segmentation offloads are taken when offered (net_hdr.c chooses them
 * and writes and reads the headers). Buffers given back to the receive
 * queue during a pass of the loop are published to the device once, at
 * the end of the pass (kern_loop_defer). It offers the network-device
 * interface of drv/netdev.h and knows nothing of any protocol stack. */
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

#include "net_hdr.h"

#define NET_F_MTU VNET_F_MTU
#define NET_MTU_MIN 68 /* the spec's and IPv4's least MTU */
#define NET_F_MAC VNET_F_MAC
#define NET_F_MRG_RXBUF VNET_F_MRG_RXBUF
#define NET_F_STATUS VNET_F_STATUS
#define F_ANY_LAYOUT (1ULL << 27)
#define NET_S_LINK_UP 1
#define CFG_MAC 0 /* struct virtio_net_config (5.1.4) */
#define CFG_STATUS 6
#define CFG_MTU 10

#define RXQ 0
#define TXQ 1
#define QUEUE_MAX 256
#define BUF_SIZE 2048
#define TX_COPY_BUFS 64 /* send's buffers (send_sg needs none) */
#define MAX_NETS 4
#define WATCH_NS 250000000ULL /* a queue's progress looked at (poll) */
/* The most receive buffers a frame may take (header in the first). */
#define RX_FRAME_BUFS                                                   \
	((VNET_RX_FRAME_MAX + sizeof(struct vnet_hdr) + BUF_SIZE - 1) / \
	 BUF_SIZE)

/* A frame on the transmit ring: its header (send_sg's; send's is in its
 * copy buffer), and what to give back once the device is done: a copy
 * buffer, or send_sg's cookie to tx_done. */
struct tx_slot {
	struct vnet_hdr hdr;
	int16_t copy; /* the copy buffer, or -1: send_sg's frame */
	void *cookie;
};

struct vnet {
	struct drv_netdev nd;
	struct drv_virtio_dev *vd;
	struct drv_virtq rxq, txq;
	unsigned hdr_len;
	int split_hdr; /* legacy without ANY_LAYOUT: header apart */
	int mrg;       /* MRG_RXBUF negotiated */
	char *rx_mem;  /* rxq.size buffers of BUF_SIZE */
	char *tx_mem;  /* TX_COPY_BUFS copy buffers of BUF_SIZE */
	struct drv_netbuf *rx_bufs;
	struct tx_slot *tx_slots; /* txq.size: a frame on the ring each */
	uint16_t *slot_free;	  /* stack of free tx_slots */
	unsigned slot_nfree;
	uint16_t *tx_free; /* stack of free copy buffers */
	unsigned tx_nfree;
	struct kern_deferred rx_kick; /* buffers given back during a pass */
	uint64_t watch_at;	      /* the watchdog's last look (poll) */
	uint16_t tx_seen, rx_seen;    /* ... and the used indexes then */
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

static unsigned rx_index(struct vnet *v, struct drv_netbuf *b)
{
	return (unsigned)(b - v->rx_bufs);
}

/* Take the rest of the frame whose first buffer is first[0] (want
 * buffers in all) off the used ring into first[]; those beyond
 * RX_FRAME_BUFS (a broken device) go back at once. Returns how many were
 * taken into first[], the first included. */
static unsigned rx_gather(struct vnet *v, struct vnet_rxbuf *first,
			  unsigned want)
{
	unsigned got = 1, kept = 1;
	struct drv_netbuf *b;
	uint32_t used;

	for (; got < want && (b = drv_virtq_get(&v->rxq, &used)); got++) {
		if (kept == RX_FRAME_BUFS) {
			rx_give_back(v, rx_index(v, b));
			continue;
		}
		first[kept++] = (struct vnet_rxbuf){ b, used };
	}
	return kept;
}

/* One received frame, its first buffer b with used bytes: its other
 * buffers (merged receive buffers) taken, joined and handed over; or, for
 * a broken device or no receiver, every buffer of it given back and one
 * drop counted. */
static void rx_frame(struct vnet *v, struct drv_netbuf *b, uint32_t used)
{
	struct vnet_rxbuf bufs[RX_FRAME_BUFS] = { { b, used } };
	const struct vnet_hdr *h = b->priv;
	uint8_t flags = h->flags;
	unsigned want = 1, got;
	long n;

	if (v->mrg && used >= v->hdr_len) /* else num_buffers is not there */
		want = h->num_buffers;
	got = want ? rx_gather(v, bufs, want) : 1;
	n = vnet_hdr_rx_join(bufs, got, want, v->hdr_len, BUF_SIZE);
	if (n < 0 || !v->rx ||
	    (got > 1 && !(v->nd.offloads & DRV_NETDEV_OFF_RX_LARGE))) {
		v->nd.stats.rx_drops++;
		for (unsigned i = 0; i < got; i++)
			rx_give_back(v, rx_index(v, bufs[i].b));
		return;
	}
	b->csum = vnet_hdr_rx_csum(flags,
				   !!(v->nd.offloads & DRV_NETDEV_OFF_RX_CSUM));
	v->nd.stats.rx_packets++;
	v->nd.stats.rx_bytes += (uint64_t)n;
	v->rx(v->rx_ctx, b);
}

/* Hand every frame the device finished to the receiver. */
static void rx_work(void *arg)
{
	struct vnet *v = arg;
	struct drv_netbuf *b;
	uint32_t len;

	do {
		while ((b = drv_virtq_get(&v->rxq, &len)))
			rx_frame(v, b, len);
	} while (drv_virtq_enable_cb(&v->rxq));
	sync_stats(v);
}

static void vnet_rx_done(struct drv_netdev *nd, struct drv_netbuf *b)
{
	struct vnet *v = vn(nd);

	rx_give_back(v, (unsigned)(b - v->rx_bufs));
}

/* Take back the transmit slots (and copy buffers) of the frames the
 * device is done with, giving send_sg's cookies to tx_done. */
static void tx_reclaim(struct vnet *v)
{
	struct tx_slot *s;

	while ((s = drv_virtq_get(&v->txq, NULL))) {
		if (s->copy >= 0)
			v->tx_free[v->tx_nfree++] = (uint16_t)s->copy;
		else
			drv_netdev_tx_done(&v->nd, s->cookie);
		v->slot_free[v->slot_nfree++] = (uint16_t)(s - v->tx_slots);
	}
}

/* The transmit interrupt's deferred half (asked for only when a send
 * found the ring full): take the finished frames back, and if there is
 * room now, say so to whoever was refused a frame. */
static void tx_work(void *arg)
{
	struct vnet *v = arg;

	tx_reclaim(v);
	drv_virtq_disable_cb(&v->txq); /* only wanted while the ring is full */
	sync_stats(v);
	if (v->slot_nfree)
		drv_netdev_tx_room(&v->nd);
}

/* Whether a slot is free, and a copy buffer too if copy. */
static int tx_have(struct vnet *v, int copy)
{
	return v->slot_nfree && (!copy || v->tx_nfree);
}

/* Whether a transmit slot (and a copy buffer if copy) is free, taking
 * back finished frames first. When none is, ask for the interrupt that
 * says some are (tx_work); if the device finished some meanwhile, no
 * interrupt may come for them: take them now. */
static int tx_slot(struct vnet *v, int copy)
{
	if (!tx_have(v, copy))
		tx_reclaim(v);
	if (!tx_have(v, copy) && drv_virtq_enable_cb(&v->txq))
		tx_reclaim(v);
	return tx_have(v, copy);
}

/* Add the frame of slot s (its n buffers in out) to the ring. When the
 * descriptors run out first (no indirect descriptors: one per buffer),
 * ask for the transmit interrupt as tx_slot does, and try once more if
 * the device finished some meanwhile. 0, or nonzero when refused. */
static int tx_add(struct vnet *v, struct drv_sg *out, unsigned n,
		  struct tx_slot *s)
{
	if (!drv_virtq_add(&v->txq, out, n, NULL, 0, s))
		return 0;
	if (!drv_virtq_enable_cb(&v->txq))
		return -1;
	tx_reclaim(v);
	return drv_virtq_add(&v->txq, out, n, NULL, 0, s);
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
	struct tx_slot *s;
	unsigned c;
	char *buf;

	if (len > nd->mtu + 14 || len > BUF_SIZE - v->hdr_len)
		return -EMSGSIZE;
	if (!tx_slot(v, 1))
		return tx_full(v); /* tx_work says when there is room */
	s = &v->tx_slots[v->slot_free[--v->slot_nfree]];
	c = v->tx_free[--v->tx_nfree];
	s->copy = (int16_t)c;
	buf = v->tx_mem + (size_t)c * BUF_SIZE;
	memset(buf, 0, v->hdr_len);
	memcpy(buf + v->hdr_len, frame, len);
	out[0] = (struct drv_sg){ buf, (uint32_t)(v->hdr_len + len) };
	if (v->split_hdr) {
		out[0].len = v->hdr_len;
		out[1] = (struct drv_sg){ buf + v->hdr_len, (uint32_t)len };
	}
	if (tx_add(v, out, v->split_hdr ? 2 : 1, s)) {
		v->tx_free[v->tx_nfree++] = (uint16_t)c;
		v->slot_free[v->slot_nfree++] = (uint16_t)(s - v->tx_slots);
		return tx_full(v);
	}
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += len;
	return 0;
}

/* The buffers of frame t behind header h: h, then t's non-empty pieces.
 * Returns how many. */
static unsigned tx_sg(struct vnet *v, const struct drv_netdev_tx *t,
		      struct vnet_hdr *h, struct drv_sg *out)
{
	unsigned n = 0;

	out[n++] = (struct drv_sg){ h, v->hdr_len };
	for (unsigned i = 0; i < t->npieces; i++)
		if (t->piece[i].len)
			out[n++] = (struct drv_sg){ (void *)t->piece[i].data,
						    t->piece[i].len };
	return n;
}

static int vnet_send_sg(struct drv_netdev *nd, const struct drv_netdev_tx *t)
{
	struct vnet *v = vn(nd);
	struct drv_sg out[1 + DRV_NETDEV_TX_PIECES];
	struct vnet_hdr h;
	struct tx_slot *s;
	unsigned n;
	int r;

	if ((r = vnet_hdr_tx(t, nd->offloads, nd->mtu + 14, &h)))
		return r;
	if (!v->txq.indirect && 1 + t->npieces > v->txq.size)
		return -EINVAL; /* could never fit the ring */
	if (!tx_slot(v, 0))
		return tx_full(v);
	s = &v->tx_slots[v->slot_free[--v->slot_nfree]];
	*s = (struct tx_slot){ .hdr = h, .copy = -1, .cookie = t->cookie };
	n = tx_sg(v, t, &s->hdr, out);
	if (tx_add(v, out, n, s)) {
		v->slot_free[v->slot_nfree++] = (uint16_t)(s - v->tx_slots);
		return tx_full(v);
	}
	nd->stats.tx_packets++;
	nd->stats.tx_bytes += t->len;
	return 0;
}

static void vnet_tx_reclaim(struct drv_netdev *nd)
{
	tx_reclaim(vn(nd));
}

/* Publish the frames queued since the last flush (drv_virtio_kick does
 * nothing when there are none). */
static void vnet_flush(struct drv_netdev *nd)
{
	struct vnet *v = vn(nd);

	drv_virtio_kick(v->vd, &v->txq);
	sync_stats(v);
}

/* A queue that made no progress for WATCH_NS while it had work out gets
 * one notification even if its event index says it need not: had the
 * device missed one (seen under TCG with two busy host cores: a
 * transmit ring that stays full, or frames that wait in it while the
 * device waits for a notification), nothing would move again. The
 * receive queue is nudged the same way when nothing arrived, in case the
 * device waits to hear of the buffers posted. drv_virtio_kick_full
 * forces at most one notification per stall: a spurious one costs one
 * exit, once. */
static void watchdog(struct vnet *v)
{
	uint64_t now = kern_clock_ns();

	if (now - v->watch_at < WATCH_NS)
		return;
	v->watch_at = now;
	if (v->slot_nfree < v->txq.size && v->txq.last_used == v->tx_seen)
		drv_virtio_kick_full(v->vd, &v->txq);
	if (v->rxq.last_used == v->rx_seen)
		drv_virtio_kick_full(v->vd, &v->rxq);
	v->tx_seen = v->txq.last_used;
	v->rx_seen = v->rxq.last_used;
}

static void vnet_poll(struct drv_netdev *nd)
{
	tx_reclaim(vn(nd));
	rx_work(vn(nd));
	watchdog(vn(nd));
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
	.open = vnet_open,
	.send = vnet_send,
	.flush = vnet_flush,
	.rx_done = vnet_rx_done,
	.poll = vnet_poll,
	.send_sg = vnet_send_sg,
	.tx_reclaim = vnet_tx_reclaim,
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

/* Buffers and bookkeeping for both rings: a receive buffer per receive
 * descriptor, TX_COPY_BUFS copy buffers, a slot per transmit descriptor.
 * The receive buffers are posted. */
static int alloc_buffers(struct vnet *v)
{
	size_t rx_pages = (size_t)v->rxq.size * BUF_SIZE / 4096;
	size_t tx_pages = (size_t)TX_COPY_BUFS * BUF_SIZE / 4096;
	size_t meta =
		v->rxq.size * sizeof(struct drv_netbuf) +
		v->txq.size * (sizeof(struct tx_slot) + sizeof(uint16_t)) +
		TX_COPY_BUFS * sizeof(uint16_t);

	v->rx_mem = kern_mm_alloc(rx_pages + tx_pages + (meta + 4095) / 4096);
	v->tx_mem = v->rx_mem + rx_pages * 4096;
	v->rx_bufs = (struct drv_netbuf *)(v->tx_mem + tx_pages * 4096);
	v->tx_slots = (struct tx_slot *)(v->rx_bufs + v->rxq.size);
	v->slot_free = (uint16_t *)(v->tx_slots + v->txq.size);
	v->tx_free = v->slot_free + v->txq.size;
	for (unsigned i = 0; i < TX_COPY_BUFS; i++)
		v->tx_free[v->tx_nfree++] = (uint16_t)i;
	for (unsigned i = 0; i < v->txq.size; i++)
		v->slot_free[v->slot_nfree++] = (uint16_t)i;
	for (unsigned i = 0; i < v->rxq.size; i++) {
		v->rx_bufs[i].priv = v->rx_mem + (size_t)i * BUF_SIZE;
		rx_post(v, i);
	}
	return 0;
}

/* The features we take of those the device offers: the offloads as
 * net_hdr.c chooses them, less EVENT_IDX under kernel option
 * virtio.no_event_idx (to measure what it saves). */
static uint64_t wanted(uint64_t offered)
{
	uint64_t f = NET_F_MAC | NET_F_STATUS | NET_F_MTU | NET_F_MRG_RXBUF |
		     F_ANY_LAYOUT | VIRTIO_F_EVENT_IDX | VIRTIO_F_INDIRECT_DESC;

	if (drv_virtio_no_event_idx())
		f &= ~VIRTIO_F_EVENT_IDX;
	return vnet_hdr_features(offered, f);
}

static int tx_drained(void *arg)
{
	struct vnet *v = arg;

	tx_reclaim(v);
	return v->slot_nfree == v->txq.size; /* in place and copied */
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
			     sizeof(struct vnet_hdr) :
			     sizeof(struct vnet_hdr) - 2;
	v->split_hdr = d->legacy && !(d->features & F_ANY_LAYOUT);
	v->mrg = !!(d->features & NET_F_MRG_RXBUF);
	v->nd.offloads = vnet_hdr_offloads(d->features);
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
	char off[48];
	int r;

	if (nnets == MAX_NETS)
		return -ENOSPC;
	v = &nets[nnets];
	memset(v, 0, sizeof(*v));
	v->vd = d;
	v->rx_kick = (struct kern_deferred){ .fn = rx_kick, .arg = v };
	d->driver_data = v;
	if ((r = drv_virtio_start_choose(d, wanted)) || (r = read_mac_mtu(v)) ||
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
	vnet_hdr_features_str(d->features, off, sizeof(off));
	kern_info("%s: %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, link %s, "
		  "queues %u/%u%s%s%s",
		  v->nd.name, v->nd.mac[0], v->nd.mac[1], v->nd.mac[2],
		  v->nd.mac[3], v->nd.mac[4], v->nd.mac[5], v->nd.mtu,
		  v->nd.link_up ? "up" : "down", v->rxq.size, v->txq.size,
		  d->features & VIRTIO_F_EVENT_IDX ? ", event-idx" : "",
		  d->features & NET_F_MRG_RXBUF ? ", mergeable rx" : "", off);
	return 0;
}

static const struct drv_virtio_driver virtio_net = { "virtio-net",
						     VIRTIO_ID_NET, probe };

int drv_virtio_net_register(void)
{
	return drv_virtio_register(&virtio_net);
}
