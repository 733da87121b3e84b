/* Unit tests of the virtio-net driver (drivers/virtio/net.c) on the real
 * virtio and virtqueue code, against a device simulated here from the
 * device side of virtio 1.x 5.1.6: it takes the driver's receive buffers
 * off the available ring and returns frames in them (merged over several
 * when it says so in num_buffers, or broken in the ways a bad device can
 * break them), and reads transmitted chains (indirect or direct),
 * checking the header comes alone first and the frame's pieces follow in
 * place. Checked: the offloads negotiated and logged; send_sg's chain
 * and header, its cookie to tx_done once per frame when reclaimed (op,
 * poll, the transmit interrupt, the exit drain); the ring full for both
 * paths (-EAGAIN, the room callback once the device returns frames);
 * send's pool of copy buffers; received chains and their checksum
 * status; a broken device's frames dropped with every buffer given back.
 * The kernel below the driver (memory, log, loop, clock, exit hooks, the
 * netdev and devstats tables) is stubbed here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <drv/devstats.h>
#include <drv/netdev.h>
#include <drv/virtio.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/exit.h>
#include <kern/loop.h>
#include <kern/mm.h>

#include "net_hdr.h"

#define V1 VIRTIO_F_VERSION_1
#define F_INDIRECT VIRTIO_F_INDIRECT_DESC
#define OFFERED_ALL                                                          \
	(V1 | F_INDIRECT | VIRTIO_F_EVENT_IDX | VNET_F_MAC | VNET_F_STATUS | \
	 VNET_F_MRG_RXBUF | VNET_F_CSUM | VNET_F_GUEST_CSUM |                \
	 VNET_F_HOST_TSO4 | VNET_F_HOST_TSO6 | VNET_F_GUEST_TSO4 |           \
	 VNET_F_GUEST_TSO6)
#define HDR 12
#define BUF 2048

/* ---- kernel stubs ---- */

static char log_text[4096];

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(log_text);

	(void)level;
	va_start(ap, fmt);
	vsnprintf(log_text + n, sizeof(log_text) - n, fmt, ap);
	va_end(ap);
}

void *kern_mm_alloc(size_t n)
{
	void *p = aligned_alloc(4096, n * 4096);

	assert_non_null(p);
	memset(p, 0, n * 4096);
	return p; /* kept for the program's life: the driver never frees */
}

void kern_mm_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

uint64_t kern_clock_ns(void)
{
	static uint64_t now;

	return now += 1000000;
}

int kern_random(void *buf, size_t n)
{
	memset(buf, 0x5a, n);
	return 0;
}

static void (*exit_fn)(void);

int kern_atexit(void (*fn)(void))
{
	exit_fn = fn;
	return 0;
}

int kern_loop_in_pass(void)
{
	return 0;
}

void kern_loop_defer(struct kern_deferred *d)
{
	d->fn(d->arg);
}

static void (*while_waiting)(void); /* the device's work during a wait */

int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible)
{
	(void)deadline;
	(void)interruptible;
	for (int i = 0; i < 100; i++) {
		if (cond(arg))
			return 0;
		if (while_waiting)
			while_waiting();
	}
	return -ETIMEDOUT;
}

static struct drv_netdev *registered[4];
static int nregistered;

int drv_netdev_register(struct drv_netdev *nd)
{
	snprintf(nd->name, sizeof(nd->name), "net%d", nregistered);
	registered[nregistered++] = nd;
	return 0;
}

void drv_netdev_link(struct drv_netdev *nd, int up)
{
	nd->link_up = up;
}

int drv_devstats_register(struct drv_devstats *ds)
{
	(void)ds;
	return 0;
}

/* ---- the simulated device ---- */

struct sim {
	struct drv_virtio_dev dev;
	uint8_t status;
	uint64_t offered;
	uint16_t qsize;
	struct drv_virtq *vq[2];
	kern_irq_fn irq[2];
	void *irq_arg[2];
	uint16_t last_avail[2];
	uint8_t config[16];
};

static struct sim *sm(struct drv_virtio_dev *d)
{
	return d->transport;
}

