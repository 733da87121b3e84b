/* The glue between lwIP and the network devices of drv/netdev.h: one lwIP
 * netif per device.
 *
 * Receive: the driver hands over each frame in its own buffer; the frame
 * becomes a PBUF_REF custom pbuf over that buffer (no copy), whose free
 * function gives the buffer back to the driver. So that lwIP cannot keep
 * the receive ring empty (frames waiting in TCP's out-of-order queue or
 * in reassembly, or data the service has not read), at most RX_HELD
 * buffers are held at once; past that a frame is copied into a pbuf and
 * its buffer given back at once.
 *
 * Send: when the driver can (send_sg), a frame goes to the device in
 * place, its pbufs read where they are: the netif holds a reference on
 * the pbuf until the driver says the device is done (tx_done), and lwIP
 * does not retransmit a segment whose pbuf is still held
 * (tcp_output_segment_busy), so finished frames are reclaimed on every
 * received frame and before lwIP's timers run. A chain of more pieces
 * than the driver takes is copied into one pbuf first. Otherwise (a
 * driver without send_sg) a chain is made contiguous in the interface's
 * bounce buffer and the driver copies it.
 *
 * Offloads (net/offload.c decides per frame): with the device's
 * checksum offload lwIP computes no TCP checksum; the frame asks the
 * device to complete it. A TCP segment longer than the MTU, which lwIP
 * builds only for an interface whose device cuts segments (TCP_SEG_MAX,
 * lwipopts.h), asks for that with the connection's MSS. On receive, a
 * frame may come in several buffers (a large segment the host merged):
 * it becomes a chain of lent pbufs. lwIP skips the TCP/UDP checksum of a
 * frame the device vouched for (per frame: the netif's checksum flags are
 * set before each input). Frames sent during a pass
 * of the event loop (answers to received frames, lwIP's timers) are
 * flushed once, at the end of the pass (kern_loop_defer): one device
 * notification for the batch. Frames the service's own calls send are
 * flushed at once. A frame the driver refuses because its ring is full
 * is ERR_MEM to lwIP, which keeps a TCP segment queued (and marks its pcb
 * TF_NAGLEMEMERR) but would send it again only at its retransmission
 * timeout: so a refusal is remembered, and when the device says its ring
 * has room again (drv_netdev_tx_room), or a later frame goes through,
 * tcp_txnow() sends what was refused, at the end of the pass.
 *
 * Link: the device's link changes reach lwIP when the driver reports
 * them (drv_netdev_link, from the device's configuration-change
 * interrupt). */
#include <errno.h>
#include <string.h>

#include <kern/console.h>
#include <kern/loop.h>
#include <kern/prof.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/inet_chksum.h>
#include <lwip/ip.h>
#include <lwip/nd6.h>
#include <lwip/prot/ip4.h>
#include <lwip/pbuf.h>
#include <lwip/snmp.h>
#include <lwip/priv/tcp_priv.h>
#include <netif/ethernet.h>

#include "heap.h"
#include "net_internal.h"
#include "offload.h"

/* buffers lent to lwIP at most, of the ring's 256 (cmake
 * -DOS_NET_TUNING may set it) */
#ifndef RX_HELD
#define RX_HELD 160
#endif
/* Run the driver call expr with its time charged to the driver's layer
 * (kern/prof.h: net/'s time and the driver's are told apart here). */
#define IN_DRIVER(expr)                                              \
	do {                                                         \
		int prev_layer_ = kern_prof_enter(KERN_PROF_DRIVER); \
		expr;                                                \
		kern_prof_leave(prev_layer_);                        \
	} while (0)
#define ETH_MIN_FRAME 60    /* bytes, without the FCS */
#define RX_LARGE_MAX 0xffff /* a pbuf chain's tot_len is 16 bits */
#define GSO_HDR_MAX (NET_ETH_HLEN + 40 + 60) /* MAC, IPv6 and TCP */

