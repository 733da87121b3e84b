/* Unit tests of virtio-net's pure logic (drivers/virtio/net_hdr.c): the
 * offload features taken of an offer (5.1.3.1's requirements, ours of
 * MRG_RXBUF, never UFO/ECN/control offloads), the offloads and the boot
 * line's words they give, the transmit header byte for byte for every
 * checksum and GSO request (5.1.6.2) and every request refused, the
 * receive checksum status of every flags byte (5.1.6.4.1), and received
 * frames joined from merged buffers split at every point (compositions of
 * small frames over small buffers exhaustively, and 64 KiB frames over
 * 2 KiB buffers), and the broken devices' frames refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net_hdr.h"

#define BIT(n) (1ULL << (n))
#define F_CSUM BIT(0)
#define F_GUEST_CSUM BIT(1)
#define F_CTRL_GUEST_OFFLOADS BIT(2)
#define F_MTU BIT(3)
#define F_MAC BIT(5)
#define F_GUEST_TSO4 BIT(7)
#define F_GUEST_TSO6 BIT(8)
#define F_GUEST_ECN BIT(9)
#define F_GUEST_UFO BIT(10)
#define F_HOST_TSO4 BIT(11)
#define F_HOST_TSO6 BIT(12)
#define F_HOST_ECN BIT(13)
#define F_HOST_UFO BIT(14)
#define F_MRG_RXBUF BIT(15)
#define F_STATUS BIT(16)
#define F_CTRL_VQ BIT(17)
#define OFFLOAD_BITS                                                         \
	(F_CSUM | F_GUEST_CSUM | F_GUEST_TSO4 | F_GUEST_TSO6 | F_HOST_TSO4 | \
	 F_HOST_TSO6)

/* ---- features ---- */

/* Whether feature set f meets the spec's requirements and ours. */
static int deps_met(uint64_t f)
{
	if ((f & (F_HOST_TSO4 | F_HOST_TSO6)) && !(f & F_CSUM))
		return 0;
	if ((f & (F_GUEST_TSO4 | F_GUEST_TSO6)) &&
	    (!(f & F_GUEST_CSUM) || !(f & F_MRG_RXBUF)))
		return 0;
	return 1;
}

/* Everything offered, base with MRG_RXBUF: every offload taken. */
static void test_features_all(void **state)
{
	uint64_t all = ~0ULL, base = F_MAC | F_MRG_RXBUF | F_STATUS;
	uint64_t f = vnet_hdr_features(all, base);

	(void)state;
	assert_int_equal(f, base | OFFLOAD_BITS);
}

/* Every subset of the offloads and MRG_RXBUF offered: the result is a
 * subset of the offer, meets the requirements, and takes every offload
 * whose requirements were offered; UFO, ECN and the control queue's
 * offloads are never taken, nor a base feature not offered. */
static void test_features_every_offer(void **state)
{
	static const uint64_t bits[] = { F_CSUM,       F_GUEST_CSUM,
					 F_GUEST_TSO4, F_GUEST_TSO6,
					 F_HOST_TSO4,  F_HOST_TSO6,
					 F_MRG_RXBUF };
	uint64_t never = F_GUEST_ECN | F_GUEST_UFO | F_HOST_ECN | F_HOST_UFO |
			 F_CTRL_GUEST_OFFLOADS | F_CTRL_VQ;

	(void)state;
	for (unsigned m = 0; m < 1u << 7; m++) {
		uint64_t offered = never, base = F_MRG_RXBUF | F_MAC, f;

		for (unsigned i = 0; i < 7; i++)
			if (m & (1u << i))
				offered |= bits[i];
		f = vnet_hdr_features(offered, base);
		assert_int_equal(f & ~offered, 0);
		assert_int_equal(f & never, 0);
		assert_int_equal(f & F_MAC, 0); /* not offered */
		assert_true(deps_met(f));
		for (unsigned i = 0; i < 6; i++) { /* the offloads */
			uint64_t with = f | bits[i];

			if ((offered & bits[i]) && deps_met(with))
				assert_true(f & bits[i]);
		}
	}
}

/* GUEST_TSO* are not taken without MRG_RXBUF in the driver's base even
 * when offered with it. */