static uint8_t s_get_status(struct drv_virtio_dev *d)
{
	return sm(d)->status;
}

static void s_set_status(struct drv_virtio_dev *d, uint8_t s)
{
	sm(d)->status = s;
}

static uint64_t s_get_features(struct drv_virtio_dev *d)
{
	return sm(d)->offered;
}

static void s_set_features(struct drv_virtio_dev *d, uint64_t f)
{
	(void)d;
	(void)f;
}

static void s_read_config(struct drv_virtio_dev *d, unsigned off, void *buf,
			  unsigned len)
{
	memcpy(buf, sm(d)->config + off, len);
}

static uint16_t s_queue_max(struct drv_virtio_dev *d, unsigned q)
{
	return q < 2 ? sm(d)->qsize : 0;
}

static int s_queue_enable(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	sm(d)->vq[vq->index] = vq;
	return 0;
}

static void s_notify(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	(void)d;
	(void)vq;
}

static int s_irq_attach(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
			void *arg)
{
	if (q < 2) {
		sm(d)->irq[q] = fn;
		sm(d)->irq_arg[q] = arg;
	}
	return 0;
}

static const struct drv_virtio_ops sim_ops = {
	s_get_status,	s_set_status,  s_get_features,
	s_set_features, s_read_config, s_queue_max,
	s_queue_enable, s_notify,      s_irq_attach,
};

/* Whether the device has an available entry not taken on queue q. */
static int avail_pending(struct sim *s, int q)
{
	return s->vq[q]->avail->idx != s->last_avail[q];
}

/* Take the next available chain of queue q: its head, and its buffers. */
static uint16_t take(struct sim *s, int q, struct drv_sg *seg, unsigned *n,
		     int *indirect)
{
	struct drv_virtq *vq = s->vq[q];
	uint16_t head, d;
	const struct virtq_desc *t = vq->desc;

	assert_true(avail_pending(s, q));
	head = vq->avail->ring[s->last_avail[q]++ % vq->size];
	d = head;
	*n = 0;
	*indirect = !!(vq->desc[head].flags & VIRTQ_DESC_F_INDIRECT);
	if (*indirect) {
		t = (const void *)(uintptr_t)vq->desc[head].addr;
		d = 0;
	}
	for (;;) {
		assert_true(*n < 32);
		seg[*n].addr = (void *)(uintptr_t)t[d].addr;
		seg[(*n)++].len = t[d].len;
		if (!(t[d].flags & VIRTQ_DESC_F_NEXT))
			break;
		d = t[d].next;
	}
	return head;
}

/* Put a used entry on queue q (published with publish). */
static void put_used(struct sim *s, int q, uint16_t head, uint32_t len,
		     uint16_t *idx)
{
	struct drv_virtq *vq = s->vq[q];

	vq->used->ring[*idx % vq->size] = (struct virtq_used_elem){ head, len };
	(*idx)++;
}

static void publish(struct sim *s, int q, uint16_t idx)
{
	__atomic_store_n(&s->vq[q]->used->idx, idx, __ATOMIC_RELEASE);
}

/* A device with features offered and queues of qsize, probed. */
static struct drv_netdev *probe(struct sim *s, uint64_t offered, uint16_t qsize)
{
	memset(s, 0, sizeof(*s));
	s->dev.ops = &sim_ops;
	s->dev.transport = s;
	s->dev.transport_name = "sim";
	strcpy(s->dev.name, "virtio-net at sim");
	s->dev.device_id = VIRTIO_ID_NET;
	s->dev.config_len = sizeof(s->config);
	s->offered = offered;
	s->qsize = qsize;
	memcpy(s->config, "\x52\x54\x00\x12\x34\x56\x01\x00", 8); /* up */
	log_text[0] = 0;
	assert_int_equal(drv_virtio_add_device(&s->dev), 0);
	return registered[nregistered - 1];
}

/* ---- the receiver and transmit watchers ---- */

#define MAXRX 8
static struct drv_netbuf *rxd[MAXRX];
static int nrx, nroom, ndone;
static void *done_cookie[600];

