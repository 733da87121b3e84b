/* Unit test of net/netif.c's receive chains and in-place sending with
 * offloads, on the host: two fake network devices wired to each other
 * (what device 1 sends, device 0 receives), each bound to an lwIP
 * interface by net_netif_add, under host_kernel.c's event loop in
 * simulated time. A TCP client at 10.0.0.2 streams to a server at
 * 10.0.0.1 across them (the server's answers come back over lwIP's
 * loopback, as in test_netif_tx.c).
 *
 * Received frames are handed over in buffers of exactly their length
 * (ASan sees any read past one), split as the test says; every buffer
 * handed over is counted against the rx_done calls that give it back.
 * The sending device, when it offers send_sg, reads the frame's pieces
 * only when it is done (end of the pass), completes its TCP checksum
 * from the pseudo-header sum the stack left, and cuts GSO frames into
 * MTU-sized segments as a device does, or hands them whole to a peer
 * that takes large frames. The receiver verifies every checksum (no
 * RX_CSUM), so a wrong pseudo-header sum loses the data.
 *
 * Each group of tests brings up its own pair of interfaces (lwIP keeps
 * them to the end), so the program runs one group, named by argv[1]
 * ("split" when none is named). */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include <kern/loop.h>
#include <lwip/netif.h>
#include <lwip/stats.h>

#include "host_kernel.h"
#include "net_internal.h"

#define SYS_(nr, a, b, c, d, e, f, ...)                              \
	host_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d), \
		     (long)(e), (long)(f))
#define SYS(...) SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

#define TCP_NODELAY 1 /* <netinet/tcp.h>'s TCP_MSS clashes with lwIP's */
#define QUEUE 256
#define PORT 7000
#define UDP_PORT 7001
#define HDRS 54		/* Ethernet, IPv4, TCP without options */
#define MAXBUF 70000	/* buffers in one handed-over frame, at most */
#define FRAME_MAX 70000 /* bytes in one frame the tests make */

/* A frame the sending device has queued. */
struct txq {
	uint8_t *copy; /* send: a copy */
	size_t len;
	struct drv_netdev_tx t; /* send_sg: read at the end of the pass */
	int sg;
};

struct fake {
	struct drv_netdev nd;
	struct fake *peer;
	drv_netdev_rx_fn rx;
	void *rx_ctx;
	struct txq ring[QUEUE];
	int used;
	struct kern_deferred work;
	unsigned long handed, returned; /* receiving: buffers */
	unsigned long gso_frames, csum_frames, segments; /* sending */
	size_t longest;					 /* sent */
	int csum;					 /* DRV_NETBUF_CSUM_* */
	int lose;      /* sending: frames are lost on the wire */
	int pass_on;   /* sending: only pass more TCP data frames arrive */
	unsigned pass; /* (the rest are lost) */
	int watch;     /* sending: set until a pass sends TCP data, */
	int wseen;     /* the data that pass sent (seen) */
	uint32_t wseq, wend; /* from wseq to wend */
};

static struct fake devs[2];
static struct sockaddr_in server_addr;
static int server_listener;

/* The next TCP data frame device 0 receives is split as plan says: n
 * buffer lengths (the last one stretched or cut to the frame's end),
 * and says tot_len (0: the true length). */
static struct {
	int armed;
	size_t lens[512];
	unsigned n;
	size_t tot_len;
} plan;

static uint8_t frame_buf[FRAME_MAX];
static size_t lens_buf[MAXBUF];

static struct fake *fk(struct drv_netdev *nd)
{
	return nd->priv;
}

/* ---- Checksums, as a device computes them. */

static uint32_t add_bytes(uint32_t acc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The device's checksum completion: sum from start to the end of len
 * bytes (the field holding the pseudo-header sum), complement, store. */
static void complete(uint8_t *f, size_t len, size_t start, size_t off)
{
	put16(f + start + off,
	      (uint16_t)~fold(add_bytes(0, f + start, len - start)));
}

static void ip4_csum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0xf) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(add_bytes(0, ip, hl)));
}

/* ---- The receiving side. */

static int tcp_data(const uint8_t *f, size_t len)
{
	size_t hl, tot;

	if (len < HDRS || get16(f + 12) != 0x0800 || f[23] != 6)
		return 0;
	hl = (size_t)(f[14] & 0xf) * 4;
	tot = get16(f + 16);
	return tot > hl + (size_t)(f[14 + hl + 12] >> 4) * 4;
}

/* Frame f (len bytes) to device to, in n buffers of lens[] bytes each
 * in a heap block of exactly that size, saying tot_len. */
static void hand_over(struct fake *to, const uint8_t *f, size_t len,
		      const size_t *lens, unsigned n, size_t tot_len)
{
	struct drv_netbuf *first = NULL, **link = &first;
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		struct drv_netbuf *b = calloc(1, sizeof(*b));

		assert_non_null(b);
		assert_true(off + lens[i] <= len);
		b->data = malloc(lens[i] ? lens[i] : 1);
		assert_non_null(b->data);
		memcpy(b->data, f + off, lens[i]);
		b->len = lens[i];
		off += lens[i];
		*link = b;
		link = &b->next;
	}
	first->tot_len = tot_len;
	first->csum = to->csum;
	to->handed += n;
	to->rx(to->rx_ctx, first);
}