static void test_features_guest_tso_needs_mrg(void **state)
{
	uint64_t f = vnet_hdr_features(~0ULL, F_MAC);

	(void)state;
	assert_int_equal(f & (F_GUEST_TSO4 | F_GUEST_TSO6), 0);
	assert_true(f & F_GUEST_CSUM);
	assert_true(f & F_HOST_TSO4);
}

/* Each offload feature gives its DRV_NETDEV_OFF_* bit, for every subset. */
static void test_offloads(void **state)
{
	static const uint64_t bits[] = {
		F_CSUM,	     F_GUEST_CSUM, F_HOST_TSO4,
		F_HOST_TSO6, F_GUEST_TSO4, F_GUEST_TSO6
	};

	(void)state;
	for (unsigned m = 0; m < 1u << 6; m++) {
		uint64_t f = F_MRG_RXBUF | F_MAC;
		unsigned want = 0;

		for (unsigned i = 0; i < 6; i++)
			if (m & (1u << i))
				f |= bits[i];
		if (f & F_CSUM)
			want |= DRV_NETDEV_OFF_TX_CSUM;
		if (f & F_GUEST_CSUM)
			want |= DRV_NETDEV_OFF_RX_CSUM;
		if (f & F_HOST_TSO4)
			want |= DRV_NETDEV_OFF_TSO4;
		if (f & F_HOST_TSO6)
			want |= DRV_NETDEV_OFF_TSO6;
		if (f & (F_GUEST_TSO4 | F_GUEST_TSO6))
			want |= DRV_NETDEV_OFF_RX_LARGE;
		assert_int_equal(vnet_hdr_offloads(f), want);
	}
}

/* The boot line's words, and a short buffer cut safely. */
static void test_features_str(void **state)
{
	char buf[48], small[12];

	(void)state;
	vnet_hdr_features_str(~0ULL, buf, sizeof(buf));
	assert_string_equal(buf, ", offloads csum,gcsum,tso4,tso6,gtso4,gtso6");
	vnet_hdr_features_str(F_MAC | F_MRG_RXBUF, buf, sizeof(buf));
	assert_string_equal(buf, "");
	vnet_hdr_features_str(F_GUEST_CSUM | F_HOST_TSO6, buf, sizeof(buf));
	assert_string_equal(buf, ", offloads gcsum,tso6");
	memset(small, 'x', sizeof(small));
	vnet_hdr_features_str(~0ULL, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* ---- the transmit header ---- */

#define ALL_TX \
	(DRV_NETDEV_OFF_TX_CSUM | DRV_NETDEV_OFF_TSO4 | DRV_NETDEV_OFF_TSO6)
#define MAXLEN 1514

static uint8_t frame[VNET_RX_FRAME_MAX + 64]; /* and 65536 to send */

/* A request for len bytes of frame[] in npieces near-equal pieces. */
static struct drv_netdev_tx req(size_t len, unsigned npieces)
{
	struct drv_netdev_tx t;
	size_t off = 0;

	memset(&t, 0, sizeof(t));
	t.npieces = npieces;
	t.len = len;
	for (unsigned i = 0; i < npieces; i++) {
		size_t n = (len - off) / (npieces - i);

		t.piece[i].data = frame + off;
		t.piece[i].len = (uint32_t)n;
		off += n;
	}
	return t;
}

/* The 12 header bytes as the spec lays them out, little-endian. */
static void expect_bytes(const struct vnet_hdr *h, uint8_t flags,
			 uint8_t gso_type, uint16_t hdr_len, uint16_t gso_size,
			 uint16_t csum_start, uint16_t csum_offset)
{
	uint8_t want[12] = { flags,
			     gso_type,
			     (uint8_t)hdr_len,
			     (uint8_t)(hdr_len >> 8),
			     (uint8_t)gso_size,
			     (uint8_t)(gso_size >> 8),
			     (uint8_t)csum_start,
			     (uint8_t)(csum_start >> 8),
			     (uint8_t)csum_offset,
			     (uint8_t)(csum_offset >> 8),
			     0,
			     0 };

	assert_int_equal(sizeof(*h), 12);
	assert_memory_equal(h, want, sizeof(want));
}

/* No offload asked: all zeros, whatever the pieces. */
static void test_tx_plain(void **state)
{
	struct vnet_hdr h;

	(void)state;
	for (unsigned np = 1; np <= DRV_NETDEV_TX_PIECES; np++) {
		struct drv_netdev_tx t = req(60 + np, np);

		memset(&h, 0xa5, sizeof(h));
		assert_int_equal(vnet_hdr_tx(&t, 0, MAXLEN, &h), 0);
		expect_bytes(&h, 0, 0, 0, 0, 0, 0);
	}
	{
		struct drv_netdev_tx t = req(MAXLEN, 3);

		assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), 0);
		expect_bytes(&h, 0, 0, 0, 0, 0, 0);
	}
}