static void on_rx(void *ctx, struct drv_netbuf *b)
{
	(void)ctx;
	assert_true(nrx < MAXRX);
	rxd[nrx++] = b;
}

static void on_room(void *ctx)
{
	(void)ctx;
	nroom++;
}

static void on_done(void *ctx, void *cookie)
{
	(void)ctx;
	assert_true(ndone < 600);
	done_cookie[ndone++] = cookie;
}

static void watch(struct drv_netdev *nd)
{
	nrx = nroom = ndone = 0;
	assert_int_equal(nd->ops->open(nd, on_rx, NULL), 0);
	drv_netdev_watch_tx(nd, on_room, on_done, NULL);
}

static struct sim s_all, s_direct, s_none;
static struct drv_netdev *nd_all, *nd_direct, *nd_none;
static uint8_t frame[70000];

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 31 + (i >> 9));
	assert_int_equal(drv_virtio_net_register(), 0);
	nd_all = probe(&s_all, OFFERED_ALL, 256);
	nd_direct = probe(&s_direct, OFFERED_ALL & ~F_INDIRECT, 16);
	nd_none = probe(&s_none,
			V1 | F_INDIRECT | VNET_F_MAC | VNET_F_MRG_RXBUF, 64);
	return 0;
}

/* ---- negotiation ---- */

static void test_offloads_negotiated(void **state)
{
	static struct sim s_log;

	(void)state;
	assert_int_equal(nd_all->offloads,
			 DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_RX_CSUM |
				 DRV_NETDEV_OFF_TSO4 | DRV_NETDEV_OFF_TSO6 |
				 DRV_NETDEV_OFF_RX_LARGE);
	assert_int_equal(nd_none->offloads, 0);
	assert_non_null(nd_all->ops->send_sg);
	assert_non_null(nd_all->ops->tx_reclaim);
	log_text[0] = 0;
	probe(&s_log, OFFERED_ALL, 8);
	assert_non_null(strstr(log_text,
			       ", offloads csum,gcsum,tso4,tso6,gtso4,gtso6"));
}

/* ---- transmit ---- */

/* A GSO frame of len bytes from frame[] in np pieces. */
static struct drv_netdev_tx gso_frame(size_t len, unsigned np, void *cookie)
{
	struct drv_netdev_tx t;
	size_t off = 0;

	memset(&t, 0, sizeof(t));
	for (unsigned i = 0; i < np; i++) {
		size_t n = (len - off) / (np - i);

		t.piece[i].data = frame + off;
		t.piece[i].len = (uint32_t)n;
		off += n;
	}
	t.npieces = np;
	t.len = len;
	t.csum = 1;
	t.csum_start = 34;
	t.csum_offset = 16;
	t.gso = DRV_NETDEV_GSO_TCPV4;
	t.gso_size = 1448;
	t.hdr_len = 66;
	t.cookie = cookie;
	return t;
}

/* The device reads every chain nd published on the transmit queue,
 * checks each is the header alone then the frame in place (when
 * in_place: send_sg's frames only) and returns them. */
static unsigned device_tx(struct sim *s, struct drv_netdev *nd, int in_place)
{
	struct drv_sg seg[32];
	unsigned n, count = 0;
	int indirect;
	uint16_t idx;

	nd->ops->flush(nd);
	idx = s->vq[1]->used->idx;
	while (avail_pending(s, 1)) {
		uint16_t head = take(s, 1, seg, &n, &indirect);

		assert_int_equal(indirect,
				 !!(s->offered & F_INDIRECT) && n > 1);
		if (in_place) {
			assert_int_equal(seg[0].len, HDR); /* alone */
			assert_ptr_equal(seg[1].addr, frame);
		}
		put_used(s, 1, head, 0, &idx);
		count++;
	}
	publish(s, 1, idx);
	return count;
}

/* send_sg: one indirect chain of the header and the pieces in place; the
 * header as net_hdr.c writes it; the cookie given back once, when the
 * device has returned the chain and the driver reclaims. */
