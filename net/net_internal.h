/* What the files of net/ share: the interfaces (one lwIP netif per
 * network device, netif.c). */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <stdint.h>

#include <drv/netdev.h>
#include <kern/loop.h>
#include <lwip/netif.h>

#define NET_FRAME_MAX 1514 /* an Ethernet frame at MTU 1500, no FCS */

struct net_if {
	struct netif lw; /* first: lwIP's netif points back at us */
	struct drv_netdev *nd;
	int rx_held;	    /* received buffers lwIP holds (zero copy) */
	uint8_t static_ip6; /* bit i: IPv6 address slot i is static */
	int ip6_prefix[LWIP_IPV6_NUM_ADDRESSES]; /* for the log */
	uint8_t bounce[NET_FRAME_MAX]; /* a pbuf chain made contiguous */
	struct kern_deferred flush;    /* frames sent during a pass */
	int tx_refused;		       /* the device refused a frame since */
	int tx_again;		       /* ... and has room again: resend */
	struct kern_deferred txnow;    /* ... at the end of the pass */
	unsigned off;		       /* DRV_NETDEV_OFF_* in use */
	uint16_t cks_all, cks_trusted; /* lwIP's checksum flags per frame */
	unsigned tx_inflight;	       /* frames the device reads in place */
};

/* Bind device nd to a new lwIP netif with nd's MAC, MTU and link state,
 * up, taking nd's received frames and following its link changes. The
 * interface, or NULL with a log line (the device is taken for raw
 * frames, or lwIP refused it). */
struct net_if *net_netif_add(struct drv_netdev *nd);

/* Take back the frames nif's device has finished sending in place, so
 * that lwIP may retransmit their segments (cheap when none are out). */
void net_netif_reclaim(struct net_if *nif);

/* Before lwIP's timers run: the device's rings worked now (finished
 * frames reclaimed, arrived ones taken in, a stalled queue nudged: the
 * driver's poll). */
void net_netif_poll(struct net_if *nif);

/* The interfaces made so far, in order (NULL past the last). */
struct net_if *net_netif_get(int i);

/* Have the service's exit wait, bounded, until TCP has delivered what
 * it holds (drain.c). Once, after the drivers registered their own exit
 * work (which runs after this: last registered, first run). */
void net_drain_at_exit(void);

#endif