/* A received buffer lent to lwIP as a pbuf. */
struct rx_ref {
	struct pbuf_custom pc; /* first: the pbuf lwIP frees */
	struct net_if *nif;
	struct drv_netbuf *buf;
};

static struct net_if ifs[DRV_NETDEV_MAX];
static int nifs;

struct net_if *net_netif_get(int i)
{
	return i >= 0 && i < nifs ? &ifs[i] : NULL;
}

/* lwIP freed a zero-copy pbuf: the buffer goes back to the driver. */
static void rx_free(struct pbuf *p)
{
	struct rx_ref *r = (struct rx_ref *)(void *)p;
	struct drv_netdev *nd = r->nif->nd;

	IN_DRIVER(nd->ops->rx_done(nd, r->buf));
	r->nif->rx_held--;
	net_free(r);
}

/* Buffer b as a pbuf lent to lwIP, or NULL when out of memory. */
static struct pbuf *lend(struct net_if *nif, struct drv_netbuf *b)
{
	struct rx_ref *r = net_malloc(sizeof(*r));

	if (!r)
		return NULL;
	r->pc.custom_free_function = rx_free;
	r->nif = nif;
	r->buf = b;
	nif->rx_held++;
	return pbuf_alloced_custom(PBUF_RAW, (u16_t)b->len, PBUF_REF, &r->pc,
				   b->data, (u16_t)b->len);
}

/* Give buffers b and those after it back to the driver. */
static void give_back(struct drv_netdev *nd, struct drv_netbuf *b)
{
	struct drv_netbuf *next;

	for (; b; b = next) {
		next = b->next;
		IN_DRIVER(nd->ops->rx_done(nd, b));
	}
}

/* The frame's buffers lent, as a chain; NULL when out of memory (every
 * buffer is given back). */
static struct pbuf *lend_chain(struct net_if *nif, struct drv_netbuf *buf)
{
	struct pbuf *head = NULL, *q;
	struct drv_netbuf *b, *next;

	for (b = buf; b; b = next) {
		next = b->next;
		if (!(q = lend(nif, b))) {
			if (head)
				pbuf_free(head);
			give_back(nif->nd, b);
			return NULL;
		}
		if (head)
			pbuf_cat(head, q);
		else
			head = q;
	}
	return head;
}

/* The frame copied into a pbuf of its own size, at least Ethernet's
 * minimum, zero-padded; its buffers are given back. NULL when out of
 * memory. */
static struct pbuf *copy_frame(struct net_if *nif, struct drv_netbuf *buf)
{
	size_t len = buf->tot_len, off = 0;
	struct pbuf *p;
	struct drv_netbuf *b;

	p = pbuf_alloc(PBUF_RAW, len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len,
		       PBUF_RAM);
	if (p) {
		for (b = buf; b; b = b->next) {
			pbuf_take_at(p, b->data, (u16_t)b->len, (u16_t)off);
			off += b->len;
		}
		memset((char *)p->payload + len, 0, p->len - len);
	}
	give_back(nif->nd, buf);
	return p;
}

/* The frame in buf (and the buffers after it) as a pbuf: lent while few
 * are held, else copied (and the buffers given back). A frame shorter
 * than Ethernet's minimum is copied and padded with zeros, as the wire
 * would have it (lwIP reads a few header bytes of a truncated packet
 * before it checks the length); so is a frame whose first buffer is
 * shorter than that minimum, since lwIP reads those header bytes from
 * the first pbuf (ARP's 28 without any check). NULL when out of memory
 * (the buffers are given back). */
static struct pbuf *rx_pbuf(struct net_if *nif, struct drv_netbuf *buf)
{
	unsigned n = 0;

	for (struct drv_netbuf *b = buf; b; b = b->next)
		n++;
	if (buf->len >= ETH_MIN_FRAME && nif->rx_held + n <= RX_HELD)
		return lend_chain(nif, buf);
	return copy_frame(nif, buf);
}

/* Whether buf's chain is a frame lwIP can take: its length within what
 * the interface accepts and equal to its buffers' sum, its MAC header in
 * the first buffer. */