/* A frame as device 0 receives it: as planned, or in one buffer. */
static void receive(struct fake *to, const uint8_t *f, size_t len)
{
	size_t whole[1] = { len }, sum = 0;
	unsigned n;

	if (to != &devs[0] || !plan.armed || !tcp_data(f, len)) {
		hand_over(to, f, len, whole, 1, len);
		return;
	}
	plan.armed = 0;
	for (n = 0; n < plan.n && sum < len; n++) {
		lens_buf[n] = plan.lens[n];
		if (sum + lens_buf[n] > len || n == plan.n - 1)
			lens_buf[n] = len - sum;
		sum += lens_buf[n];
	}
	hand_over(to, f, len, lens_buf, n, plan.tot_len ? plan.tot_len : len);
}

static void dev_rx_done(struct drv_netdev *nd, struct drv_netbuf *buf)
{
	fk(nd)->returned++;
	assert_true(fk(nd)->returned <= fk(nd)->handed);
	free(buf->data);
	free(buf);
}

/* ---- The sending side. */

/* Frame f (len bytes) from device d onto the wire: noted when watched,
 * lost when d lets no more data frames pass, else to the peer. */
static void to_peer(struct fake *d, const uint8_t *f, size_t len)
{
	size_t ihl = (size_t)(f[14] & 0xf) * 4, l4 = 14 + ihl;

	if (tcp_data(f, len)) {
		uint32_t seq = get32(f + l4 + 4);
		uint32_t end = seq + (uint32_t)(get16(f + 16) - ihl -
						(size_t)(f[l4 + 12] >> 4) * 4);

		if (d->watch && !d->wseen) {
			d->wseen = 1;
			d->wseq = seq;
			d->wend = end;
		} else if (d->watch && (int32_t)(end - d->wend) > 0) {
			d->wend = end;
		}
		if (d->pass_on && d->pass == 0)
			return;
		if (d->pass_on)
			d->pass--;
	}
	receive(d->peer, f, len);
}

/* GSO frame f cut into segments of gso_size, each completed, to the
 * peer; as a device does (IPv4 only: the tests offer TSO4). */
static void cut(struct fake *d, uint8_t *f, size_t len,
		const struct drv_netdev_tx *t)
{
	static uint8_t seg[2000];
	size_t hdr = t->hdr_len, pay = len - hdr, l4 = t->csum_start;
	unsigned old_l4 = (unsigned)(len - l4), id = get16(f + 18);
	uint32_t seq = get32(f + l4 + 4);
	uint8_t flags = f[l4 + 13];

	assert_int_equal(t->gso, DRV_NETDEV_GSO_TCPV4);
	assert_true(hdr + t->gso_size <= d->nd.mtu + 14u);
	for (size_t off = 0; off < pay; off += t->gso_size) {
		size_t n = pay - off < t->gso_size ? pay - off : t->gso_size;
		unsigned new_l4 = (unsigned)(hdr - l4 + n);
		uint32_t ps = get16(f + l4 + t->csum_offset);

		memcpy(seg, f, hdr);
		memcpy(seg + hdr, f + hdr + off, n);
		put16(seg + 16, (unsigned)(hdr - 14 + n));
		put16(seg + 18, id++);
		ip4_csum(seg + 14);
		put32(seg + l4 + 4, seq + (uint32_t)off);
		seg[l4 + 13] =
			off + n < pay ? flags & ~0x09 : flags; /* FIN PSH */
		if (off)
			seg[l4 + 13] &= (uint8_t)~0x80; /* CWR */
		/* the pseudo-header sum for this segment's length */
		ps = fold(ps + (~old_l4 & 0xffff) + new_l4);
		put16(seg + l4 + t->csum_offset, ps);
		complete(seg, hdr + n, l4, t->csum_offset);
		d->segments++;
		to_peer(d, seg, hdr + n);
	}
}

/* A GSO frame to a peer that takes large frames: whole, checksummed, in
 * 4 KiB buffers like virtio-net's merged ones. */
static void whole_large(struct fake *d, uint8_t *f, size_t len,
			const struct drv_netdev_tx *t)
{
	unsigned n = 0;

	complete(f, len, t->csum_start, t->csum_offset);
	for (size_t off = 0; off < len; off += 4096)
		lens_buf[n++] = len - off < 4096 ? len - off : 4096;
	d->peer->csum = DRV_NETBUF_CSUM_NONE;
	hand_over(d->peer, f, len, lens_buf, n, len);
}

static void send_one(struct fake *d, struct txq *q)
{
	uint8_t *f = q->copy;
	size_t off = 0;

	if (q->sg) {
		f = malloc(q->t.len);
		assert_non_null(f);
		for (unsigned i = 0; i < q->t.npieces; i++) {
			memcpy(f + off, q->t.piece[i].data, q->t.piece[i].len);
			off += q->t.piece[i].len;
		}
	}
	if (q->len > d->longest)
		d->longest = q->len;
	if (d->lose) {
		free(f);
		return;
	}
	if (q->sg && q->t.gso) {
		d->gso_frames++;
		if (d->peer->nd.offloads & DRV_NETDEV_OFF_RX_LARGE)
			whole_large(d, f, q->len, &q->t);
		else
			cut(d, f, q->len, &q->t);
	} else {
		if (q->sg && q->t.csum) {
			d->csum_frames++;
			complete(f, q->len, q->t.csum_start, q->t.csum_offset);
		}
		to_peer(d, f, q->len);
	}
	free(f);
}

