/* What one frame asks of, or is told by, a device that offloads TCP
 * checksums and segmentation (drv/netdev.h's DRV_NETDEV_OFF_*): the pure
 * part of net/netif.c's offload handling, kept apart so that it is unit
 * tested (test/unit/test_offload.c). No lwIP state, no device. */
#ifndef NET_OFFLOAD_H
#define NET_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <drv/netdev.h>

#define NET_ETH_HLEN 14
/* MSSs in one offloaded segment at most (cmake -DOS_NET_TUNING may set
 * it) */
#ifndef NET_TCP_SEG_MAX_MSS
#define NET_TCP_SEG_MAX_MSS 44
#endif

/* Fill t->csum, csum_start, csum_offset, gso, gso_size and hdr_len for
 * the Ethernet frame f of len bytes, of which the first avail are
 * contiguous here, sent on an interface with MTU mtu whose device agreed
 * to offloads off. A TCP packet (IPv4 or IPv6, not a fragment) gets its
 * checksum completed by the device when off has DRV_NETDEV_OFF_TX_CSUM:
 * the pseudo-header's sum is written into its checksum field. A TCP
 * packet longer than the MTU is marked for segmentation in segments of
 * mss bytes less its TCP options (mss 0: the most the MTU allows).
 * Other frames ask nothing. 0; -EAGAIN when the headers are not all
 * within avail (make the frame contiguous and call again); -EMSGSIZE
 * when the frame is longer than the MTU and the device cannot cut it
 * or it is malformed. */
int net_offload_tx(uint8_t *f, size_t avail, size_t len, unsigned off,
		   unsigned mtu, unsigned mss, struct drv_netdev_tx *t);

/* Whether lwIP may skip the TCP/UDP checksum of received frame f (len
 * bytes, the first avail contiguous here) whose device said csum
 * (DRV_NETBUF_CSUM_*): the device verified it, or the frame never left
 * this host. Never for an IP fragment, whose checksum covers what other
 * frames carry, nor for a frame whose IP header is cut or malformed. */
int net_offload_rx_trusted(const uint8_t *f, size_t avail, size_t len,
			   int csum);

#endif