static void test_send_sg_chain(void **state)
{
	struct drv_netdev_tx t = gso_frame(60000, 15, (void *)0x1234);
	struct drv_sg seg[32];
	unsigned n;
	int indirect;
	uint16_t head;
	size_t off = 0;
	const struct vnet_hdr *h;

	(void)state;
	watch(nd_all);
	assert_int_equal(nd_all->ops->send_sg(nd_all, &t), 0);
	nd_all->ops->flush(nd_all);
	head = take(&s_all, 1, seg, &n, &indirect);
	assert_true(indirect);
	assert_int_equal(n, 16);
	assert_int_equal(seg[0].len, HDR);
	h = seg[0].addr;
	assert_int_equal(h->flags, VNET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h->gso_type, VNET_HDR_GSO_TCPV4);
	assert_int_equal(h->gso_size, 1448);
	assert_int_equal(h->hdr_len, 66);
	assert_int_equal(h->csum_start, 34);
	assert_int_equal(h->csum_offset, 16);
	assert_int_equal(h->num_buffers, 0);
	for (unsigned i = 1; i < n; i++) { /* in place: frame[]'s own bytes */
		assert_ptr_equal(seg[i].addr, frame + off);
		off += seg[i].len;
	}
	assert_int_equal(off, 60000);
	assert_true((uint8_t *)seg[0].addr < frame ||
		    (uint8_t *)seg[0].addr >= frame + sizeof(frame));
	nd_all->ops->tx_reclaim(nd_all);
	assert_int_equal(ndone, 0); /* the device still has it */
	{
		uint16_t idx = s_all.vq[1]->used->idx;

		put_used(&s_all, 1, head, 0, &idx);
		publish(&s_all, 1, idx);
	}
	nd_all->ops->tx_reclaim(nd_all);
	assert_int_equal(ndone, 1);
	assert_ptr_equal(done_cookie[0], (void *)0x1234);
	nd_all->ops->tx_reclaim(nd_all);
	nd_all->ops->poll(nd_all);
	assert_int_equal(ndone, 1); /* once */
	assert_int_equal(nd_all->stats.tx_packets, 1);
	assert_int_equal(nd_all->stats.tx_bytes, 60000);
}

/* Requests refused before the ring is touched. */
static void test_send_sg_refused(void **state)
{
	struct drv_netdev_tx t = gso_frame(60000, 4, NULL);
	uint16_t avail = s_all.vq[1]->avail_idx;

	(void)state;
	watch(nd_none);
	assert_int_equal(nd_none->ops->send_sg(nd_none, &t), -EINVAL);
	t.gso = DRV_NETDEV_GSO_NONE;
	assert_int_equal(nd_none->ops->send_sg(nd_none, &t), -EINVAL);
	t = gso_frame(1515, 2, NULL);
	t.gso = DRV_NETDEV_GSO_NONE;
	t.csum = 0;
	assert_int_equal(nd_none->ops->send_sg(nd_none, &t), -EMSGSIZE);
	t = gso_frame(65536, 15, NULL);
	assert_int_equal(nd_all->ops->send_sg(nd_all, &t), -EMSGSIZE);
	t = gso_frame(1000, 2, NULL);
	t.npieces = 0;
	assert_int_equal(nd_all->ops->send_sg(nd_all, &t), -EINVAL);
	assert_int_equal(s_all.vq[1]->avail_idx, avail);
}

/* Without indirect descriptors a frame of 1 + 3 buffers takes 4 of the
 * 16 descriptors: the fifth frame is refused (-EAGAIN, counted); the
 * transmit interrupt after the device returns frames reclaims them,
 * gives their cookies and says there is room; the frame then goes. */