/* A checksum request: NEEDS_CSUM with its start and offset, for TCP and
 * UDP over IPv4 and IPv6, and at the frame's last two bytes. */
static void test_tx_csum(void **state)
{
	static const struct {
		uint16_t start, offset;
	} c[] = { { 34, 16 }, { 34, 6 }, { 54, 16 }, { 54, 6 }, { 0, 0 } };
	struct vnet_hdr h;

	(void)state;
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct drv_netdev_tx t = req(1000, 2);

		t.csum = 1;
		t.csum_start = c[i].start;
		t.csum_offset = c[i].offset;
		memset(&h, 0xa5, sizeof(h));
		assert_int_equal(
			vnet_hdr_tx(&t, DRV_NETDEV_OFF_TX_CSUM, MAXLEN, &h), 0);
		expect_bytes(&h, VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, c[i].start,
			     c[i].offset);
	}
	{ /* the checksum field is the frame's last two bytes */
		struct drv_netdev_tx t = req(100, 1);

		t.csum = 1;
		t.csum_start = 80;
		t.csum_offset = 18;
		assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), 0);
		expect_bytes(&h, VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 80, 18);
	}
}

/* GSO requests of each type: gso_type without the ECN bit, gso_size,
 * hdr_len, NEEDS_CSUM; up to the longest frame. */
static void test_tx_gso(void **state)
{
	static const struct {
		int gso;
		uint8_t type;
		uint16_t start, hdr, mss;
		size_t len;
	} g[] = {
		{ DRV_NETDEV_GSO_TCPV4, VNET_HDR_GSO_TCPV4, 34, 54, 1460,
		  65535 },
		{ DRV_NETDEV_GSO_TCPV4, VNET_HDR_GSO_TCPV4, 34, 66, 1448,
		  3000 },
		{ DRV_NETDEV_GSO_TCPV6, VNET_HDR_GSO_TCPV6, 54, 74, 1440,
		  65535 },
		{ DRV_NETDEV_GSO_TCPV6, VNET_HDR_GSO_TCPV6, 54, 86, 536, 1515 },
		{ DRV_NETDEV_GSO_TCPV4, VNET_HDR_GSO_TCPV4, 34, 54, 1, 56 },
	};
	struct vnet_hdr h;

	(void)state;
	for (unsigned i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct drv_netdev_tx t = req(g[i].len, DRV_NETDEV_TX_PIECES);

		t.csum = 1;
		t.csum_start = g[i].start;
		t.csum_offset = 16;
		t.gso = g[i].gso;
		t.gso_size = g[i].mss;
		t.hdr_len = g[i].hdr;
		memset(&h, 0xa5, sizeof(h));
		assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), 0);
		expect_bytes(&h, VNET_HDR_F_NEEDS_CSUM, g[i].type, g[i].hdr,
			     g[i].mss, g[i].start, 16);
		assert_int_equal(h.gso_type & 0x80, 0);
	}
}

/* Sizes: max_len exactly without GSO, one more refused; 65535 with GSO,
 * one more refused. */
static void test_tx_sizes(void **state)
{
	struct vnet_hdr h;
	struct drv_netdev_tx t = req(MAXLEN, 4);

	(void)state;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), 0);
	t = req(MAXLEN + 1, 4);
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EMSGSIZE);
	t = req(60, 1);
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, 59, &h), -EMSGSIZE);
	t = req(65536, DRV_NETDEV_TX_PIECES);
	t.csum = 1;
	t.csum_start = 34;
	t.csum_offset = 16;
	t.gso = DRV_NETDEV_GSO_TCPV4;
	t.gso_size = 1460;
	t.hdr_len = 54;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EMSGSIZE);
	t.len = 65535;
	t.piece[DRV_NETDEV_TX_PIECES - 1].len--;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), 0);
}