/* The end of a pass: every queued frame to the peer, then the frames
 * read in place are done. */
static void dev_work(void *arg)
{
	static struct txq batch[QUEUE];
	struct fake *d = arg;
	int n = d->used;

	memcpy(batch, d->ring, sizeof(batch[0]) * (size_t)n);
	d->used = 0;
	for (int i = 0; i < n; i++)
		send_one(d, &batch[i]);
	if (d->wseen)
		d->watch = 0;
	for (int i = 0; i < n; i++)
		if (batch[i].sg)
			drv_netdev_tx_done(&d->nd, batch[i].t.cookie);
	drv_netdev_tx_room(&d->nd);
}

static int dev_open(struct drv_netdev *nd, drv_netdev_rx_fn rx, void *ctx)
{
	fk(nd)->rx = rx;
	fk(nd)->rx_ctx = ctx;
	return 0;
}

static int dev_send(struct drv_netdev *nd, const void *frame, size_t len)
{
	struct fake *d = fk(nd);
	struct txq *q;

	assert_true(len <= nd->mtu + 14u);
	if (d->used == QUEUE)
		return -EAGAIN;
	q = &d->ring[d->used++];
	q->sg = 0;
	q->len = len;
	q->copy = malloc(len);
	assert_non_null(q->copy);
	memcpy(q->copy, frame, len);
	return 0;
}

/* send_sg's contract (drv/netdev.h), checked. */
static int dev_send_sg(struct drv_netdev *nd, const struct drv_netdev_tx *t)
{
	struct fake *d = fk(nd);
	size_t sum = 0;

	assert_true(t->npieces >= 1 && t->npieces <= DRV_NETDEV_TX_PIECES);
	for (unsigned i = 0; i < t->npieces; i++)
		sum += t->piece[i].len;
	assert_int_equal(sum, t->len);
	if (t->csum) {
		assert_true(nd->offloads & DRV_NETDEV_OFF_TX_CSUM);
		assert_true(t->csum_start + t->csum_offset + 2u <= t->len);
	}
	if (t->gso) {
		assert_true(t->csum && t->gso_size && t->hdr_len < t->len);
		assert_true(nd->offloads & DRV_NETDEV_OFF_TSO4);
		assert_true(t->len <= DRV_NETDEV_GSO_MAX);
	} else {
		assert_true(t->len <= nd->mtu + 14u);
	}
	if (d->used == QUEUE)
		return -EAGAIN;
	d->ring[d->used] = (struct txq){ .len = t->len, .t = *t, .sg = 1 };
	d->used++;
	return 0;
}

static void dev_flush(struct drv_netdev *nd)
{
	kern_loop_defer(&fk(nd)->work);
}

static void dev_poll(struct drv_netdev *nd)
{
	(void)nd;
}

static const struct drv_netdev_ops plain_ops = {
	.open = dev_open,
	.send = dev_send,
	.flush = dev_flush,
	.rx_done = dev_rx_done,
	.poll = dev_poll,
};

static const struct drv_netdev_ops sg_ops = {
	.open = dev_open,
	.send = dev_send,
	.flush = dev_flush,
	.rx_done = dev_rx_done,
	.poll = dev_poll,
	.send_sg = dev_send_sg,
};

/* Device i at 10.0.0.(i+1)/24, with send_sg when sg, offering off.
 * Device 1 is added last, so lwIP routes 10.0.0.0/24 through it. */
static struct net_if *add_dev(int i, int sg, unsigned off)
{
	struct fake *f = &devs[i];
	struct net_if *nif;
	ip4_addr_t ip, mask, gw;

	memset(f, 0, sizeof(*f));
	f->nd = (struct drv_netdev){ .mac = { 2, 0, 0, 0, 0, (uint8_t)(i + 1) },
				     .mtu = 1500,
				     .link_up = 1,
				     .offloads = off,
				     .ops = sg ? &sg_ops : &plain_ops,
				     .priv = f,
				     .driver = "fake" };
	f->peer = &devs[!i];
	f->work = (struct kern_deferred){ .fn = dev_work, .arg = f };
	nif = net_netif_add(&f->nd);
	assert_non_null(nif);
	IP4_ADDR(&ip, 10, 0, 0, i + 1);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	ip4_addr_set_zero(&gw);
	netif_set_addr(&nif->lw, &ip, &mask, &gw);
	return nif;
}

/* Both interfaces and a listener at 10.0.0.1. Interface 1 also carries
 * the server's answers over lwIP's loopback (the guest has none), which
 * no device checksums when interface 1 offloads checksums: lwIP must not
 * check them there. So interface 1 trusts every frame: the only frames
 * device 0 sends it (ARP) say their checksum is good (RX_CSUM, VALID),
 * and its flags start that way. */
