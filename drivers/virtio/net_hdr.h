/* virtio-net's pure logic (drivers/virtio/net_hdr.c), apart from the
 * hardware so that host unit tests reach it: which offload features to
 * take of those a device offers (virtio 1.x 5.1.3, 5.1.3.1), the header
 * before a frame to send (5.1.6.2) from drv/netdev.h's request, the
 * checksum status of a received frame (5.1.6.4.1), and the joining of a
 * frame the device spread over several merged receive buffers (5.1.6.4),
 * with every check a broken device calls for. */
#ifndef VIRTIO_NET_HDR_H
#define VIRTIO_NET_HDR_H

#include <stddef.h>
#include <stdint.h>

#include <drv/netdev.h>

/* Feature bits (5.1.3). */
#define VNET_F_CSUM (1ULL << 0)
#define VNET_F_GUEST_CSUM (1ULL << 1)
#define VNET_F_MTU (1ULL << 3)
#define VNET_F_MAC (1ULL << 5)
#define VNET_F_GUEST_TSO4 (1ULL << 7)
#define VNET_F_GUEST_TSO6 (1ULL << 8)
#define VNET_F_HOST_TSO4 (1ULL << 11)
#define VNET_F_HOST_TSO6 (1ULL << 12)
#define VNET_F_MRG_RXBUF (1ULL << 15)
#define VNET_F_STATUS (1ULL << 16)

/* Header flags and GSO types (5.1.6). */
#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_F_DATA_VALID 2
#define VNET_HDR_GSO_NONE 0
#define VNET_HDR_GSO_TCPV4 1
#define VNET_HDR_GSO_TCPV6 4

/* The header before every frame (5.1.6); num_buffers exists with
 * VERSION_1 or MRG_RXBUF, else the header is 10 bytes. Little-endian
 * fields: x86's own order, legacy devices' too. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

/* The longest frame a device may hand over whole (a merged TCP segment:
 * 64 KiB of IP datagram and the MAC header). */
#define VNET_RX_FRAME_MAX DRV_NETDEV_RX_LARGE_MAX

/* The offload features of offered to take, with those of base (the
 * driver's others, taken as offered): every one of CSUM, GUEST_CSUM,
 * HOST_TSO4/6, GUEST_TSO4/6 offered whose requirements are taken too
 * (5.1.3.1: HOST_TSO* need CSUM, GUEST_TSO* need GUEST_CSUM; ours:
 * GUEST_TSO* need MRG_RXBUF, since receive buffers are small), never
 * UFO, ECN nor the control queue's offloads. Returns offered & what is
 * wanted. */
uint64_t vnet_hdr_features(uint64_t offered, uint64_t base);

/* The DRV_NETDEV_OFF_* of negotiated features. */
unsigned vnet_hdr_offloads(uint64_t features);

/* ", offloads csum,gcsum,tso4,tso6,gtso4,gtso6" (those of the offload
 * features in features), or "" with none, into buf of size bytes (48 is
 * enough). */
void vnet_hdr_features_str(uint64_t features, char *buf, size_t size);

/* The header for frame t to a device that agreed to offloads (max_len:
 * the longest frame without GSO, MTU plus MAC header): 0 and *h set,
 * -EINVAL when t asks for an offload not agreed to, GSO without a
 * checksum request, a checksum or GSO request outside the frame, no
 * pieces or more than DRV_NETDEV_TX_PIECES, or pieces whose lengths do
 * not add up to t->len; -EMSGSIZE when t->len is over max_len without
 * GSO or over DRV_NETDEV_GSO_MAX with it. */
int vnet_hdr_tx(const struct drv_netdev_tx *t, unsigned offloads,
		size_t max_len, struct vnet_hdr *h);

/* DRV_NETBUF_CSUM_* of a received frame whose header has flags, the
 * device having agreed to GUEST_CSUM or not (without it flags mean
 * nothing). NEEDS_CSUM wins over DATA_VALID (5.1.6.4.1). */
int vnet_hdr_rx_csum(uint8_t flags, int guest_csum);

/* One receive buffer as the device returned it: the driver's buffer
 * (->priv its memory, buf_size bytes, the header at its start) and the
 * bytes the device said it wrote there. */
struct vnet_rxbuf {
	struct drv_netbuf *b;
	uint32_t used;
};

/* Join the got buffers of one received frame (got >= 1, in the order the
 * device returned them), whose header (in the first) said it takes want
 * buffers, each buf_size bytes with the header's hdr_len bytes first:
 * sets data, len and next of each, tot_len of the first (csum is left to
 * the caller). Returns the frame's length, or -EINVAL for a broken
 * device: want 0 or not got, a buffer holding no frame byte or claiming
 * more than its size, a header longer than the first buffer's bytes, a
 * frame over VNET_RX_FRAME_MAX. The buffers are the caller's to give
 * back either way. */
long vnet_hdr_rx_join(const struct vnet_rxbuf *bufs, unsigned got,
		      unsigned want, size_t hdr_len, size_t buf_size);

#endif
