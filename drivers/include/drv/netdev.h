/* The network-device interface drivers offer and the network stack (net/)
 * or a raw-frame service binds to. Drivers know nothing of the stack:
 * received frames go to one callback, in the event loop, as buffers the
 * receiver keeps until it hands them back (so a stack can use them
 * without copying); frames to send are queued, then flushed in a batch.
 * Link changes come from the driver (drv_netdev_link, when the device
 * signals them) and go to whoever bound the device; so does the news
 * that a transmit ring which refused a frame has room again
 * (drv_netdev_tx_room).
 *
 * Offloads. A driver sets nd->offloads to what its device agreed to do
 * (DRV_NETDEV_OFF_*); the stack uses what it wants of them per frame.
 * On receive a frame may come in several buffers (->next) and with the
 * device's word on its L4 checksum (->csum). On transmit, send_sg takes
 * a frame as a list of pieces that the device reads in place (no copy):
 * the pieces must stay untouched until the driver gives the frame's
 * cookie to tx_done; the frame may ask the device to complete its L4
 * checksum and to cut a large TCP segment into MTU-sized ones. */
#ifndef DRV_NETDEV_H
#define DRV_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#define DRV_NETDEV_MAX 4

/* What the device says of a received frame's TCP/UDP checksum. */
#define DRV_NETBUF_CSUM_NONE 0	/* nothing: the stack verifies it */
#define DRV_NETBUF_CSUM_VALID 1 /* the device verified it */
#define DRV_NETBUF_CSUM_PARTIAL                     \
	2 /* it never left this host: the checksum  \
	   * field holds only the pseudo-header sum \
	   * and the data is known good (virtio's   \
	   * NEEDS_CSUM, Linux's CHECKSUM_PARTIAL) */

/* A received frame, or one buffer of it, the receiver's until each of its
 * buffers is given back with rx_done. The first buffer of a frame holds
 * its start (destination MAC first) and says, in tot_len, how long the
 * whole frame is; ->next leads to the following buffers of the same
 * frame, in order (only with DRV_NETDEV_OFF_RX_LARGE: a frame larger
 * than one buffer). Every buffer holds at least one byte. */
struct drv_netbuf {
	void *data;		 /* this buffer's part of the frame */
	size_t len;		 /* bytes of the frame in this buffer */
	size_t tot_len;		 /* first buffer: bytes in the whole frame */
	struct drv_netbuf *next; /* the frame's next buffer, or NULL */
	int csum;		 /* first buffer: DRV_NETBUF_CSUM_* */
	void *priv;		 /* the driver's */
};

/* Offloads a device agreed to (struct drv_netdev.offloads). */
#define DRV_NETDEV_OFF_TX_CSUM 0x01 /* completes TCP/UDP checksums */
#define DRV_NETDEV_OFF_RX_CSUM 0x02 /* says which checksums are good */
#define DRV_NETDEV_OFF_TSO4 0x04    /* cuts large TCP/IPv4 segments */
#define DRV_NETDEV_OFF_TSO6 0x08    /* cuts large TCP/IPv6 segments */
#define DRV_NETDEV_OFF_RX_LARGE                 \
	0x10 /* may deliver frames over the MTU \
	      * (merged large TCP segments) */

/* GSO types of a frame to send (struct drv_netdev_tx.gso). */
#define DRV_NETDEV_GSO_NONE 0
#define DRV_NETDEV_GSO_TCPV4 1
#define DRV_NETDEV_GSO_TCPV6 2

#define DRV_NETDEV_TX_PIECES 15	 /* most pieces in one send_sg frame */
#define DRV_NETDEV_GSO_MAX 65535 /* largest frame with a GSO type */
/* The longest frame received with DRV_NETDEV_OFF_RX_LARGE: a 64 KiB IP
 * datagram and its MAC header (more than a 16-bit length holds). */
#define DRV_NETDEV_RX_LARGE_MAX (65535 + 14)

/* One frame to send in place (drv_netdev_ops.send_sg). */
struct drv_netdev_tx {
	struct {
		const void *data;
		uint32_t len;
	} piece[DRV_NETDEV_TX_PIECES]; /* the frame, MAC header first */
	unsigned npieces;
	size_t len; /* the sum of the pieces' lengths */
	int csum;   /* the device completes the L4 checksum: it sums the
		     * bytes from csum_start to the end and stores the
		     * result at csum_start + csum_offset, where the stack
		     * left the pseudo-header's sum (needs OFF_TX_CSUM) */
	uint16_t csum_start, csum_offset;
	int gso;	   /* DRV_NETDEV_GSO_*: a TCP segment longer than
			    * the MTU, to be cut (needs csum and TSO4/6) */
	uint16_t gso_size; /* TCP payload bytes per cut segment */
	uint16_t hdr_len;  /* bytes of MAC, IP and TCP headers */
	void *cookie;	   /* given to tx_done once the device is done */
};

struct drv_netdev;
typedef void (*drv_netdev_rx_fn)(void *ctx, struct drv_netbuf *buf);
typedef void (*drv_netdev_link_fn)(void *ctx, int up);
typedef void (*drv_netdev_tx_fn)(void *ctx);
typedef void (*drv_netdev_tx_done_fn)(void *ctx, void *cookie);