static void bring_up(int sg1, unsigned off1, int sg0, unsigned off0)
{
	struct net_if *n1;
	int one = 1;

	add_dev(0, sg0, off0);
	n1 = add_dev(1, sg1, off1 | (sg1 ? DRV_NETDEV_OFF_RX_CSUM : 0));
	devs[1].csum = DRV_NETBUF_CSUM_VALID;
	NETIF_SET_CHECKSUM_CTRL(&n1->lw, n1->cks_trusted);
	server_addr = (struct sockaddr_in){ .sin_family = AF_INET,
					    .sin_port = htons(PORT) };
	server_addr.sin_addr.s_addr = htonl(0x0a000001);
	server_listener = (int)SYS(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(SYS(SYS_setsockopt, server_listener, SOL_SOCKET,
			     SO_REUSEADDR, &one, sizeof(one)),
			 0);
	assert_int_equal(SYS(SYS_bind, server_listener, &server_addr,
			     sizeof(server_addr)),
			 0);
	assert_int_equal(SYS(SYS_listen, server_listener, 8), 0);
}

static void connect_pair(int *c, int *s)
{
	int one = 1;

	*c = (int)SYS(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_true(*c >= 3);
	assert_int_equal(SYS(SYS_setsockopt, *c, IPPROTO_TCP, TCP_NODELAY, &one,
			     sizeof(one)),
			 0);
	assert_int_equal(
		SYS(SYS_connect, *c, &server_addr, sizeof(server_addr)), 0);
	*s = (int)SYS(SYS_accept4, server_listener, NULL, NULL, 0);
	assert_true(*s >= 3);
	host_advance(HOST_S); /* delayed ACKs out */
}

static void close_pair(int c, int s)
{
	assert_int_equal(SYS(SYS_close, c), 0);
	assert_int_equal(SYS(SYS_close, s), 0);
	host_advance(300 * HOST_S); /* TIME_WAIT and all */
}

/* Nothing received is kept: every buffer handed over was given back. */
static void assert_all_given_back(void)
{
	assert_int_equal(devs[0].returned, devs[0].handed);
	assert_int_equal(devs[1].returned, devs[1].handed);
	assert_int_equal(net_netif_get(0)->rx_held, 0);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/* Client c sends n bytes (seed) in one segment, split as planned; the
 * server s has them at once (now), or only after TCP retransmits (the
 * frame was dropped). Returns whether they came at once. */
static int one_message(int c, int s, size_t n, unsigned seed)
{
	uint8_t out[2000], in[2000];
	long r;
	int now = 1;

	pattern(out, n, seed);
	assert_int_equal(SYS(SYS_sendto, c, out, n, 0, NULL, 0), (long)n);
	host_run();
	for (int tries = 0; tries < 60; tries++) {
		r = SYS(SYS_recvfrom, s, in, sizeof(in), MSG_DONTWAIT, NULL,
			NULL);
		if (r != -EAGAIN)
			break;
		now = 0;
		host_advance(HOST_S);
	}
	assert_int_equal(r, (long)n);
	assert_memory_equal(in, out, n);
	host_run();
	assert_int_equal(devs[0].returned, devs[0].handed);
	assert_int_equal(net_netif_get(0)->rx_held, 0);
	return now;
}

static void arm(const size_t *lens, unsigned n, size_t tot_len)
{
	assert_true(n <= sizeof(plan.lens) / sizeof(plan.lens[0]));
	memcpy(plan.lens, lens, n * sizeof(*lens));
	plan.n = n;
	plan.tot_len = tot_len;
	plan.armed = 1;
}

/* ---- Group "split": plain devices. */

#define MSG 100

/* Every split point of a data frame in two: those that leave the MAC
 * header cut are dropped (TCP sends again), all others arrive. */
static void test_split_in_two_everywhere(void **state)
{
	size_t len = HDRS + MSG;
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	for (size_t k = 1; k < len; k++) {
		size_t lens[2] = { k, len - k };

		arm(lens, 2, 0);
		assert_int_equal(one_message(c, s, MSG, (unsigned)k), k >= 14);
	}
	close_pair(c, s);
	assert_all_given_back();
}

/* Three buffers at every pair of split points past the MAC header. */
static void test_split_in_three_everywhere(void **state)
{
	size_t n = 20, len = HDRS + n;
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	for (size_t i = 14; i < len; i++)
		for (size_t j = i + 1; j < len; j++) {
			size_t lens[3] = { i, j - i, len - j };

			arm(lens, 3, 0);
			assert_true(
				one_message(c, s, n, (unsigned)(i * len + j)));
		}
	close_pair(c, s);
	assert_all_given_back();
}

/* One-byte buffers after a first of k bytes, for every k; every buffer
 * one byte (dropped: no MAC header in the first). */
static void test_one_byte_buffers(void **state)
{
	static size_t lens[HDRS + MSG];
	size_t len = HDRS + MSG;
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	for (size_t k = 1; k < len; k++) {
		unsigned n = 0;

		lens[n++] = k;
		for (size_t off = k; off < len; off++)
			lens[n++] = 1;
		arm(lens, n, 0);
		assert_int_equal(one_message(c, s, MSG, (unsigned)k), k >= 14);
	}
	close_pair(c, s);
	assert_all_given_back();
}

/* Zero-length buffers (which drivers do not make): first, inside, last.
 * No crash, the data intact, every buffer back. */
static void test_zero_length_buffers(void **state)
{
	static const size_t plans[][4] = {
		{ 60, 0, 50, 44 }, { 60, 94, 0, 0 }, { 14, 0, 40, 100 },
		{ 54, 0, 0, 100 }, { 0, 154, 0, 0 }, { 100, 0, 1, 53 },
	};
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	for (unsigned i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		arm(plans[i], 4, 0);
		one_message(c, s, MSG, i);
	}
	close_pair(c, s);
	assert_all_given_back();
}

/* A first buffer saying a tot_len other than the buffers' sum: dropped,
 * every buffer given back; TCP sends again. */
static void test_tot_len_mismatch(void **state)
{
	static const size_t tots[] = { HDRS + MSG + 1, HDRS + MSG - 1, 1, 60,
				       65535,	       (size_t)-1 };
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	for (unsigned i = 0; i < sizeof(tots) / sizeof(tots[0]); i++) {
		size_t lens[3] = { 70, 30, HDRS + MSG - 100 };
		unsigned long handed = devs[0].handed;

		arm(lens, 3, tots[i]);
		assert_false(one_message(c, s, MSG, i));
		assert_true(devs[0].handed >= handed + 3);
	}
	close_pair(c, s);
	assert_all_given_back();
}

/* More frames held by lwIP (data the service has not read) than RX_HELD:
 * the rest are copied, their buffers given back at once, and read back
 * intact. */
static void test_rx_held_exceeded_copies(void **state)
{
	enum {
		N = 220,
		SZ = 300
	}; /* not gathered: sock_tcp.c's SMALL_SEG */
	static uint8_t out[N * SZ], in[N * SZ];
	size_t got = 0;
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	pattern(out, sizeof(out), 99);
	for (int i = 0; i < N; i++) {
		assert_int_equal(
			SYS(SYS_sendto, c, out + i * SZ, SZ, 0, NULL, 0), SZ);
		host_run();
		assert_true(net_netif_get(0)->rx_held <= 160);
	}
	/* the frames held are the data frames, RX_HELD of them */
	assert_int_equal(net_netif_get(0)->rx_held, 160);
	assert_int_equal(devs[0].handed - devs[0].returned, 160);
	while (got < sizeof(in)) {
		long r = SYS(SYS_recvfrom, s, in + got, sizeof(in) - got,
			     MSG_DONTWAIT, NULL, NULL);

		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_memory_equal(in, out, sizeof(out));
	host_run();
	assert_all_given_back();
	close_pair(c, s);
	assert_all_given_back();
}

/* In frame_buf: a 200-byte frame to the server's port, IPv4 and TCP
 * with 40 bytes of options each (NOPs), checksums right, ACK of nothing
 * the server sent (it answers with a reset). */
static void tcp_with_options(void)
{
	uint8_t *ip = frame_buf + 14, *t = ip + 60;
	uint32_t acc;

	memset(frame_buf, 0, 200);
	memcpy(frame_buf, devs[0].nd.mac, 6);
	memcpy(frame_buf + 6, devs[1].nd.mac, 6);
	put16(frame_buf + 12, 0x0800);
	ip[0] = 0x4f;
	put16(ip + 2, 186);
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 10, ip[15] = 2, ip[16] = 10, ip[19] = 1;
	memset(ip + 20, 1, 40);
	ip4_csum(ip);
	put16(t, 4000);
	put16(t + 2, PORT);
	put32(t + 4, 1000);
	put32(t + 8, 2000);
	t[12] = 0xf0; /* 60 bytes */
	t[13] = 0x10; /* ACK */
	put16(t + 14, 1000);
	memset(t + 20, 1, 40);
	pattern(t + 60, 46, 1);
	acc = add_bytes(6 + 126, ip + 12, 8);
	put16(t + 16, (uint16_t)~fold(add_bytes(acc, t, 126)));
}

/* A frame over Ethernet's maximum from a device that said nothing of
 * large frames, and one whose first buffer holds only part of an ARP
 * packet: neither read past, every buffer back. */
static void test_hostile_frames(void **state)
{
	size_t lens[4];
	size_t n;

	(void)state;
	memset(frame_buf, 0, 2000);
	memcpy(frame_buf, devs[0].nd.mac, 6);
	memcpy(frame_buf + 6, devs[1].nd.mac, 6);
	put16(frame_buf + 12, 0x0806);
	frame_buf[14] = 0, frame_buf[15] = 1; /* Ethernet */
	put16(frame_buf + 16, 0x0800);
	frame_buf[18] = 6, frame_buf[19] = 4;
	put16(frame_buf + 20, 1); /* request */
	memcpy(frame_buf + 22, devs[1].nd.mac, 6);
	frame_buf[28] = 10, frame_buf[31] = 2;
	frame_buf[38] = 10, frame_buf[41] = 1;
	for (size_t k = 14; k < 60; k++) {
		lens[0] = k;
		lens[1] = 60 - k;
		hand_over(&devs[0], frame_buf, 60, lens, 2, 60);
		host_run();
		assert_all_given_back();
	}
	/* IPv4 and TCP with 40 bytes of options each (134 bytes of
	 * headers): a first buffer cut anywhere in them past the 60 that
	 * lwIP reads unchecked is lent, and lwIP must drop it cleanly */
	tcp_with_options();
	for (size_t k = 14; k <= 134; k++) {
		unsigned long rst = lwip_stats.tcp.xmit;

		lens[0] = k;
		lens[1] = 200 - k;
		hand_over(&devs[0], frame_buf, 200, lens, 2, 200);
		host_run();
		assert_all_given_back();
		/* taken (and answered with a reset) when copied, or when the
		 * IP and TCP headers without options are in the first buffer
		 * (lwIP reads options from the second) */
		assert_int_equal(lwip_stats.tcp.xmit != rst, k < 60 || k >= 94);
	}
	memset(frame_buf, 0, 2000);
	for (n = 1513; n <= 1516; n++) {
		struct netif *lw = &net_netif_get(0)->lw;
		u32_t errs = lw->mib2_counters.ifinerrors;

		lens[0] = 1000;
		lens[1] = n - 1000;
		hand_over(&devs[0], frame_buf, n, lens, 2, n);
		host_run();
		assert_all_given_back();
		/* refused as too long past 1514 */
		assert_int_equal(lw->mib2_counters.ifinerrors - errs, n > 1514);
	}
}

/* ---- Group "tso": device 1 sends in place, with checksum offload and
 * TSO4; device 0 takes MTU-sized frames, so device 1 cuts. */

#define STREAM (1u << 20)

static void stream(int c, int s, size_t total)
{
	static uint8_t out[STREAM], in[STREAM];
	size_t sent = 0, got = 0;
	int idle = 0;

	assert_true(total <= STREAM);
	pattern(out, total, 7);
	while (got < total) {
		long r;

		if (sent < total) {
			r = SYS(SYS_sendto, c, out + sent, total - sent,
				MSG_DONTWAIT, NULL, 0);
			assert_true(r > 0 || r == -EAGAIN);
			if (r > 0)
				sent += (size_t)r;
		}
		host_run();
		r = SYS(SYS_recvfrom, s, in + got, total - got, MSG_DONTWAIT,
			NULL, NULL);
		assert_true(r > 0 || r == -EAGAIN);
		if (r > 0) {
			got += (size_t)r;
			idle = 0;
		} else {
			assert_true(++idle < 200); /* 20 s with no progress */
			host_advance(100 * HOST_MS);
		}
	}
	assert_memory_equal(in, out, total);
	host_run();
}

static void test_tso_cut_by_device(void **state)
{
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	stream(c, s, STREAM);
	assert_true(devs[1].gso_frames > 0);
	assert_true(devs[1].longest > 1514);
	assert_true(devs[1].segments > devs[1].gso_frames);
	assert_true(devs[1].csum_frames > 0);
	close_pair(c, s);
	assert_int_equal(net_netif_get(1)->tx_inflight, 0);
	assert_all_given_back();
}

/* The server stops reading while the client writes in small pieces:
 * the window it offers shrinks, and with it the segments lwIP builds
 * for the device; then it reads everything. */
static void test_tso_window_closes(void **state)
{
	enum {
		PIECE = 1000
	};
	static uint8_t out[STREAM], in[STREAM];
	size_t sent = 0, got = 0;
	int c, s, idle = 0;

	(void)state;
	connect_pair(&c, &s);
	/* Nagle on: lwIP leaves room in a segment's buffer for later writes
	 * (TCP_OVERSIZE), room sized for the segment size of that moment */
	assert_int_equal(SYS(SYS_setsockopt, c, IPPROTO_TCP, TCP_NODELAY,
			     &(int){ 0 }, sizeof(int)),
			 0);
	pattern(out, sizeof(out), 5);
	for (int round = 0; round < 4 && sent < sizeof(out); round++) {
		long r;

		/* fill the window and the send buffer, a piece at a time */
		while (sent + PIECE <= sizeof(out) &&
		       (r = SYS(SYS_sendto, c, out + sent, PIECE, MSG_DONTWAIT,
				NULL, 0)) > 0) {
			sent += (size_t)r;
			host_run();
		}
		host_advance(HOST_S);
		/* read a little: the window opens a little */
		r = SYS(SYS_recvfrom, s, in + got, 3000, MSG_DONTWAIT, NULL,
			NULL);
		assert_true(r > 0);
		got += (size_t)r;
		host_run();
	}
	while (got < sent) {
		long r = SYS(SYS_recvfrom, s, in + got, sent - got,
			     MSG_DONTWAIT, NULL, NULL);

		if (r > 0) {
			got += (size_t)r;
			idle = 0;
		} else {
			assert_int_equal(r, -EAGAIN);
			assert_true(++idle < 200);
			host_advance(100 * HOST_MS);
		}
	}
	assert_memory_equal(in, out, sent);
	assert_true(devs[1].gso_frames > 0);
	close_pair(c, s);
	assert_all_given_back();
}

/* After a loss the congestion window is one MSS, and so is the segment
 * size tcp_write builds to: a write must still fit the data in after a
 * segment that Nagle held back, whose buffer has room left for a larger
 * segment (TCP_OVERSIZE, sized when the window was wide). */
static void test_tso_loss_shrinks_segments(void **state)
{
	static uint8_t out[STREAM], in[STREAM];
	size_t got = 0, sent = STREAM / 2;
	int c, s, idle = 0;

	(void)state;
	connect_pair(&c, &s);
	pattern(out, sizeof(out), 9);
	stream(c, s, sent); /* the windows open wide */
	assert_int_equal(SYS(SYS_setsockopt, c, IPPROTO_TCP, TCP_NODELAY,
			     &(int){ 0 }, sizeof(int)),
			 0);
	devs[1].lose = 1;
	for (int i = 0; i < 2; i++) { /* one out (lost), one held back */
		assert_int_equal(
			SYS(SYS_sendto, c, out + sent, 1000, 0, NULL, 0), 1000);
		sent += 1000;
		host_run();
	}
	host_advance(5 * HOST_S); /* retransmission timeout: cwnd = MSS */
	devs[1].lose = 0;
	for (int i = 0; i < 20; i++) {
		assert_int_equal(SYS(SYS_sendto, c, out + sent, 1000,
				     MSG_DONTWAIT, NULL, 0),
				 1000);
		sent += 1000;
	}
	while (got < sent - STREAM / 2) {
		long r = SYS(SYS_recvfrom, s, in + got, sizeof(in) - got,
			     MSG_DONTWAIT, NULL, NULL);

		if (r > 0) {
			got += (size_t)r;
			idle = 0;
		} else {
			assert_int_equal(r, -EAGAIN);
			assert_true(++idle < 600);
			host_advance(100 * HOST_MS);
		}
	}
	assert_int_equal(got, sent - STREAM / 2);
	assert_memory_equal(in, out + STREAM / 2, got);
	close_pair(c, s);
	assert_all_given_back();
}

/* A large segment of which the peer gets and acknowledges only the
 * first two frames the device cut it into (the rest are lost), then the
 * retransmission timeout: the segment is back at the head of the queue
 * to send, starting before the acknowledged point, with a congestion
 * window of one MSS. The sender must send again what follows the
 * acknowledged point, one MSS of it, and the rest of the data arrive
 * intact, within bounded time. */
static void test_tso_partial_ack_then_rto(void **state)
{
	enum {
		BURST = 12 * TCP_MSS
	};
	static uint8_t out[BURST], in[BURST];
	unsigned long gso;
	uint32_t acked;
	size_t got;
	int c, s, t;

	(void)state;
	connect_pair(&c, &s);
	stream(c, s, STREAM / 2); /* the windows open wide */
	pattern(out, sizeof(out), 13);
	gso = devs[1].gso_frames;
	devs[1].pass_on = 1;
	devs[1].pass = 2;
	devs[1].watch = 1;
	devs[1].wseen = 0;
	assert_int_equal(SYS(SYS_sendto, c, out, BURST, 0, NULL, 0), BURST);
	host_run(); /* out in one segment; two frames in, and acknowledged */
	assert_int_equal(devs[1].gso_frames, gso + 1);
	assert_false(devs[1].watch);
	assert_int_equal(devs[1].wend - devs[1].wseq, BURST);
	assert_int_equal(devs[1].pass, 0);
	assert_int_equal(
		SYS(SYS_recvfrom, s, in, BURST, MSG_DONTWAIT, NULL, NULL),
		2 * TCP_MSS);
	acked = devs[1].wseq + 2 * TCP_MSS;
	devs[1].pass_on = 0; /* the wire delivers again */
	devs[1].watch = 1;
	devs[1].wseen = 0;
	for (t = 0; t < 100 && devs[1].watch; t++)
		host_advance(100 * HOST_MS);
	/* sent again within 10 s: what follows the acknowledged point, one
	 * MSS of it (the congestion window) */
	assert_false(devs[1].watch);
	assert_true((int32_t)(acked - devs[1].wseq) >= 0);
	assert_int_equal(devs[1].wend, acked + TCP_MSS);
	for (got = 2 * TCP_MSS, t = 0; got < BURST && t < 300; t++) {
		long r = SYS(SYS_recvfrom, s, in + got, BURST - got,
			     MSG_DONTWAIT, NULL, NULL);

		if (r > 0) {
			got += (size_t)r;
		} else {
			assert_int_equal(r, -EAGAIN);
			host_advance(100 * HOST_MS);
		}
	}
	assert_int_equal(got, BURST); /* within 30 s */
	assert_memory_equal(in, out, BURST);
	close_pair(c, s);
	assert_int_equal(net_netif_get(1)->tx_inflight, 0);
	assert_all_given_back();
}

/* ---- Group "tso_nocsum": a device offering TSO4 without checksum
 * offload, which drv/netdev.h allows but GSO needs: no large segments,
 * the stream still goes through. */

static void test_tso_without_csum_unused(void **state)
{
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	stream(c, s, STREAM / 4);
	assert_int_equal(devs[1].gso_frames, 0);
	assert_true(devs[1].longest <= 1514);
	close_pair(c, s);
	assert_all_given_back();
}

/* ---- Group "large": as "tso", but device 0 takes large frames (and
 * sends in place itself): large segments arrive whole, in 4 KiB
 * buffers, as pbuf chains; and frames up to the 16-bit limit. */

static void test_large_segments_received_whole(void **state)
{
	int c, s;

	(void)state;
	connect_pair(&c, &s);
	stream(c, s, STREAM);
	assert_true(devs[1].gso_frames > 0);
	assert_int_equal(devs[1].segments, 0);
	close_pair(c, s);
	assert_all_given_back();
}

/* A UDP datagram to the server, its frame n bytes (IP length capped at
 * 65535), in buffers of chunk bytes. */
static size_t udp_frame(size_t n)
{
	uint8_t *ip = frame_buf + 14, *u = ip + 20;
	size_t tot = n - 14 > 65535 ? 65535 : n - 14;
	uint32_t acc;

	memcpy(frame_buf, devs[0].nd.mac, 6);
	memcpy(frame_buf + 6, devs[1].nd.mac, 6);
	put16(frame_buf + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)tot);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[15] = 2, ip[16] = 10, ip[19] = 1;
	ip4_csum(ip);
	put16(u, 4000);
	put16(u + 2, UDP_PORT);
	put16(u + 4, (unsigned)(tot - 20));
	put16(u + 6, 0);
	pattern(u + 8, tot - 28, 3);
	acc = add_bytes(17 + (uint32_t)(tot - 20), ip + 12, 8);
	put16(u + 6, (uint16_t)~fold(add_bytes(acc, u, tot - 20)));
	return tot - 28;
}

static void test_udp_frames_at_the_limit(void **state)
{
	static uint8_t in[70000], want[70000];
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(UDP_PORT) };
	int u = (int)SYS(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	int rcv = 1 << 20;

	(void)state;
	a.sin_addr.s_addr = htonl(0x0a000001);
	assert_true(u >= 3);
	SYS(SYS_setsockopt, u, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	assert_int_equal(SYS(SYS_bind, u, &a, sizeof(a)), 0);
	for (size_t n = 65533; n <= 65537; n++) {
		size_t pay = udp_frame(n), k = 0;
		long r;

		for (size_t off = 0; off < n; off += 4096)
			lens_buf[k++] = n - off < 4096 ? n - off : 4096;
		devs[0].csum = DRV_NETBUF_CSUM_NONE;
		hand_over(&devs[0], frame_buf, n, lens_buf, (unsigned)k, n);
		host_run();
		r = SYS(SYS_recvfrom, u, in, sizeof(in), MSG_DONTWAIT, NULL,
			NULL);
		if (n > 65535) {
			assert_int_equal(r, -EAGAIN);
		} else {
			assert_int_equal(r, (long)pay);
			memcpy(want, frame_buf + 42, pay);
			assert_memory_equal(in, want, pay);
		}
		assert_all_given_back();
	}
	assert_int_equal(SYS(SYS_close, u), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest split[] = {
		cmocka_unit_test(test_split_in_two_everywhere),
		cmocka_unit_test(test_split_in_three_everywhere),
		cmocka_unit_test(test_one_byte_buffers),
		cmocka_unit_test(test_zero_length_buffers),
		cmocka_unit_test(test_tot_len_mismatch),
		cmocka_unit_test(test_rx_held_exceeded_copies),
		cmocka_unit_test(test_hostile_frames),
	};
	const struct CMUnitTest tso[] = {
		cmocka_unit_test(test_tso_cut_by_device),
		cmocka_unit_test(test_tso_window_closes),
		cmocka_unit_test(test_tso_loss_shrinks_segments),
		cmocka_unit_test(test_tso_partial_ack_then_rto),
	};
	const struct CMUnitTest tso_nocsum[] = {
		cmocka_unit_test(test_tso_without_csum_unused),
	};
	const struct CMUnitTest large[] = {
		cmocka_unit_test(test_large_segments_received_whole),
		cmocka_unit_test(test_udp_frames_at_the_limit),
	};
	const char *g = argc > 1 ? argv[1] : "split";
	const unsigned tx = DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO4;

	host_kernel_init();
	if (!strcmp(g, "split")) {
		bring_up(0, 0, 0, 0);
		return cmocka_run_group_tests_name("split", split, NULL, NULL);
	}
	if (!strcmp(g, "tso")) {
		bring_up(1, tx, 0, 0);
		return cmocka_run_group_tests_name("tso", tso, NULL, NULL);
	}
	if (!strcmp(g, "tso_nocsum")) {
		bring_up(1, DRV_NETDEV_OFF_TSO4, 0, 0);
		return cmocka_run_group_tests_name("tso_nocsum", tso_nocsum,
						   NULL, NULL);
	}
	if (!strcmp(g, "large")) {
		bring_up(1, tx, 1, DRV_NETDEV_OFF_RX_LARGE);
		return cmocka_run_group_tests_name("large", large, NULL, NULL);
	}
	fprintf(stderr, "usage: %s split|tso|tso_nocsum|large\n", argv[0]);
	return 2;
}