static int frame_ok(const struct net_if *nif, const struct drv_netbuf *buf)
{
	size_t max = (nif->off & DRV_NETDEV_OFF_RX_LARGE) ? RX_LARGE_MAX :
							    NET_FRAME_MAX;
	size_t sum = 0;

	for (const struct drv_netbuf *b = buf; b; b = b->next)
		sum += b->len;
	return buf->len >= SIZEOF_ETH_HDR && sum == buf->tot_len &&
	       buf->tot_len <= max;
}

/* Before each frame goes in: what lwIP verifies of it. */
static void set_rx_checks(struct net_if *nif, const struct drv_netbuf *buf)
{
	int trusted = (nif->off & DRV_NETDEV_OFF_RX_CSUM) &&
		      net_offload_rx_trusted(buf->data, buf->len, buf->tot_len,
					     buf->csum);

	NETIF_SET_CHECKSUM_CTRL(&nif->lw,
				trusted ? nif->cks_trusted : nif->cks_all);
}

static void count_rx(struct netif *n, const struct pbuf *p)
{
	const uint8_t *dst = p->payload;

	MIB2_STATS_NETIF_ADD(n, ifinoctets, p->tot_len);
	if (dst[0] & 1)
		MIB2_STATS_NETIF_INC(n, ifinnucastpkts);
	else
		MIB2_STATS_NETIF_INC(n, ifinucastpkts);
}

/* The driver's receive callback, in the event loop: into lwIP. */
static void rx_frame(struct net_if *nif, struct drv_netbuf *buf)
{
	struct pbuf *p;

	if (!frame_ok(nif, buf)) {
		MIB2_STATS_NETIF_INC(&nif->lw, ifinerrors);
		give_back(nif->nd, buf);
		return;
	}
	net_netif_reclaim(nif); /* lwIP may retransmit what the device sent */
	set_rx_checks(nif, buf);
	p = rx_pbuf(nif, buf);
	if (!p) {
		MIB2_STATS_NETIF_INC(&nif->lw, ifindiscards);
		return;
	}
	count_rx(&nif->lw, p);
	/* lwIP's input asks for its work at the end of the pass (timers.c) */
	if (nif->lw.input(p, &nif->lw) != ERR_OK)
		pbuf_free(p);
}

/* The driver's frame, in net/'s time (kern/prof.h). */
static void rx(void *ctx, struct drv_netbuf *buf)
{
	int prev = kern_prof_enter(KERN_PROF_NET);

	rx_frame(ctx, buf);
	kern_prof_leave(prev);
}

static void count_tx(struct netif *n, const struct pbuf *p)
{
	const uint8_t *dst = p->payload;

	MIB2_STATS_NETIF_ADD(n, ifoutoctets, p->tot_len);
	if (dst[0] & 1)
		MIB2_STATS_NETIF_INC(n, ifoutnucastpkts);
	else
		MIB2_STATS_NETIF_INC(n, ifoutucastpkts);
}

/* After a refusal, the ring has room: what lwIP kept goes out at the end
 * of the pass. Nothing to do (one test) when nothing was refused. */
static void tx_room(void *ctx)
{
	struct net_if *nif = ctx;

	if (!nif->tx_refused)
		return;
	nif->tx_refused = 0;
	nif->tx_again = 1;
	kern_loop_defer(&nif->txnow);
}

/* The end of a pass after a refusal: TCP sends the segments it kept, and
 * again if, while it did, a frame was refused and a later one went
 * through (asking for this work from itself would be ignored). Ends: each
 * round sends a frame of the finite queues. */
static void txnow(void *arg)
{
	struct net_if *nif = arg;

	int prev = kern_prof_enter(KERN_PROF_NET);

	while (nif->tx_again) {
		nif->tx_again = 0;
		tcp_txnow();
	}
	kern_prof_leave(prev);
}

/* The MSS of the TCP segment whose pbuf went out last
 * (net_tcp_out_seg): the segment size a frame built on that pbuf asks
 * the device to cut it into. */
