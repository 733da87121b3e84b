/* Offload decisions for one frame (see offload.h): where a TCP checksum
 * starts and is stored, the pseudo-header sum the device adds to, the
 * segment size for segmentation offload, and which received frames
 * lwIP need not verify. Pure: bytes in, fields out. */
#include <errno.h>
#include <string.h>

#include "offload.h"

#define ETYPE_IP4 0x0800
#define ETYPE_IP6 0x86dd
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP6 58
#define IP6_HLEN 40
#define TCP_HLEN 20
#define TCP_CSUM_OFF 16

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The ones' complement sum of n bytes at p (n even), unfolded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += be16(p + i);
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* A frame's IP layer as far as offloads care. */
struct ip_info {
	int v;		 /* 4 or 6; 0: not IP */
	size_t ip_off;	 /* the IP header, from the frame's start */
	size_t l4_off;	 /* the TCP header */
	size_t l4_len;	 /* TCP header and data, from the IP header */
	int tcp;	 /* a TCP packet, whole (not a fragment) */
	int fragment;	 /* an IPv4 fragment, or IPv6 that may be one */
	uint32_t pseudo; /* the pseudo-header's sum, unfolded */
};

/* IPv4 at f + 14: 0, or -EAGAIN / -EMSGSIZE as net_offload_tx. */
static int parse_ip4(const uint8_t *f, size_t avail, size_t len,
		     struct ip_info *in)
{
	const uint8_t *ip = f + NET_ETH_HLEN;
	size_t hl, tot;

	if (avail < NET_ETH_HLEN + 20)
		return len < NET_ETH_HLEN + 20 ? -EMSGSIZE : -EAGAIN;
	hl = (size_t)(ip[0] & 0xf) * 4;
	tot = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || hl < 20 || tot < hl ||
	    NET_ETH_HLEN + tot > len)
		return -EMSGSIZE;
	in->v = 4;
	in->fragment = (be16(ip + 6) & 0x3fff) != 0; /* MF or an offset */
	/* a TCP packet shorter than a TCP header: nothing to offload */
	in->tcp = ip[9] == PROTO_TCP && !in->fragment && tot - hl >= TCP_HLEN;
	in->l4_off = NET_ETH_HLEN + hl;
	in->l4_len = tot - hl;
	in->pseudo = sum16(ip + 12, 8, PROTO_TCP + (uint32_t)in->l4_len);
	return 0;
}

/* IPv6 at f + 14 (lwIP sends TCP with no extension header). */
static int parse_ip6(const uint8_t *f, size_t avail, size_t len,
		     struct ip_info *in)
{
	const uint8_t *ip = f + NET_ETH_HLEN;

	if (avail < NET_ETH_HLEN + IP6_HLEN)
		return len < NET_ETH_HLEN + IP6_HLEN ? -EMSGSIZE : -EAGAIN;
	in->l4_len = be16(ip + 4);
	if ((ip[0] >> 4) != 6 || NET_ETH_HLEN + IP6_HLEN + in->l4_len > len)
		return -EMSGSIZE;
	in->v = 6;
	/* a fragment header may come after other extension headers: only a
	 * packet with none (TCP, UDP or ICMPv6 next) is known to be whole */
	in->fragment = ip[6] != PROTO_TCP && ip[6] != PROTO_UDP &&
		       ip[6] != PROTO_ICMP6;
	in->tcp = ip[6] == PROTO_TCP && in->l4_len >= TCP_HLEN;
	in->l4_off = NET_ETH_HLEN + IP6_HLEN;
	in->pseudo = sum16(ip + 8, 32, PROTO_TCP + (uint32_t)in->l4_len);
	return 0;
}

static int parse_ip(const uint8_t *f, size_t avail, size_t len,
		    struct ip_info *in)
{
	memset(in, 0, sizeof(*in));
	if (len < NET_ETH_HLEN || avail < NET_ETH_HLEN)
		return len < NET_ETH_HLEN ? -EMSGSIZE : -EAGAIN;
	in->ip_off = NET_ETH_HLEN;
	switch (be16(f + 12)) {
	case ETYPE_IP4:
		return parse_ip4(f, avail, len, in);
	case ETYPE_IP6:
		return parse_ip6(f, avail, len, in);
	}
	return 0;
}

/* Segmentation of a TCP packet longer than the MTU into mss-sized
 * segments (less this packet's options), as offload off allows. */
static int set_gso(const uint8_t *f, size_t avail, const struct ip_info *in,
		   unsigned off, unsigned mtu, unsigned mss,
		   struct drv_netdev_tx *t)
{
	size_t thl, ip_hl = in->l4_off - in->ip_off;
	unsigned need = in->v == 4 ? DRV_NETDEV_OFF_TSO4 : DRV_NETDEV_OFF_TSO6;

	if (!in->tcp || !(off & need) || !(off & DRV_NETDEV_OFF_TX_CSUM))
		return -EMSGSIZE;
	if (avail < in->l4_off + TCP_HLEN)
		return -EAGAIN;
	thl = (size_t)(f[in->l4_off + 12] >> 4) * 4;
	if (thl < TCP_HLEN || thl > in->l4_len)
		return -EMSGSIZE;
	if (!mss || mss > mtu - ip_hl - TCP_HLEN)
		mss = mtu - (unsigned)ip_hl - TCP_HLEN;
	if (mss <= thl - TCP_HLEN || in->l4_len - thl <= mss - (thl - TCP_HLEN))
		return -EMSGSIZE; /* nothing to cut, or options fill it */
	t->gso = in->v == 4 ? DRV_NETDEV_GSO_TCPV4 : DRV_NETDEV_GSO_TCPV6;
	t->gso_size = (uint16_t)(mss - (thl - TCP_HLEN));
	t->hdr_len = (uint16_t)(in->l4_off + thl);
	return 0;
}

int net_offload_tx(uint8_t *f, size_t avail, size_t len, unsigned off,
		   unsigned mtu, unsigned mss, struct drv_netdev_tx *t)
{
	struct ip_info in;
	uint16_t ps;
	int r;

	t->csum = t->gso = 0;
	t->csum_start = t->csum_offset = t->gso_size = t->hdr_len = 0;
	if ((r = parse_ip(f, avail, len, &in)))
		return r;
	if (in.v && len - NET_ETH_HLEN > mtu &&
	    (r = set_gso(f, avail, &in, off, mtu, mss, t)))
		return r;
	if (!in.v && len - NET_ETH_HLEN > mtu)
		return -EMSGSIZE;
	if (!in.tcp || !(off & DRV_NETDEV_OFF_TX_CSUM))
		return 0;
	if (avail < in.l4_off + TCP_HLEN)
		return -EAGAIN;
	ps = fold(in.pseudo);
	f[in.l4_off + TCP_CSUM_OFF] = (uint8_t)(ps >> 8);
	f[in.l4_off + TCP_CSUM_OFF + 1] = (uint8_t)ps;
	t->csum = 1;
	t->csum_start = (uint16_t)in.l4_off;
	t->csum_offset = TCP_CSUM_OFF;
	return 0;
}

int net_offload_rx_trusted(const uint8_t *f, size_t avail, size_t len, int csum)
{
	struct ip_info in;

	if (csum != DRV_NETBUF_CSUM_VALID && csum != DRV_NETBUF_CSUM_PARTIAL)
		return 0;
	return !parse_ip(f, avail, len, &in) && !in.fragment;
}
