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
 * Send: a frame in one pbuf goes to the driver as it is; a chain (TCP
 * headers and data) is first made contiguous in the interface's bounce
 * buffer. The driver copies it into its ring. Frames sent during a pass
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
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/pbuf.h>
#include <lwip/snmp.h>
#include <lwip/priv/tcp_priv.h>
#include <netif/ethernet.h>

#include "heap.h"
#include "net_internal.h"

#define RX_HELD 64	 /* of the ring's 256 buffers */
#define ETH_MIN_FRAME 60 /* bytes, without the FCS */

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

	nd->ops->rx_done(nd, r->buf);
	r->nif->rx_held--;
	net_free(r);
}

/* The frame in buf as a pbuf: lent while few are held, else copied (and
 * buf given back) into a pbuf of its own size. A frame shorter than
 * Ethernet's minimum is copied and padded with zeros, as the wire would
 * have it (lwIP reads a few header bytes of a truncated packet before it
 * checks the length). NULL when out of memory (buf is given back). */
static struct pbuf *rx_pbuf(struct net_if *nif, struct drv_netbuf *buf)
{
	struct drv_netdev *nd = nif->nd;
	u16_t len = (u16_t)buf->len;
	struct rx_ref *r;
	struct pbuf *p;

	if (len >= ETH_MIN_FRAME && nif->rx_held < RX_HELD &&
	    (r = net_malloc(sizeof(*r)))) {
		r->pc.custom_free_function = rx_free;
		r->nif = nif;
		r->buf = buf;
		nif->rx_held++;
		return pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &r->pc,
					   buf->data, len);
	}
	p = pbuf_alloc(PBUF_RAW, len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len,
		       PBUF_RAM);
	if (p) {
		memcpy(p->payload, buf->data, len);
		memset((char *)p->payload + len, 0, p->len - len);
	}
	nd->ops->rx_done(nd, buf);
	return p;
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
static void rx(void *ctx, struct drv_netbuf *buf)
{
	struct net_if *nif = ctx;
	struct pbuf *p;

	if (buf->len < SIZEOF_ETH_HDR || buf->len > NET_FRAME_MAX) {
		MIB2_STATS_NETIF_INC(&nif->lw, ifinerrors);
		nif->nd->ops->rx_done(nif->nd, buf);
		return;
	}
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

	while (nif->tx_again) {
		nif->tx_again = 0;
		tcp_txnow();
	}
}

/* lwIP's output of one frame. A full ring is ERR_MEM, so that TCP keeps
 * the segment queued; it is sent again when the ring has room (tx_room),
 * not at a retransmission timeout. */
static err_t linkoutput(struct netif *n, struct pbuf *p)
{
	struct net_if *nif = (struct net_if *)n;
	struct drv_netdev *nd = nif->nd;
	const void *frame = p->payload;
	int r;

	if (p->tot_len > NET_FRAME_MAX) {
		MIB2_STATS_NETIF_INC(n, ifouterrors);
		return ERR_BUF;
	}
	if (p->len != p->tot_len) {
		pbuf_copy_partial(p, nif->bounce, p->tot_len, 0);
		frame = nif->bounce;
	}
	r = nd->ops->send(nd, frame, p->tot_len);
	if (r) {
		MIB2_STATS_NETIF_INC(n, ifoutdiscards);
		nd->ops->flush(nd); /* let the device drain the ring */
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
		nd->ops->flush(nd);
	return ERR_OK;
}

/* The end of a pass in which frames were sent: tell the device. */
static void flush(void *arg)
{
	struct net_if *nif = arg;

	nif->nd->ops->flush(nif->nd);
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
	drv_netdev_watch_tx(nd, tx_room, NULL, nif);
	netif_set_up(&nif->lw);
	nd->ops->open(nd, rx, nif);
	return nif;
}