/* A valid GSO request over TCP/IPv4 of 3000 bytes. */
static struct drv_netdev_tx gso_req(void)
{
	struct drv_netdev_tx t = req(3000, 3);

	t.csum = 1;
	t.csum_start = 34;
	t.csum_offset = 16;
	t.gso = DRV_NETDEV_GSO_TCPV4;
	t.gso_size = 1460;
	t.hdr_len = 54;
	return t;
}

/* Every refusal: -EINVAL. */
static void test_tx_refused(void **state)
{
	struct vnet_hdr h;
	struct drv_netdev_tx t;

	(void)state;
	t = gso_req();
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), 0);
	/* offloads not agreed to */
	t = req(100, 1);
	t.csum = 1;
	t.csum_start = 34;
	t.csum_offset = 16;
	assert_int_equal(
		vnet_hdr_tx(&t, ALL_TX & ~DRV_NETDEV_OFF_TX_CSUM, MAXLEN, &h),
		-EINVAL);
	t = gso_req();
	assert_int_equal(
		vnet_hdr_tx(&t, ALL_TX & ~DRV_NETDEV_OFF_TSO4, MAXLEN, &h),
		-EINVAL);
	t = gso_req();
	assert_int_equal(
		vnet_hdr_tx(&t, ALL_TX & ~DRV_NETDEV_OFF_TX_CSUM, MAXLEN, &h),
		-EINVAL);
	t = gso_req();
	t.gso = DRV_NETDEV_GSO_TCPV6;
	assert_int_equal(
		vnet_hdr_tx(&t, ALL_TX & ~DRV_NETDEV_OFF_TSO6, MAXLEN, &h),
		-EINVAL);
	/* GSO without a checksum request, with a bad type, size or header */
	t = gso_req();
	t.csum = 0;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = gso_req();
	t.gso = 3;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = gso_req();
	t.gso = -1;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = gso_req();
	t.gso_size = 0;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = gso_req();
	t.hdr_len = 0;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = gso_req();
	t.hdr_len = 3000;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	/* the checksum field past the frame */
	t = req(100, 1);
	t.csum = 1;
	t.csum_start = 80;
	t.csum_offset = 19;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t.csum_start = 0xffff;
	t.csum_offset = 0xffff;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	/* pieces: none, too many, lengths not adding up */
	t = req(100, 1);
	t.npieces = 0;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = req(0, 1);
	t.npieces = 0; /* an empty frame in no pieces */
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = req(100, DRV_NETDEV_TX_PIECES);
	t.npieces = DRV_NETDEV_TX_PIECES + 1;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	/* 16 empty pieces of an empty frame: refused for their number (the
	 * 16th would lie past the array: over npieces and len, 0) */
	t = req(0, DRV_NETDEV_TX_PIECES);
	t.npieces = DRV_NETDEV_TX_PIECES + 1;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t = req(100, 3);
	t.len = 99;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	t.len = 101;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
	/* too long and too many pieces: the pieces are checked first */
	t = req(2000, 1);
	t.len = 1999;
	assert_int_equal(vnet_hdr_tx(&t, ALL_TX, MAXLEN, &h), -EINVAL);
}

/* ---- receive ---- */

/* Every flags byte, with and without GUEST_CSUM. */
static void test_rx_csum(void **state)
{
	(void)state;
	for (unsigned f = 0; f < 256; f++) {
		int want = f & VNET_HDR_F_NEEDS_CSUM ? DRV_NETBUF_CSUM_PARTIAL :
			   f & VNET_HDR_F_DATA_VALID ? DRV_NETBUF_CSUM_VALID :
						       DRV_NETBUF_CSUM_NONE;

		assert_int_equal(vnet_hdr_rx_csum((uint8_t)f, 1), want);
		assert_int_equal(vnet_hdr_rx_csum((uint8_t)f, 0),
				 DRV_NETBUF_CSUM_NONE);
	}
}

#define MAXB 40
#define HDR 12

static struct drv_netbuf nb[MAXB];
static uint8_t *mem[MAXB];

