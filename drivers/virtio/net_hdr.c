/* virtio-net's pure logic (see net_hdr.h): offload features, the transmit
 * header, the receive checksum status and merged receive buffers joined
 * into one frame. No hardware access. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net_hdr.h"

uint64_t vnet_hdr_features(uint64_t offered, uint64_t base)
{
	uint64_t f = base & offered;

	f |= offered & (VNET_F_CSUM | VNET_F_GUEST_CSUM);
	if (f & VNET_F_CSUM)
		f |= offered & (VNET_F_HOST_TSO4 | VNET_F_HOST_TSO6);
	if ((f & VNET_F_GUEST_CSUM) && (f & VNET_F_MRG_RXBUF))
		f |= offered & (VNET_F_GUEST_TSO4 | VNET_F_GUEST_TSO6);
	return f;
}

unsigned vnet_hdr_offloads(uint64_t features)
{
	unsigned o = 0;

	if (features & VNET_F_CSUM)
		o |= DRV_NETDEV_OFF_TX_CSUM;
	if (features & VNET_F_GUEST_CSUM)
		o |= DRV_NETDEV_OFF_RX_CSUM;
	if (features & VNET_F_HOST_TSO4)
		o |= DRV_NETDEV_OFF_TSO4;
	if (features & VNET_F_HOST_TSO6)
		o |= DRV_NETDEV_OFF_TSO6;
	if (features & (VNET_F_GUEST_TSO4 | VNET_F_GUEST_TSO6))
		o |= DRV_NETDEV_OFF_RX_LARGE;
	return o;
}

void vnet_hdr_features_str(uint64_t features, char *buf, size_t size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ VNET_F_CSUM, "csum" },	{ VNET_F_GUEST_CSUM, "gcsum" },
		{ VNET_F_HOST_TSO4, "tso4" },	{ VNET_F_HOST_TSO6, "tso6" },
		{ VNET_F_GUEST_TSO4, "gtso4" }, { VNET_F_GUEST_TSO6, "gtso6" }
	};
	size_t n = 0;

	if (size)
		buf[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(features & names[i].bit) || n >= size)
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s",
				      n ? "," : ", offloads ", names[i].name);
	}
}

/* Whether t's pieces are a frame of t->len bytes. */
static int pieces_ok(const struct drv_netdev_tx *t)
{
	size_t sum = 0;

	if (t->npieces == 0 || t->npieces > DRV_NETDEV_TX_PIECES)
		return 0;
	for (unsigned i = 0; i < t->npieces; i++)
		sum += t->piece[i].len;
	return sum == t->len;
}

/* Whether t's GSO request is one the device agreed to and fits t. */
static int gso_ok(const struct drv_netdev_tx *t, unsigned offloads)
{
	unsigned need = t->gso == DRV_NETDEV_GSO_TCPV4 ? DRV_NETDEV_OFF_TSO4 :
			t->gso == DRV_NETDEV_GSO_TCPV6 ? DRV_NETDEV_OFF_TSO6 :
							 0;

	return need && (offloads & need) && t->csum && t->gso_size &&
	       t->hdr_len && t->hdr_len < t->len;
}

int vnet_hdr_tx(const struct drv_netdev_tx *t, unsigned offloads,
		size_t max_len, struct vnet_hdr *h)
{
	if (!pieces_ok(t) ||
	    (t->csum &&
	     (!(offloads & DRV_NETDEV_OFF_TX_CSUM) ||
	      (size_t)t->csum_start + t->csum_offset + 2 > t->len)) ||
	    (t->gso != DRV_NETDEV_GSO_NONE && !gso_ok(t, offloads)))
		return -EINVAL;
	if (t->len > (t->gso ? DRV_NETDEV_GSO_MAX : max_len))
		return -EMSGSIZE;
	memset(h, 0, sizeof(*h));
	if (t->csum) {
		h->flags = VNET_HDR_F_NEEDS_CSUM;
		h->csum_start = t->csum_start;
		h->csum_offset = t->csum_offset;
	}
	if (t->gso) {
		h->gso_type = t->gso == DRV_NETDEV_GSO_TCPV4 ?
				      VNET_HDR_GSO_TCPV4 :
				      VNET_HDR_GSO_TCPV6;
		h->gso_size = t->gso_size;
		h->hdr_len = t->hdr_len;
	}
	return 0;
}

int vnet_hdr_rx_csum(uint8_t flags, int guest_csum)
{
	if (!guest_csum)
		return DRV_NETBUF_CSUM_NONE;
	if (flags & VNET_HDR_F_NEEDS_CSUM)
		return DRV_NETBUF_CSUM_PARTIAL;
	if (flags & VNET_HDR_F_DATA_VALID)
		return DRV_NETBUF_CSUM_VALID;
	return DRV_NETBUF_CSUM_NONE;
}

long vnet_hdr_rx_join(const struct vnet_rxbuf *bufs, unsigned got,
		      unsigned want, size_t hdr_len, size_t buf_size)
{
	size_t total = 0;

	if (got != want) /* want 0 included: got is 1 at least */
		return -EINVAL;
	for (unsigned i = 0; i < got; i++) {
		size_t skip = i ? 0 : hdr_len;
		struct drv_netbuf *b = bufs[i].b;

		if (bufs[i].used <= skip || bufs[i].used > buf_size)
			return -EINVAL;
		b->data = (char *)b->priv + skip;
		b->len = bufs[i].used - skip;
		b->next = i + 1 < got ? bufs[i + 1].b : NULL;
		total += b->len;
	}
	if (total > VNET_RX_FRAME_MAX)
		return -EINVAL;
	bufs[0].b->tot_len = total;
	return (long)total;
}