static void test_send_sg_ring_full_direct(void **state)
{
	struct drv_netdev_tx t;
	uint64_t full = nd_direct->stats.tx_ring_full;

	(void)state;
	watch(nd_direct);
	for (uintptr_t i = 0; i < 4; i++) {
		t = gso_frame(3000, 3, (void *)(i + 1));
		assert_int_equal(nd_direct->ops->send_sg(nd_direct, &t), 0);
	}
	t = gso_frame(3000, 3, (void *)5);
	assert_int_equal(nd_direct->ops->send_sg(nd_direct, &t), -EAGAIN);
	assert_int_equal(nd_direct->stats.tx_ring_full, full + 1);
	assert_int_equal(ndone, 0);
	assert_int_equal(device_tx(&s_direct, nd_direct, 1), 4);
	s_direct.irq[1](s_direct.irq_arg[1]); /* the transmit interrupt */
	assert_int_equal(ndone, 4);
	for (uintptr_t i = 0; i < 4; i++)
		assert_ptr_equal(done_cookie[i], (void *)(i + 1));
	assert_true(nroom >= 1);
	assert_int_equal(nd_direct->ops->send_sg(nd_direct, &t), 0);
	assert_int_equal(device_tx(&s_direct, nd_direct, 1), 1);
	nd_direct->ops->poll(nd_direct);
	assert_int_equal(ndone, 5);
}

/* With indirect descriptors each frame takes one descriptor and one of
 * the 256 slots: the 257th frame in flight is refused (-EAGAIN, counted);
 * after the device returns them, the transmit interrupt gives the 256
 * cookies in order and says there is room. */
static void test_send_sg_slots_full(void **state)
{
	struct drv_netdev_tx t;
	uint64_t full = nd_all->stats.tx_ring_full;

	(void)state;
	watch(nd_all);
	for (uintptr_t i = 0; i < 256; i++) {
		t = gso_frame(3000, 3, (void *)(i + 100));
		assert_int_equal(nd_all->ops->send_sg(nd_all, &t), 0);
	}
	assert_int_equal(nd_all->ops->send_sg(nd_all, &t), -EAGAIN);
	assert_int_equal(nd_all->ops->send(nd_all, frame, 60), -EAGAIN);
	assert_int_equal(nd_all->stats.tx_ring_full, full + 2);
	assert_int_equal(device_tx(&s_all, nd_all, 1), 256);
	s_all.irq[1](s_all.irq_arg[1]);
	assert_int_equal(ndone, 256);
	for (uintptr_t i = 0; i < 256; i++)
		assert_ptr_equal(done_cookie[i], (void *)(i + 100));
	assert_true(nroom >= 1);
}

/* A copied frame refused because the descriptors ran out (three send_sg
 * frames of four take 12 of the 16, four copies the rest) gives its copy
 * buffer back: after 70 such refusals, a ring's worth of copies still
 * goes. */
static void test_send_copy_refused_gives_back(void **state)
{
	struct drv_netdev_tx t = gso_frame(3000, 3, NULL);

	(void)state;
	watch(nd_direct);
	for (int round = 0; round < 70; round++) {
		for (int i = 0; i < 3; i++)
			assert_int_equal(nd_direct->ops->send_sg(nd_direct, &t),
					 0);
		for (int i = 0; i < 4; i++)
			assert_int_equal(
				nd_direct->ops->send(nd_direct, frame, 60), 0);
		assert_int_equal(nd_direct->ops->send(nd_direct, frame, 60),
				 -EAGAIN);
		assert_int_equal(device_tx(&s_direct, nd_direct, 0), 7);
		nd_direct->ops->poll(nd_direct);
	}
	for (int i = 0; i < 16; i++) /* a ring's worth: 16 copy buffers */
		assert_int_equal(nd_direct->ops->send(nd_direct, frame, 60), 0);
	assert_int_equal(device_tx(&s_direct, nd_direct, 0), 16);
	nd_direct->ops->poll(nd_direct);
}

/* send copies into a pool of 64 buffers: the 65th frame in flight is
 * refused though the ring has room; send_sg still goes; once the device
 * returns frames, send works again. */