static int setup_bufs(void **state)
{
	(void)state;
	for (unsigned i = 0; i < MAXB; i++) {
		mem[i] = malloc(2048);
		assert_non_null(mem[i]);
	}
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + (i >> 8));
	return 0;
}

static int teardown_bufs(void **state)
{
	(void)state;
	for (unsigned i = 0; i < MAXB; i++)
		free(mem[i]);
	return 0;
}

/* Lay frame[0..sum of parts) out over buffers of bsize bytes as a device
 * would (the header first in the first buffer), part[i] frame bytes in
 * buffer i, the buffers taken in a scrambled order of nb[]; join them and
 * check the chain gives back the frame. */
static void check_split(const size_t *part, unsigned n, size_t bsize)
{
	struct vnet_rxbuf rb[MAXB];
	size_t off = 0, total = 0;
	const struct drv_netbuf *b;
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		total += part[i];
	for (unsigned i = 0; i < n; i++) {
		unsigned j = (i * 7 + 3) % MAXB; /* not in order of memory */
		size_t skip = i ? 0 : HDR;

		memset(mem[j], 0xee, 2048);
		nb[j] = (struct drv_netbuf){ .priv = mem[j],
					     .next = (void *)1,
					     .tot_len = 12345 };
		memcpy(mem[j] + skip, frame + off, part[i]);
		off += part[i];
		rb[i] = (struct vnet_rxbuf){ &nb[j],
					     (uint32_t)(skip + part[i]) };
	}
	assert_int_equal(vnet_hdr_rx_join(rb, n, n, HDR, bsize), (long)total);
	assert_int_equal(rb[0].b->tot_len, total);
	off = 0;
	for (b = rb[0].b; b; b = b->next, k++) {
		assert_true(k < n);
		assert_ptr_equal(b, rb[k].b);
		assert_int_equal(b->len, part[k]);
		assert_ptr_equal(b->data, (uint8_t *)b->priv + (k ? 0 : HDR));
		assert_memory_equal(b->data, frame + off, b->len);
		off += b->len;
	}
	assert_int_equal(k, n);
	assert_int_equal(off, total);
}

/* Every composition of frames of 1..len_max bytes over buffers of bsize
 * bytes (the first holding the header and 1..bsize-HDR frame bytes, each
 * other 1..bsize), the last buffers of 1 byte included. */
static unsigned compose(size_t left, size_t *part, unsigned n, size_t bsize)
{
	size_t cap = n ? bsize : bsize - HDR;
	unsigned count = 0;

	if (left == 0) {
		check_split(part, n, bsize);
		return 1;
	}
	for (size_t k = 1; k <= cap && k <= left && n < MAXB; k++) {
		part[n] = k;
		count += compose(left - k, part, n + 1, bsize);
	}
	return count;
}

static void test_rx_join_every_split_small(void **state)
{
	size_t part[MAXB];
	unsigned total = 0;

	(void)state;
	for (size_t len = 1; len <= 14; len++)
		total += compose(len, part, 0, HDR + 4); /* 4 in the first */
	/* compositions of len with a first part <= 4 and others <= 16: all
	 * of them for len <= 14 (2^13 for 14 less those starting > 4) */
	assert_true(total > 8000);
}

/* Frames over 2 KiB buffers: every split point of 2 and 3 buffers of a
 * 4000-byte frame, and the longest frame (65549 bytes) in full buffers
 * with last buffers of 1 to 2048 bytes. */
static void test_rx_join_large(void **state)
{
	size_t part[MAXB];

	(void)state;
	for (size_t k = 1; k <= 2048 - HDR; k++) {
		part[0] = k;
		part[1] = 4000 - k;
		if (part[1] <= 2048)
			check_split(part, 2, 2048);
		part[1] = 1;
		part[2] = 4000 - k - 1;
		if (part[2] <= 2048)
			check_split(part, 3, 2048);
		part[1] = 4000 - k - 1;
		part[2] = 1;
		if (part[1] <= 2048)
			check_split(part, 3, 2048);
	}
	for (size_t last = 1; last <= 2048; last += 97) {
		unsigned n = 0;
		size_t left = VNET_RX_FRAME_MAX - last;

		part[n++] = 2048 - HDR;
		left -= 2048 - HDR;
		while (left) {
			part[n] = left < 2048 ? left : 2048;
			left -= part[n++];
		}
		part[n++] = last;
		check_split(part, n, 2048);
	}
	part[0] = 2048 - HDR; /* one buffer, full */
	check_split(part, 1, 2048);
}