static struct pbuf *seg_p;
static u16_t seg_mss;

uint32_t *net_tcp_out_seg(struct pbuf *p, const struct tcp_pcb *pcb,
			  uint32_t *opts)
{
	seg_p = p;
	/* a reset may come with no pcb, or a listening one (no mss) */
	seg_mss = pcb && pcb->state != LISTEN ? pcb->mss : 0;
	return opts;
}

/* Frame p through a driver without send_sg: a chain made contiguous in
 * the bounce buffer, copied by the driver. 0 or the driver's error. */
static int send_copy(struct net_if *nif, struct pbuf *p)
{
	const void *frame = p->payload;
	int r;

	if (p->tot_len > NET_FRAME_MAX)
		return -EMSGSIZE;
	if (p->len != p->tot_len) {
		pbuf_copy_partial(p, nif->bounce, p->tot_len, 0);
		frame = nif->bounce;
	}
	IN_DRIVER(r = nif->nd->ops->send(nif->nd, frame, p->tot_len));
	return r;
}

/* The offloads frame p asks for (net_offload_tx) in t, its pbufs as t's
 * pieces. 0, or net_offload_tx's error. */
static int describe(struct net_if *nif, struct pbuf *p, unsigned mss,
		    struct drv_netdev_tx *t)
{
	int r = net_offload_tx(p->payload, p->len, p->tot_len, nif->off,
			       nif->lw.mtu, mss, t);

	if (r)
		return r;
	t->npieces = 0;
	for (struct pbuf *q = p; q; q = q->next)
		if (q->len)
			t->piece[t->npieces++] =
				(typeof(t->piece[0])){ q->payload, q->len };
	t->len = p->tot_len;
	t->cookie = p;
	return 0;
}

/* Frame p read in place by the device, with the offloads it asks for. A
 * chain of more pieces than the driver takes, or whose headers are not
 * all in its first pbuf, is first copied into one pbuf. The pbuf is
 * held until the driver's tx_done. 0, -ENOMEM, or the driver's error. */
static int send_in_place(struct net_if *nif, struct pbuf *p)
{
	struct drv_netdev_tx t;
	unsigned mss = p == seg_p ? seg_mss : 0;
	int r = -EAGAIN;

	if (pbuf_clen(p) <= DRV_NETDEV_TX_PIECES)
		r = describe(nif, p, mss, &t);
	if (r == -EAGAIN) {
		if (!(p = pbuf_clone(PBUF_RAW, PBUF_RAM, p)))
			return -ENOMEM;
		r = describe(nif, p, mss, &t);
	} else {
		pbuf_ref(p);
	}
	if (!r)
		IN_DRIVER(r = nif->nd->ops->send_sg(nif->nd, &t));
	if (r) {
		pbuf_free(p);
		return r;
	}
	nif->tx_inflight++;
	return 0;
}

/* The driver is done with a frame send_in_place gave it. */
static void tx_done(void *ctx, void *cookie)
{
	struct net_if *nif = ctx;
	int prev = kern_prof_enter(KERN_PROF_NET);

	nif->tx_inflight--;
	pbuf_free(cookie);
	kern_prof_leave(prev);
}

void net_netif_reclaim(struct net_if *nif)
{
	if (nif->tx_inflight && nif->nd->ops->tx_reclaim)
		IN_DRIVER(nif->nd->ops->tx_reclaim(nif->nd));
}

void net_netif_poll(struct net_if *nif)
{
	IN_DRIVER(nif->nd->ops->poll(nif->nd));
}