static void test_send_copy_pool(void **state)
{
	struct drv_netdev_tx t = gso_frame(3000, 2, (void *)7);
	unsigned i;

	(void)state;
	watch(nd_all);
	for (i = 0; i < 64; i++)
		assert_int_equal(nd_all->ops->send(nd_all, frame, 1514), 0);
	assert_int_equal(nd_all->ops->send(nd_all, frame, 60), -EAGAIN);
	assert_int_equal(nd_all->ops->send_sg(nd_all, &t), 0);
	assert_int_equal(nd_all->ops->send(nd_all, frame, 1515), -EMSGSIZE);
	assert_int_equal(device_tx(&s_all, nd_all, 0), 65);
	assert_int_equal(nd_all->ops->send(nd_all, frame, 60), 0);
	assert_int_equal(ndone, 1); /* send_sg's cookie only */
	assert_ptr_equal(done_cookie[0], (void *)7);
	device_tx(&s_all, nd_all, 0);
	nd_all->ops->poll(nd_all);
}

/* The exit drain waits for frames sent in place too, and gives their
 * cookies. */
static struct sim *drain_sim;

static void drain_device(void)
{
	device_tx(drain_sim, nd_all, 0);
}

static void test_exit_drain(void **state)
{
	struct drv_netdev_tx t = gso_frame(3000, 2, (void *)9);

	(void)state;
	watch(nd_all);
	assert_int_equal(nd_all->ops->send_sg(nd_all, &t), 0);
	assert_non_null(exit_fn);
	drain_sim = &s_all;
	while_waiting = drain_device;
	exit_fn();
	while_waiting = NULL;
	assert_int_equal(ndone, 1);
	assert_ptr_equal(done_cookie[0], (void *)9);
}

/* ---- receive ---- */

/* Every receive buffer is posted (none leaked): the queue's descriptors
 * all in use and as many available entries outstanding. */
static void assert_rx_full(struct sim *s)
{
	assert_int_equal(s->vq[0]->num_free, 0);
	assert_int_equal((uint16_t)(s->vq[0]->avail_idx - s->last_avail[0]),
			 s->vq[0]->size);
}

/* The device writes a frame of len bytes from frame[] over the buffers
 * of parts (part[0] excludes the header), with flags and num_buffers;
 * used[] overrides the lengths it reports when not NULL; it returns
 * nparts buffers (fewer than num_buffers when told). */
static void device_rx(struct sim *s, const uint32_t *part, unsigned nparts,
		      uint8_t flags, uint16_t num_buffers, const uint32_t *used)
{
	uint16_t idx = s->vq[0]->used->idx;
	size_t off = 0;

	for (unsigned i = 0; i < nparts; i++) {
		struct drv_sg seg[4];
		unsigned n;
		int indirect;
		uint16_t head = take(s, 0, seg, &n, &indirect);
		uint8_t *buf = seg[0].addr;
		size_t skip = i ? 0 : HDR;

		assert_int_equal(n, 1);
		assert_int_equal(seg[0].len, BUF);
		if (!i) {
			struct vnet_hdr h = { .flags = flags,
					      .num_buffers = num_buffers };

			memcpy(buf, &h, HDR);
		}
		if (part[i] <= BUF - skip)
			memcpy(buf + skip, frame + off, part[i]);
		off += part[i];
		put_used(s, 0, head,
			 used ? used[i] : (uint32_t)(skip + part[i]), &idx);
	}
	publish(s, 0, idx);
	s->irq[0](s->irq_arg[0]);
}

/* A 64 KiB segment over 33 merged buffers, NEEDS_CSUM: one chain with
 * the frame, tot_len, csum PARTIAL; each buffer given back refills the
 * ring. */