/* A frame of parts over 2 KiB buffers as rb[] (the used lengths as
 * given: used[0] includes the header). */
static void lay(struct vnet_rxbuf *rb, const uint32_t *used, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		nb[i] = (struct drv_netbuf){ .priv = mem[i] };
		rb[i] = (struct vnet_rxbuf){ &nb[i], used[i] };
	}
}

/* Broken devices: -EINVAL for each. */
static void test_rx_join_bad(void **state)
{
	struct vnet_rxbuf rb[MAXB];
	uint32_t used[MAXB];

	(void)state;
	used[0] = 100;
	used[1] = 100;
	lay(rb, used, 2);
	assert_int_equal(vnet_hdr_rx_join(rb, 2, 2, HDR, 2048), 188);
	/* num_buffers 0; more wanted than got; fewer */
	assert_int_equal(vnet_hdr_rx_join(rb, 1, 0, HDR, 2048), -EINVAL);
	assert_int_equal(vnet_hdr_rx_join(rb, 2, 3, HDR, 2048), -EINVAL);
	assert_int_equal(vnet_hdr_rx_join(rb, 2, 1, HDR, 2048), -EINVAL);
	/* header longer than the first buffer's bytes; no frame byte */
	for (uint32_t u = 0; u <= HDR; u++) {
		used[0] = u;
		lay(rb, used, 2);
		assert_int_equal(vnet_hdr_rx_join(rb, 2, 2, HDR, 2048),
				 -EINVAL);
		assert_int_equal(vnet_hdr_rx_join(rb, 1, 1, HDR, 2048),
				 -EINVAL);
	}
	/* a zero-length buffer after the first, in the middle or last */
	used[0] = 2048;
	used[1] = 0;
	used[2] = 10;
	lay(rb, used, 3);
	assert_int_equal(vnet_hdr_rx_join(rb, 3, 3, HDR, 2048), -EINVAL);
	used[1] = 10;
	used[2] = 0;
	lay(rb, used, 3);
	assert_int_equal(vnet_hdr_rx_join(rb, 3, 3, HDR, 2048), -EINVAL);
	/* a buffer claiming more than its size: first or later */
	used[0] = 2049;
	used[1] = 10;
	lay(rb, used, 2);
	assert_int_equal(vnet_hdr_rx_join(rb, 2, 2, HDR, 2048), -EINVAL);
	used[0] = 2048;
	used[1] = 0xffffffff;
	lay(rb, used, 2);
	assert_int_equal(vnet_hdr_rx_join(rb, 2, 2, HDR, 2048), -EINVAL);
	/* a frame one byte over the longest; the longest itself */
	used[0] = 2048;
	for (unsigned i = 1; i < 33; i++)
		used[i] = 2048;
	used[32] = VNET_RX_FRAME_MAX + 1 - (2048 - HDR) - 31 * 2048;
	lay(rb, used, 33);
	assert_int_equal(vnet_hdr_rx_join(rb, 33, 33, HDR, 2048), -EINVAL);
	used[32]--;
	lay(rb, used, 33);
	assert_int_equal(vnet_hdr_rx_join(rb, 33, 33, HDR, 2048),
			 VNET_RX_FRAME_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_all),
		cmocka_unit_test(test_features_every_offer),
		cmocka_unit_test(test_features_guest_tso_needs_mrg),
		cmocka_unit_test(test_offloads),
		cmocka_unit_test(test_features_str),
		cmocka_unit_test(test_tx_plain),
		cmocka_unit_test(test_tx_csum),
		cmocka_unit_test(test_tx_gso),
		cmocka_unit_test(test_tx_sizes),
		cmocka_unit_test(test_tx_refused),
		cmocka_unit_test(test_rx_csum),
		cmocka_unit_test(test_rx_join_every_split_small),
		cmocka_unit_test(test_rx_join_large),
		cmocka_unit_test(test_rx_join_bad),
	};

	return cmocka_run_group_tests(tests, setup_bufs, teardown_bufs);
}