/* lwIP's output of one frame. A full ring is ERR_MEM, so that TCP keeps
 * the segment queued; it is sent again when the ring has room (tx_room),
 * not at a retransmission timeout. */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	struct net_if *nif = (struct net_if *)n;
	struct drv_netdev *nd = nif->nd;
	int r = nd->ops->send_sg ? send_in_place(nif, p) : send_copy(nif, p);

	if (r) {
		MIB2_STATS_NETIF_INC(n, ifoutdiscards);
		IN_DRIVER(nd->ops->flush(nd)); /* let it drain the ring */
		if (r == -ENOMEM)
			return ERR_MEM;
		if (r != -EAGAIN)
			return ERR_IF;
		nif->tx_refused = 1;
		return ERR_MEM;
	}
	count_tx(n, p);
	tx_room(nif); /* a frame went through: the ring has room */
	if (kern_loop_in_pass())
		kern_loop_defer(&nif->flush);
	else
		IN_DRIVER(nd->ops->flush(nd));
	return ERR_OK;
}

/* The offloads lwIP's netif n uses: none unless it is one of ours. */
static unsigned offloads(const struct netif *n)
{
	return n && n->linkoutput == linkoutput ?
		       ((const struct net_if *)n)->off :
		       0;
}

/* The length the last unsent segment of c was built for, when tcp_write
 * left room in its buffer for later writes (TCP_OVERSIZE): its data and
 * options and that room. 0 when there is no such room. */
static u32_t unsent_tail(const struct tcp_pcb *c)
{
	const struct tcp_seg *s = c->unsent;

	if (!s || !c->unsent_oversize)
		return 0;
	while (s->next)
		s = s->next;
	return s->len + LWIP_TCP_OPT_LENGTH(s->flags) + c->unsent_oversize;
}

uint16_t net_tcp_seg_max(const struct tcp_pcb *pcb)
{
	struct tcp_pcb *c = (struct tcp_pcb *)(uintptr_t)pcb;
	unsigned need = IP_IS_V6(&c->remote_ip) ? DRV_NETDEV_OFF_TSO6 :
						  DRV_NETDEV_OFF_TSO4;
	struct netif *n = c->netif_idx != NETIF_NO_INDEX ?
				  netif_get_by_index(c->netif_idx) :
				  ip_route(&c->local_ip, &c->remote_ip);
	u32_t k, most, seg = c->mss;

	if (c->mss && (offloads(n) & need)) {
		k = LWIP_MIN(c->cwnd, c->snd_wnd) / c->mss;
		most = (RX_LARGE_MAX - GSO_HDR_MAX) / c->mss;
		k = LWIP_MIN(k, LWIP_MIN(most, NET_TCP_SEG_MAX_MSS));
		seg = LWIP_MAX(k, 1) * c->mss;
	}
	/* never below the room the tail was given when the windows were
	 * wider (a loss since): tcp_write asserts that the room fits */
	return (uint16_t)LWIP_MAX(seg, unsent_tail(c));
}

/* The TCP checksum of packet p (its IP header first) in software. */
static void tcp_csum_soft(struct pbuf *p, int v)
{
	u16_t hl =
		v == 4 ? (u16_t)IPH_HL_BYTES((struct ip_hdr *)p->payload) : 40;
	ip_addr_t src, dst;
	struct tcp_hdr *th;

	if (v == 4) {
		ip_addr_copy_from_ip4(src, ((struct ip_hdr *)p->payload)->src);
		ip_addr_copy_from_ip4(dst, ((struct ip_hdr *)p->payload)->dest);
	} else {
		ip_addr_copy_from_ip6_packed(
			src, ((struct ip6_hdr *)p->payload)->src);
		ip_addr_copy_from_ip6_packed(
			dst, ((struct ip6_hdr *)p->payload)->dest);
	}
	if (p->len < hl + TCP_HLEN || pbuf_remove_header(p, hl))
		return;
	th = p->payload;
	th->chksum = 0;
	th->chksum = ip_chksum_pseudo(p, IP_PROTO_TCP, p->tot_len, &src, &dst);
	pbuf_add_header(p, hl);
}

/* Whether IPv6 packet p (its header first) goes to a destination whose
 * path MTU (an ICMPv6 Packet Too Big) is below n's: the device would cut
 * it to segments sized for the link, which the path drops; IP must
 * fragment it instead (the connection's MSS was fixed before). */