struct drv_netdev_stats {
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t tx_packets, tx_bytes, tx_drops;
	uint64_t tx_ring_full; /* sends refused because the ring was full */
	uint64_t interrupts, notifications;
};

struct drv_netdev_ops {
	/* Start delivering received frames to rx(ctx, buf) from the loop. */
	int (*open)(struct drv_netdev *nd, drv_netdev_rx_fn rx, void *ctx);
	/* Queue a copy of one frame (len <= mtu + 14); -EAGAIN when the
	 * transmit ring is full (the driver then calls drv_netdev_tx_room
	 * once it has room again), -EMSGSIZE when the frame is too long. */
	int (*send)(struct drv_netdev *nd, const void *frame, size_t len);
	/* Tell the device about the frames queued since the last flush. */
	void (*flush)(struct drv_netdev *nd);
	/* Give one received buffer back for reuse (each buffer of a frame
	 * on its own, in any order). */
	void (*rx_done)(struct drv_netdev *nd, struct drv_netbuf *buf);
	/* Work on the device's rings now (e.g. while waiting to send). */
	void (*poll)(struct drv_netdev *nd);
	/* Optional (NULL: the stack copies and uses send). Queue frame t for
	 * the device to read in place: 0 (t->cookie goes to the tx_done watcher
	 * once the device is done with the pieces), -EAGAIN when the ring is
	 * full (as for send), -EMSGSIZE when too long, -EINVAL for offloads the
	 * device did not agree to, GSO without csum, gso_size or hdr_len
	 * (hdr_len < len), a checksum field past the frame, no pieces or too
	 * many, or pieces whose lengths do not add up to len. */
	int (*send_sg)(struct drv_netdev *nd, const struct drv_netdev_tx *t);
	/* Give the cookies of every frame the device is done with to the
	 * tx_done watcher (also done when sending and polling). */
	void (*tx_reclaim)(struct drv_netdev *nd);
};

struct drv_netdev {
	char name[16]; /* "net0" */
	uint8_t mac[6];
	unsigned mtu;
	int link_up; /* 1, 0, or -1 until the driver first reports it */
	int opened;
	drv_netdev_link_fn on_link; /* drv_netdev_watch_link's */
	void *link_ctx;
	drv_netdev_tx_fn on_tx_room; /* drv_netdev_watch_tx's */
	drv_netdev_tx_done_fn on_tx_done;
	void *tx_ctx;
	unsigned offloads; /* DRV_NETDEV_OFF_*, set by the driver */
	const struct drv_netdev_ops *ops;
	void *priv;
	struct drv_netdev_stats stats;
	const char *driver; /* "virtio-net (pci, MSI-X)" */
};

/* Add nd to the table of network devices and name it netN, its link
 * unknown until the driver reports it. 0, -ENOSPC. */
int drv_netdev_register(struct drv_netdev *nd);

/* The driver read nd's link state (at probe, and whenever the device
 * signals a configuration change), in the event loop: record it, and on
 * a change log it and tell the watcher. */
void drv_netdev_link(struct drv_netdev *nd, int up);

/* Have fn(ctx, up) called, in the event loop, whenever nd's link goes up
 * or down. Returns whether the link is up now (an unknown link counts as
 * up). Inline, so that a stack bound to a fake device (test/fuzz) needs
 * no drivers/netdev.c. */
static inline int drv_netdev_watch_link(struct drv_netdev *nd,
					drv_netdev_link_fn fn, void *ctx)
{
	nd->on_link = fn;
	nd->link_ctx = ctx;
	return nd->link_up != 0;
}

/* Have room(ctx) called, in the event loop, whenever nd's transmit ring
 * has room again after refusing a frame (-EAGAIN from send or send_sg),
 * and done(ctx, cookie) for each frame of send_sg the device is done
 * with. Inline, like drv_netdev_watch_link. */
static inline void drv_netdev_watch_tx(struct drv_netdev *nd,
				       drv_netdev_tx_fn room,
				       drv_netdev_tx_done_fn done, void *ctx)
{
	nd->on_tx_room = room;
	nd->on_tx_done = done;
	nd->tx_ctx = ctx;
}

/* The device is done with the frame of send_sg whose cookie this is (the
 * driver calls it in the loop, send_sg included: the watcher must not
 * send from it). */
static inline void drv_netdev_tx_done(struct drv_netdev *nd, void *cookie)
{
	if (nd->on_tx_done)
		nd->on_tx_done(nd->tx_ctx, cookie);
}

/* The driver's transmit ring, which refused a frame, has room again (the
 * driver learnt it in the event loop, e.g. from a transmit interrupt it
 * asked for when it refused): tell the watcher. A call with nothing
 * refused is harmless; the watcher keeps it cheap. */
static inline void drv_netdev_tx_room(struct drv_netdev *nd)
{
	if (nd->on_tx_room)
		nd->on_tx_room(nd->tx_ctx);
}

/* The number of network devices, and the i-th (NULL if out of range). */
int drv_netdev_count(void);
struct drv_netdev *drv_netdev_get(int i);

#endif
