/* The network-device interface drivers offer and the network stack (net/)
 * or a raw-frame service binds to. Drivers know nothing of the stack:
 * received frames go to one callback, in the event loop, as buffers the
 * receiver keeps until it hands them back (so a stack can use them
 * without copying); frames to send are queued, then flushed in a batch.
 * Link changes come from the driver (drv_netdev_link, when the device
 * signals them) and go to whoever bound the device; so does the news
 * that a transmit ring which refused a frame has room again
 * (drv_netdev_tx_room). */
#ifndef DRV_NETDEV_H
#define DRV_NETDEV_H

#include <stddef.h>
#include <stdint.h>

#define DRV_NETDEV_MAX 4

/* A received frame, the receiver's until drv_netdev_rx_done(). */
struct drv_netbuf {
	void *data; /* the Ethernet frame, from its destination MAC */
	size_t len;
	int csum_valid; /* the device checked the L4 checksum */
	void *priv;	/* the driver's */
};

struct drv_netdev;
typedef void (*drv_netdev_rx_fn)(void *ctx, struct drv_netbuf *buf);
typedef void (*drv_netdev_link_fn)(void *ctx, int up);
typedef void (*drv_netdev_tx_fn)(void *ctx);

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
	/* Give a received buffer back for reuse. */
	void (*rx_done)(struct drv_netdev *nd, struct drv_netbuf *buf);
	/* Work on the device's rings now (e.g. while waiting to send). */
	void (*poll)(struct drv_netdev *nd);
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
	void *tx_ctx;
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

/* Have fn(ctx) called, in the event loop, whenever nd's transmit ring
 * has room again after refusing a frame (-EAGAIN from send). Inline, like
 * drv_netdev_watch_link. */
static inline void drv_netdev_watch_tx(struct drv_netdev *nd,
				       drv_netdev_tx_fn fn, void *ctx)
{
	nd->on_tx_room = fn;
	nd->tx_ctx = ctx;
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