static int path_narrower(struct netif *n, int v, struct pbuf *p)
{
	ip6_addr_t dest;

	if (v != 6 || p->len < IP6_HLEN)
		return 0;
	ip6_addr_copy_from_packed(dest, ((struct ip6_hdr *)p->payload)->dest);
	ip6_addr_assign_zone(&dest, IP6_UNICAST, n);
	return nd6_get_destination_mtu(&dest, n) < netif_mtu6(n);
}

int net_ip_seg_offload(struct netif *n, int proto, int v, struct pbuf *p)
{
	unsigned tso = v == 4 ? DRV_NETDEV_OFF_TSO4 : DRV_NETDEV_OFF_TSO6;

	if (proto != IP_PROTO_TCP)
		return 0;
	if ((offloads(n) & tso) && !path_narrower(n, v, p))
		return 1;
	if (offloads(n) & DRV_NETDEV_OFF_TX_CSUM) /* fragments: no offload */
		tcp_csum_soft(p, v);
	return 0;
}

/* The end of a pass in which frames were sent: tell the device. */
static void flush(void *arg)
{
	struct net_if *nif = arg;

	IN_DRIVER(nif->nd->ops->flush(nif->nd));
}

/* The device's link went up or down (drv_netdev_link). */
static void link_changed(void *ctx, int up)
{
	struct netif *n = &((struct net_if *)ctx)->lw;

	if (up)
		netif_set_link_up(n);
	else
		netif_set_link_down(n);
}

/* lwIP's netif initialisation: the device's addresses and sizes. */
static err_t init(struct netif *n)
{
	struct net_if *nif = (struct net_if *)n;
	struct drv_netdev *nd = nif->nd;

	n->name[0] = 'e';
	n->name[1] = 'n';
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = linkoutput;
	n->mtu = (u16_t)nd->mtu;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, nd->mac, ETH_HWADDR_LEN);
	n->flags =
		NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	nif->off = nd->ops->send_sg ? nd->offloads : 0;
	if (!(nif->off & DRV_NETDEV_OFF_TX_CSUM)) /* GSO needs it */
		nif->off &=
			~(unsigned)(DRV_NETDEV_OFF_TSO4 | DRV_NETDEV_OFF_TSO6);
	nif->cks_all = NETIF_CHECKSUM_ENABLE_ALL;
	if (nif->off & DRV_NETDEV_OFF_TX_CSUM)
		nif->cks_all &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
	nif->cks_trusted = nif->cks_all & (u16_t) ~(NETIF_CHECKSUM_CHECK_TCP |
						    NETIF_CHECKSUM_CHECK_UDP);
	NETIF_SET_CHECKSUM_CTRL(n, nif->cks_all);
	MIB2_INIT_NETIF(n, snmp_ifType_ethernet_csmacd, 0);
	return ERR_OK;
}

struct net_if *net_netif_add(struct drv_netdev *nd)
{
	struct net_if *nif = &ifs[nifs];

	if (nifs == DRV_NETDEV_MAX || nd->opened) {
		kern_info("%s: taken already; no TCP/IP on it", nd->name);
		return NULL;
	}
	memset(nif, 0, sizeof(*nif));
	nif->nd = nd;
	nif->flush = (struct kern_deferred){ .fn = flush, .arg = nif };
	nif->txnow = (struct kern_deferred){ .fn = txnow, .arg = nif };
	if (!netif_add(&nif->lw, NULL, NULL, NULL, nif, init, ethernet_input)) {
		kern_error("%s: lwIP refused the interface", nd->name);
		return NULL;
	}
	nifs++;
	nd->opened = 1; /* os_net_open() now says EBUSY */
	if (drv_netdev_watch_link(nd, link_changed, nif))
		netif_set_link_up(&nif->lw);
	drv_netdev_watch_tx(nd, tx_room, tx_done, nif);
	netif_set_up(&nif->lw);
	nd->ops->open(nd, rx, nif);
	return nif;
}