static void test_rx_merged(void **state)
{
	uint32_t part[40];
	unsigned n = 0;
	size_t left = 65549, off = 0;
	const struct drv_netbuf *b;

	(void)state;
	watch(nd_all);
	part[n++] = BUF - HDR;
	left -= BUF - HDR;
	while (left) {
		part[n] = left < BUF ? (uint32_t)left : BUF;
		left -= part[n++];
	}
	device_rx(&s_all, part, n, VNET_HDR_F_NEEDS_CSUM, (uint16_t)n, NULL);
	assert_int_equal(nrx, 1);
	assert_int_equal(rxd[0]->tot_len, 65549);
	assert_int_equal(rxd[0]->csum, DRV_NETBUF_CSUM_PARTIAL);
	for (b = rxd[0]; b; b = b->next) {
		assert_memory_equal(b->data, frame + off, b->len);
		off += b->len;
	}
	assert_int_equal(off, 65549);
	for (struct drv_netbuf *c = rxd[0], *next; c; c = next) {
		next = c->next;
		nd_all->ops->rx_done(nd_all, c);
	}
	assert_rx_full(&s_all);
	part[0] = 100;
	device_rx(&s_all, part, 1, VNET_HDR_F_DATA_VALID, 1, NULL);
	assert_int_equal(nrx, 2);
	assert_int_equal(rxd[1]->csum, DRV_NETBUF_CSUM_VALID);
	assert_null(rxd[1]->next);
	nd_all->ops->rx_done(nd_all, rxd[1]);
	assert_rx_full(&s_all);
}

/* A broken device's frames: nothing delivered, one drop each, every
 * buffer back on the ring; a good frame after each still comes. */
static void test_rx_bad_device(void **state)
{
	static const struct {
		uint32_t part[3];
		unsigned n;
		uint16_t num;
		uint32_t used[3];
		int use_used;
	} bad[] = {
		{ { 100 }, 1, 0, { 0 }, 0 },		   /* num_buffers 0 */
		{ { 2036, 100 }, 2, 3, { 0 }, 0 },	   /* fewer than said */
		{ { 2036, 0, 5 }, 3, 3, { 0 }, 0 },	   /* an empty buffer */
		{ { 50 }, 1, 1, { 5 }, 1 },		   /* header cut */
		{ { 50 }, 1, 1, { HDR }, 1 },		   /* no frame byte */
		{ { 2036, 10 }, 2, 2, { 2048, 4000 }, 1 }, /* overlong */
		{ { 2036 }, 1, 1, { 0xffffffff }, 1 },	   /* overlong first */
	};
	uint32_t good = 60;

	(void)state;
	watch(nd_all);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t drops = nd_all->stats.rx_drops;

		device_rx(&s_all, bad[i].part, bad[i].n, 0, bad[i].num,
			  bad[i].use_used ? bad[i].used : NULL);
		assert_int_equal(nrx, 0);
		assert_int_equal(nd_all->stats.rx_drops, drops + 1);
		assert_rx_full(&s_all);
		device_rx(&s_all, &good, 1, 0, 1, NULL);
		assert_int_equal(nrx, 1);
		assert_int_equal(rxd[0]->tot_len, 60);
		nd_all->ops->rx_done(nd_all, rxd[0]);
		nrx = 0;
		assert_rx_full(&s_all);
	}
}

/* A device without GUEST_CSUM or large receive: its flags mean nothing
 * (csum NONE), and a frame over two buffers is dropped, both given
 * back. */
static void test_rx_no_offloads(void **state)
{
	uint32_t part[2] = { 100, 50 };
	uint64_t drops = nd_none->stats.rx_drops;

	(void)state;
	watch(nd_none);
	device_rx(&s_none, part, 1, VNET_HDR_F_DATA_VALID, 1, NULL);
	assert_int_equal(nrx, 1);
	assert_int_equal(rxd[0]->csum, DRV_NETBUF_CSUM_NONE);
	nd_none->ops->rx_done(nd_none, rxd[0]);
	device_rx(&s_none, part, 2, 0, 2, NULL);
	assert_int_equal(nrx, 1);
	assert_int_equal(nd_none->stats.rx_drops, drops + 1);
	assert_rx_full(&s_none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offloads_negotiated),
		cmocka_unit_test(test_send_sg_chain),
		cmocka_unit_test(test_send_sg_refused),
		cmocka_unit_test(test_send_sg_ring_full_direct),
		cmocka_unit_test(test_send_sg_slots_full),
		cmocka_unit_test(test_send_copy_pool),
		cmocka_unit_test(test_send_copy_refused_gives_back),
		cmocka_unit_test(test_exit_drain),
		cmocka_unit_test(test_rx_merged),
		cmocka_unit_test(test_rx_bad_device),
		cmocka_unit_test(test_rx_no_offloads),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
